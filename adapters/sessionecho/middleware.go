package sessionecho

import (
	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/core"
)

// Config configures the middleware. The zero value requires a valid session
// on every request and answers refusals with core.ErrorResponse.
type Config struct {
	// Optional lets requests without a token through anonymously; an invalid
	// token is still refused.
	Optional bool
	// Strict asks the gate's Config.Revocations for an authoritative answer
	// (a store lookup) on every request, for routes where a revoked session
	// must not pass even for the revocation feed's delay.
	Strict bool
	// Skipper, when it returns true, passes the request on untouched (health
	// checks; a CORS preflight needs none: core lets it through).
	Skipper func(c echo.Context) bool
	// ErrorHandler answers a refused request. err is a *core.Error; the
	// Set-Cookie lines of the decision are already on the response. Its
	// return value goes to Echo: ReturnError lets the app's
	// e.HTTPErrorHandler render the refusal. Default: WriteError.
	ErrorHandler func(c echo.Context, err error) error
}

// New returns middleware that lets a request through only with a session
// the gate verifies, and puts the session in the echo.Context and the
// request context.
func New(gate *core.Gate, cfg Config) (echo.MiddlewareFunc, error) {
	if gate == nil {
		return nil, &core.ConfigError{Field: "gate", Reason: "is nil; build one with core.New"}
	}
	onError := cfg.ErrorHandler
	if onError == nil {
		onError = WriteError
	}
	opts := core.CheckOptions{Optional: cfg.Optional, Strict: cfg.Strict}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper != nil && cfg.Skipper(c) {
				return next(c)
			}
			d := gate.Check(core.HTTPRequest(c.Request()), opts.WithContext(c.Request().Context()))
			for _, line := range d.SetCookies {
				c.Response().Header().Add("Set-Cookie", line) // verbatim; c.SetCookie would re-encode
			}
			for _, h := range d.Header {
				c.Response().Header().Add(h[0], h[1]) // DPoP-Nonce
			}
			if d.Err != nil {
				return onError(c, d.Err)
			}
			if d.Session != nil {
				c.Set(SessionKey, d.Session)
				c.SetRequest(c.Request().WithContext(core.WithSession(c.Request().Context(), d.Session)))
			}
			return next(c)
		}
	}, nil
}

// WriteError writes core's default answer to err, byte for byte the same as
// every other adapter, and returns nil.
func WriteError(c echo.Context, err error) error {
	core.ErrorResponse(err).Write(c.Response())
	return nil
}

// ReturnError is an ErrorHandler for apps that render errors in their
// e.HTTPErrorHandler: it sets core's WWW-Authenticate, Retry-After and
// Cache-Control headers (a 401 keeps its challenge) and returns
// HTTPError(err). Returning err itself would make Echo answer 500. It
// replaces those headers rather than adding to them, so a handler run twice
// (a retry) sends one challenge.
func ReturnError(c echo.Context, err error) error {
	for _, h := range core.ErrorResponse(err).ChallengeHeader() {
		c.Response().Header().Set(h[0], h[1])
	}
	return HTTPError(err)
}

// HTTPError turns a refusal into an *echo.HTTPError: Code is core's status,
// Message core's fixed public description (never the token), Internal err,
// so errors.Is(he, core.ErrExpired) holds. It sets no headers: use
// ReturnError as the ErrorHandler to keep the WWW-Authenticate challenge.
func HTTPError(err error) *echo.HTTPError {
	resp := core.ErrorResponse(err)
	return &echo.HTTPError{Code: resp.Status, Message: resp.Description, Internal: err}
}

package sessionfiber

import (
	"github.com/gofiber/fiber/v2"

	"github.com/sessiongate/sessiongate/adapters/sessionfasthttp"
	"github.com/sessiongate/sessiongate/core"
)

// Config configures the middleware. The zero value requires a valid session
// on every request and answers refusals with WriteError.
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
	Skipper func(c *fiber.Ctx) bool
	// ErrorHandler answers a refused request. err is a *core.Error; the
	// Set-Cookie lines of the decision are already on the response. Its
	// return value is the middleware's. Default: WriteError.
	ErrorHandler func(c *fiber.Ctx, err error) error
}

// New returns a fiber.Handler that lets a request through only with a
// session the gate verifies, and stores the session in Locals (SessionKey)
// and in c.UserContext().
func New(gate *core.Gate, cfg Config) (fiber.Handler, error) {
	if gate == nil {
		return nil, &core.ConfigError{Field: "gate", Reason: "is nil; build one with core.New"}
	}
	onError := cfg.ErrorHandler
	if onError == nil {
		onError = WriteError
	}
	opts := core.CheckOptions{Optional: cfg.Optional, Strict: cfg.Strict}
	return func(c *fiber.Ctx) error {
		if cfg.Skipper != nil && cfg.Skipper(c) {
			return c.Next()
		}
		d := gate.Check(sessionfasthttp.Request(c.Request()), opts.WithContext(c.UserContext()))
		sessionfasthttp.AddSetCookies(c.Response(), d.SetCookies)
		sessionfasthttp.AddHeaders(c.Response(), d.Header)
		if d.Err != nil {
			return onError(c, d.Err)
		}
		if d.Session != nil {
			c.Locals(SessionKey, d.Session)
			c.SetUserContext(core.WithSession(c.UserContext(), d.Session))
		}
		return c.Next()
	}, nil
}

// WriteError writes core's default answer to err (core.ErrorResponse: status,
// headers, JSON body) and returns nil, so fiber's ErrorHandler is not called.
func WriteError(c *fiber.Ctx, err error) error {
	sessionfasthttp.WriteError(c.Response(), err)
	return nil
}

// ReturnError is an ErrorHandler for apps that answer errors in their
// fiber.Config.ErrorHandler: it sets core's WWW-Authenticate, Retry-After
// and Cache-Control headers (not Content-Type, which goes with the app's
// body) and returns HTTPError(err). It replaces those headers rather than
// adding to them, so a handler run twice (a retry) sends one challenge.
func ReturnError(c *fiber.Ctx, err error) error {
	sessionfasthttp.SetChallenge(c.Response(), err)
	return HTTPError(err)
}

// HTTPError converts err to a *fiber.Error with core's status and fixed
// public description (e.g. "the session token has expired"; never the token
// or a cause). The *fiber.Error no longer matches core's sentinels with
// errors.Is: decide on the kind in Config.ErrorHandler, which gets err
// itself.
func HTTPError(err error) *fiber.Error {
	resp := core.ErrorResponse(err)
	return fiber.NewError(resp.Status, resp.Description)
}

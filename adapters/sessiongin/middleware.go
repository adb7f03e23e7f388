package sessiongin

import (
	"github.com/gin-gonic/gin"

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
	Skipper func(c *gin.Context) bool
	// ErrorHandler answers a refused request. err is a *core.Error; the
	// Set-Cookie lines of the decision are already on c.Writer. It must write
	// the answer: the middleware aborts the chain after it returns, so the
	// protected handler never runs, and Gin sends its own default (an empty
	// 200, or 404 on NoRoute) if nothing was written. Default: WriteError.
	ErrorHandler func(c *gin.Context, err error)
}

// New returns middleware that lets a request through only with a session
// the gate verifies, and stores the session under SessionKey and in
// c.Request's context.
func New(gate *core.Gate, cfg Config) (gin.HandlerFunc, error) {
	if gate == nil {
		return nil, &core.ConfigError{Field: "gate", Reason: "is nil; build one with core.New"}
	}
	onError := cfg.ErrorHandler
	if onError == nil {
		onError = WriteError
	}
	opts := core.CheckOptions{Optional: cfg.Optional, Strict: cfg.Strict}
	return func(c *gin.Context) {
		if cfg.Skipper != nil && cfg.Skipper(c) {
			c.Next()
			return
		}
		d := gate.Check(core.HTTPRequest(c.Request), opts.WithContext(c.Request.Context()))
		// Verbatim: c.SetCookie would re-serialise core's lines.
		for _, line := range d.SetCookies {
			c.Writer.Header().Add("Set-Cookie", line)
		}
		for _, h := range d.Header {
			c.Writer.Header().Add(h[0], h[1]) // DPoP-Nonce
		}
		if d.Err != nil {
			onError(c, d.Err)
			c.Abort()
			return
		}
		if d.Session != nil {
			c.Set(SessionKey, d.Session)
			c.Request = c.Request.WithContext(core.WithSession(c.Request.Context(), d.Session))
		}
		c.Next()
	}, nil
}

// WriteError writes core's default answer to err (status, headers in order,
// JSON body). It does not abort: the middleware aborts the chain after any
// ErrorHandler, once, so a custom one need not.
func WriteError(c *gin.Context, err error) {
	core.ErrorResponse(err).Write(c.Writer)
}

package sessionhttp

import (
	"net/http"

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
	Skipper func(r *http.Request) bool
	// ErrorHandler answers a refused request. err is a *core.Error; the
	// Set-Cookie lines of the decision are already on w. Default: WriteError.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// New returns middleware that lets a request through only with a session
// the gate verifies, and puts the session in the request context.
func New(gate *core.Gate, cfg Config) (func(http.Handler) http.Handler, error) {
	if gate == nil {
		return nil, &core.ConfigError{Field: "gate", Reason: "is nil; build one with core.New"}
	}
	onError := cfg.ErrorHandler
	if onError == nil {
		onError = WriteError
	}
	opts := core.CheckOptions{Optional: cfg.Optional, Strict: cfg.Strict}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if cfg.Skipper != nil && cfg.Skipper(r) {
				next.ServeHTTP(w, r)
				return
			}
			d := gate.Check(core.HTTPRequest(r), opts.WithContext(r.Context()))
			for _, c := range d.SetCookies {
				w.Header().Add("Set-Cookie", c)
			}
			for _, h := range d.Header {
				w.Header().Add(h[0], h[1]) // DPoP-Nonce
			}
			if d.Err != nil {
				onError(w, r, d.Err)
				return
			}
			if d.Session != nil {
				r = r.WithContext(core.WithSession(r.Context(), d.Session))
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// WriteError writes core's default answer to err.
func WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	core.ErrorResponse(err).Write(w)
}

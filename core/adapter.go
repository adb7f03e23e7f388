package core

import (
	"context"
	"io"
	"net/http"
)

// The adapter API, all in this file: a framework middleware views its
// request as a Request, asks Gate.Check for a Decision, writes the
// decision's Set-Cookie lines, then either puts Decision.Session in the
// request's context with WithSession or answers Decision.Err with
// ErrorResponse. Applications do not need any of it: they use an adapter.

// Request is the read-only view of an incoming request that core decides on.
// Adapters implement it over their framework's request; HTTPRequest does so
// for *http.Request (net/http, Gin, Echo). The strings it returns need only
// stay unchanged until Check returns: core copies what it keeps (the token
// of a Session), so a view over buffers the server reuses after the handler
// (fasthttp's) need not copy them. Adapter API.
type Request interface {
	// Method is the HTTP method, upper case.
	Method() string
	// Host is the request's Host header (authority), with port if present.
	Host() string
	// Header returns every value of the named header, one per header line,
	// in arrival order; nil when absent. Names match case-insensitively
	// (HTTP/2 proxies send them in lower case). For Cookie it must return
	// lines that keep every cookie pair, duplicates included. Core reads
	// Authorization, Cookie, Origin, Sec-Fetch-Site,
	// Access-Control-Request-Method (to tell a CORS preflight) and the
	// configured custom header through it, always with canonical names.
	// The strings need stay unchanged only until Check returns: core copies
	// what it keeps.
	Header(name string) []string
	// Query returns the first value of the named query parameter.
	Query(name string) string
	// Path is the path of the request target as sent, still escaped,
	// without query or fragment ("/auth/refresh"); "/" when empty.
	Path() string
}

// HTTPRequest views r as a Request without copying it. Adapter API.
func HTTPRequest(r *http.Request) Request { return httpRequest{r} }

// httpRequest is pointer-shaped, so converting it to Request does not allocate.
type httpRequest struct{ r *http.Request }

func (v httpRequest) Method() string { return v.r.Method }
func (v httpRequest) Host() string   { return v.r.Host }
func (v httpRequest) Header(name string) []string {
	return v.r.Header[http.CanonicalHeaderKey(name)]
}
func (v httpRequest) Path() string {
	if v.r.URL == nil || v.r.URL.EscapedPath() == "" {
		return "/"
	}
	return v.r.URL.EscapedPath()
}
func (v httpRequest) Query(name string) string {
	if v.r.URL == nil {
		return ""
	}
	return v.r.URL.Query().Get(name)
}

// Endpoint is a framework-free HTTP handler that adapters mount natively,
// such as the sessions module's refresh, exchange and revocation endpoints:
// it reads an EndpointRequest and answers with a Response, which the adapter
// writes as it is (status, header lines in order, body). Adapter API.
type Endpoint interface {
	ServeEndpoint(ctx context.Context, r EndpointRequest) Response
}

// EndpointRequest is what an Endpoint reads: the request view, the peer's
// address as the server saw it, and the body. Adapter API.
type EndpointRequest struct {
	Request
	// RemoteAddr is the peer's "ip:port" (http.Request.RemoteAddr,
	// fasthttp's RemoteAddr).
	RemoteAddr string
	// Body is the request body; nil for none. The endpoint bounds what it
	// reads.
	Body io.Reader
}

// CheckOptions are the per-middleware choices of Gate.Check. Adapter API.
type CheckOptions struct {
	// Optional lets requests without a token through anonymously; a token
	// that is present but invalid is still refused.
	Optional bool
	// Strict asks Config.Revocations for an authoritative answer (a store
	// lookup) instead of its in-memory list: for routes where a revoked
	// session must not pass even for the feed's delay.
	Strict bool
	// Context is the request's context, for what the check looks up
	// (Config.Revocations); nil means context.Background(). Adapters set it
	// per request.
	Context context.Context
}

// WithContext returns o for one request whose context is ctx. Adapter API.
func (o CheckOptions) WithContext(ctx context.Context) CheckOptions {
	o.Context = ctx
	return o
}

// Decision is Gate.Check's answer to one request. Adapter API.
type Decision struct {
	// Session is the verified session; nil when refused or anonymous.
	Session *Session
	// Err is nil when the request may proceed; otherwise an *Error whose
	// Kind is one of the sentinel errors. Render it with ErrorResponse.
	Err error
	// SetCookies are Set-Cookie values to add to the response whether the
	// request proceeds or not (clearing a session cookie on the older domain).
	SetCookies []string
	// Header are other response header lines, name and value, to add
	// whether the request proceeds or not: DPoP-Nonce, a fresh DPoP server
	// nonce (on a use_dpop_nonce refusal, and on a pass whose proof used
	// the previous nonce).
	Header [][2]string
}

// Check decides on r: it extracts the token by the configured precedence,
// verifies it (and its DPoP proof), applies the cross-site rule to cookie
// tokens and plans the older-domain cleanup. Adapter API: middlewares call
// it once per request.
func (g *Gate) Check(r Request, opt CheckOptions) Decision {
	d := g.check(r, opt)
	if d.Session != nil {
		if e := g.revoked(opt.Context, d.Session, opt.Strict); e != nil {
			d.Session, d.Err = nil, e
		}
	}
	if e, ok := d.Err.(*Error); ok && e.nonce != "" {
		d.Header = nonceHeader(e.nonce)
	}
	return d
}

// check decides on r before Config.Revocations is asked.
func (g *Gate) check(r Request, opt CheckOptions) Decision {
	if !g.cfg.AuthenticatePreflight && isPreflight(r) {
		return Decision{} // anonymous: a preflight never carries credentials
	}
	var firstErr *Error
	if g.cfg.Transfer != TransferCookie {
		s, nonce, e := g.fromHeaders(opt.Context, r)
		if s != nil {
			return Decision{Session: s, Header: nonceHeader(nonce)} // cookie duplicates are ignored
		}
		if e != nil && (e.Kind == ErrMalformedRequest || g.cfg.Transfer == TransferHeader) {
			return Decision{Err: e}
		}
		firstErr = e
	}
	if g.cfg.Transfer != TransferHeader && len(g.cfg.CookieNames) > 0 {
		if d, found := g.fromCookies(r, firstErr); found {
			return d
		}
	}
	if firstErr != nil {
		return Decision{Err: firstErr}
	}
	if opt.Optional {
		return Decision{}
	}
	return Decision{Err: g.noToken}
}

// WithSession returns a copy of ctx that carries s, for SessionFromContext.
// Adapter API.
func WithSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// isPreflight reports whether r is a CORS preflight (Fetch standard): an
// OPTIONS request with Origin and Access-Control-Request-Method.
func isPreflight(r Request) bool {
	return r.Method() == "OPTIONS" && len(r.Header("Origin")) > 0 && len(r.Header("Access-Control-Request-Method")) > 0
}

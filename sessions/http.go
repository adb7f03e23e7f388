package sessions

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// Endpoints is the HTTP face of a Manager: refresh, exchange, listing and
// revocation, and the JWKS. It is a core.Endpoint, which every adapter mounts
// natively (sessiongin.Endpoint(ep), sessionecho.Endpoint(ep), ...), and an
// http.Handler for net/http routers. Mount it on BasePath without stripping
// the prefix: it routes on the request's whole path.
//
// Routes, relative to BasePath ("/auth" by default):
//
//	POST   /refresh          refresh cookie -> new access and refresh cookies, {"expires_in"}
//	                         Authorization: Bearer <refresh> -> {"access_token", "token_type",
//	                         "expires_in", "refresh_token", "refresh_expires_in"}, no cookies
//	POST   /exchange         provider token (Authorization: Bearer, or a JSON {"token"} or form
//	                         token= body) -> a new session; cookies, or with ?transport=header
//	                         the tokens in JSON
//	GET    /exchange?token=..&redirect=/path   the same, then 303 to a local path
//	GET    /sessions         the caller's live sessions, the current one marked
//	DELETE /sessions         revoke all the caller's sessions but the current one
//	DELETE /sessions/{id}    revoke one of the caller's sessions (another user's: 404)
//	POST   /logout           revoke the current session and clear the cookies
//	GET    /jwks             the manager's JWKS (Manager.JWKSHandler)
//
// DPoP (RFC 9449): a DPoP proof header with POST /exchange?transport=header
// binds the new session to the proof's key: its access tokens carry
// cnf.jkt, token_type is "DPoP", and every refresh (header transport) must
// carry a proof of that key, or it is refused with 401 and the DPoP
// challenge while the session lives on (ErrKeyBinding: not reuse). The
// gate checks each proof (Gate.Proof: htm POST, htu under its DPoP.URLs,
// used once, its nonce when RequireNonce is set, answered with DPoP-Nonce);
// a refused proof is the gate's answer (401 with the DPoP challenge, 400
// for two DPoP headers, 503 when the replay cache is down), and a gate
// without DPoP.URLs refuses every proof rather than issue bearer tokens to
// a client that asked for bound ones. Bound tokens never go in cookies (a
// gate refuses them without a proof), so a proof with the cookie transport
// or GET /exchange is 400. A proof at refresh of an unbound session is
// checked but binds nothing: token_type stays "Bearer".
//
// /sessions and /logout are authenticated by an access token through
// EndpointsConfig.Gate (bearer or cookie, with the gate's cross-site rule
// and a strict revocation check); a token not issued by this manager is
// refused. A wrong method is 405 with Allow (OPTIONS too: a frontend on
// another origin needs the app's CORS middleware in front, which answers
// preflights); any other path under BasePath is 404. Every error is a fixed JSON body {"error", "error_description"}
// with Cache-Control: no-store; refresh errors add "retry" (false on 401:
// the cookies are cleared, sign in again; true on 503: the cookies are
// kept). No answer carries a token other than to the client it was issued
// to, and nothing is logged with one.
type Endpoints struct {
	m        *Manager
	gate     *core.Gate
	provider func(ctx context.Context, token string) (*core.Session, error)
	mapUser  func(ctx context.Context, provider *core.Session) (Identity, error)
	clientIP func(core.EndpointRequest) string
	logger   *slog.Logger
	base     string
	names    CookieNames
	refPath  string // Path of the refresh cookie: base + "/refresh"
	paths    []string
	fallback string
	maxBody  int64
}

// CookieNames are the names of the two session cookies.
type CookieNames struct {
	// Access holds the access token (the JWT gates verify); it must be the
	// gate's current cookie name (core.Config.CookieNames[0]).
	Access string
	// Refresh holds the refresh token, HttpOnly and scoped to the refresh
	// path. A __Secure- prefix fits; __Host- does not (it requires Path=/).
	Refresh string
}

// DefaultCookies are the names used when EndpointsConfig.Cookies is zero:
// sg_access and sg_refresh.
func DefaultCookies() CookieNames { return CookieNames{Access: "sg_access", Refresh: "sg_refresh"} }

// CorbadoCookies are the names Corbado's SDKs use (seed 002):
// cbo_short_session for the access token, cbo_long_session for the refresh
// token, for frontends written against Corbado.
func CorbadoCookies() CookieNames {
	return CookieNames{Access: "cbo_short_session", Refresh: "cbo_long_session"}
}

// Defaults of EndpointsConfig.
const (
	DefaultBasePath     = "/auth"
	DefaultRedirect     = "/"
	DefaultMaxBodyBytes = 16 << 10
)

// EndpointsConfig configures NewEndpoints. Gate is required; every other
// field has a documented default (the zero value means the default).
type EndpointsConfig struct {
	// BasePath the routes live under. Default "/auth". It starts with "/"
	// and does not end with one.
	BasePath string
	// Gate verifies the manager's access tokens (its issuers must include
	// Manager.Issuer()) on /sessions and /logout, applies its cross-site
	// rule to every POST that acts on a cookie, and writes every cookie
	// (CookieDomain, the older-domain cleanup, Cookie attributes). Its
	// current cookie name must be Cookies.Access. Required.
	Gate *core.Gate
	// Cookies names the access and refresh cookies. Default DefaultCookies();
	// CorbadoCookies() for Corbado's names.
	Cookies CookieNames
	// Provider verifies a provider's token for /exchange (Corbado,
	// SuperTokens, any OIDC issuer, or the app's own check) and returns its
	// session; an error wrapping core.ErrKeysUnavailable answers 503, any
	// other 401. At most one of Provider and ProviderGate; with neither,
	// /exchange answers 404 (the app starts sessions itself with
	// Manager.Create).
	Provider func(ctx context.Context, token string) (*core.Session, error)
	// ProviderGate verifies the provider's token with a gate built from
	// core's presets (core.CorbadoConfig, core.SuperTokensConfig,
	// core.OIDCConfig): ProviderGate.Verify(token, core.SourceAuthorization).
	ProviderGate *core.Gate
	// MapUser maps (or creates) the app's user for a verified provider
	// session; an error refuses the exchange with 403 and a fixed body.
	// Default: the provider's sub as the subject, no extra claims.
	MapUser func(ctx context.Context, provider *core.Session) (Identity, error)
	// RedirectPaths limit where GET /exchange may redirect: a local path
	// equal to one of them or below it ("/app" allows "/app" and
	// "/app/x", not "/apple"). Empty allows any local path. A refused
	// target falls back to DefaultRedirect.
	RedirectPaths []string
	// DefaultRedirect is where GET /exchange redirects without a usable
	// redirect parameter. Default "/". A local path.
	DefaultRedirect string
	// ClientIP returns the client's IP for the session's metadata. Default:
	// the host of RemoteAddr. Behind a proxy or load balancer, set it to
	// read the address the proxy forwards (and only from your proxy).
	ClientIP func(core.EndpointRequest) string
	// MaxBodyBytes bounds what /exchange reads of a body; a longer body is
	// 413. Default 16 KiB; at most 1 MiB.
	MaxBodyBytes int64
	// Logger receives server-side failures (never a token). Default
	// slog.Default().
	Logger *slog.Logger
}

// NewEndpoints validates cfg and returns the endpoints of m. An error is a
// *core.ConfigError naming the field.
func NewEndpoints(m *Manager, cfg EndpointsConfig) (*Endpoints, error) {
	if m == nil {
		return nil, configErr("Manager", "", "is nil; build one with sessions.New")
	}
	e := &Endpoints{m: m, gate: cfg.Gate, names: cfg.Cookies, maxBody: cfg.MaxBodyBytes, clientIP: cfg.ClientIP, logger: cfg.Logger}
	if err := e.checkBase(cfg.BasePath); err != nil {
		return nil, err
	}
	if err := e.checkCookies(); err != nil {
		return nil, err
	}
	if err := e.checkExchange(cfg); err != nil {
		return nil, err
	}
	switch {
	case e.maxBody == 0:
		e.maxBody = DefaultMaxBodyBytes
	case e.maxBody < 0 || e.maxBody > 1<<20:
		return nil, configErr("MaxBodyBytes", fmt.Sprint(e.maxBody), "must be between 1 and 1048576")
	}
	if e.clientIP == nil {
		e.clientIP = remoteHost
	}
	if e.logger == nil {
		e.logger = slog.Default()
	}
	return e, nil
}

func (e *Endpoints) checkBase(base string) error {
	if base == "" {
		base = DefaultBasePath
	}
	u, err := url.Parse(base)
	if err != nil || !strings.HasPrefix(base, "/") || strings.HasSuffix(base, "/") || strings.HasPrefix(base, "//") ||
		u.RawQuery != "" || u.Fragment != "" || u.EscapedPath() != base || strings.ContainsAny(base, ";,%\\") {
		return configErr("BasePath", base, "must be a path such as /auth: starting with /, not ending with /, no query, escapes or ';'")
	}
	e.base, e.refPath = base, base+"/refresh"
	return nil
}

func (e *Endpoints) checkCookies() error {
	if e.gate == nil {
		return configErr("Gate", "", "is required: it verifies access tokens and writes the cookies")
	}
	if e.names == (CookieNames{}) {
		e.names = DefaultCookies()
	}
	if e.names.Access != e.gate.CookieName() {
		return configErr("Cookies.Access", e.names.Access, "must be the gate's current cookie name %q (core.Config.CookieNames[0])", e.gate.CookieName())
	}
	r := e.names.Refresh
	switch {
	case r == "" || strings.IndexFunc(r, func(c rune) bool { return c <= ' ' || c >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?={}`, c) }) >= 0:
		return configErr("Cookies.Refresh", r, "is not a valid cookie name (RFC 6265 token)")
	case strings.EqualFold(r, e.names.Access):
		return configErr("Cookies.Refresh", r, "must differ from Cookies.Access")
	case strings.HasPrefix(strings.ToLower(r), "__host-"):
		return configErr("Cookies.Refresh", r, "a __Host- cookie needs Path=/, but the refresh cookie is scoped to %s (use __Secure-)", e.refPath)
	case strings.HasPrefix(strings.ToLower(r), "__secure-") && !e.gate.Cookies().Set(r, "", time.Time{}).Secure:
		return configErr("Cookies.Refresh", r, "a __Secure- cookie requires Secure (the gate's Cookie.Insecure is set)")
	}
	return nil
}

func (e *Endpoints) checkExchange(cfg EndpointsConfig) error {
	switch {
	case cfg.Provider != nil && cfg.ProviderGate != nil:
		return configErr("ProviderGate", "", "set either Provider or ProviderGate, not both")
	case cfg.ProviderGate != nil:
		g := cfg.ProviderGate
		e.provider = func(_ context.Context, token string) (*core.Session, error) {
			return g.Verify(token, core.SourceAuthorization)
		}
	default:
		e.provider = cfg.Provider
	}
	e.mapUser = cfg.MapUser
	if e.mapUser == nil {
		e.mapUser = func(_ context.Context, p *core.Session) (Identity, error) { return Identity{Subject: p.Subject}, nil }
	}
	e.fallback = cfg.DefaultRedirect
	if e.fallback == "" {
		e.fallback = DefaultRedirect
	}
	if !localPath(e.fallback) {
		return configErr("DefaultRedirect", e.fallback, "must be a local path such as /app")
	}
	for i, p := range cfg.RedirectPaths {
		if !localPath(p) || strings.ContainsAny(p, "?#") {
			return configErr(fmt.Sprintf("RedirectPaths[%d]", i), p, "must be a local path such as /app, without query")
		}
		e.paths = append(e.paths, strings.TrimSuffix(p, "/"))
	}
	return nil
}

// remoteHost is the default ClientIP: the host part of RemoteAddr.
func remoteHost(r core.EndpointRequest) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// ServeHTTP serves r through ServeEndpoint, for net/http routers:
// mux.Handle("/auth/", ep).
func (e *Endpoints) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.ServeEndpoint(r.Context(), core.EndpointRequest{Request: core.HTTPRequest(r), RemoteAddr: r.RemoteAddr, Body: r.Body}).Write(w)
}

// ServeEndpoint answers one request: the framework-free entry every adapter
// mounts (core.Endpoint).
func (e *Endpoints) ServeEndpoint(ctx context.Context, r core.EndpointRequest) (resp core.Response) {
	// The app's callbacks (Provider, MapUser, ClientIP) run inside; a panic
	// in one is answered 500 here, since fasthttp, unlike net/http, does not
	// recover a handler's panic and would stop the server.
	defer func() {
		if v := recover(); v != nil {
			e.logger.Error("sessions: endpoint panicked", "path", r.Path(), "panic", fmt.Sprintf("%T", v))
			resp = probInternal.answer(retryNone)
		}
	}()
	rest, ok := strings.CutPrefix(r.Path(), e.base)
	if !ok {
		return notFound()
	}
	switch {
	case rest == "/refresh":
		return byMethod(ctx, r, "POST", nil, e.refresh, nil)
	case rest == "/exchange" && e.provider != nil:
		return byMethod(ctx, r, "GET, POST", e.exchangeGet, e.exchangePost, nil)
	case rest == "/sessions":
		return byMethod(ctx, r, "GET, DELETE", e.list, nil, e.revokeOthers)
	case strings.HasPrefix(rest, "/sessions/") && validID(rest[len("/sessions/"):]):
		return byMethod(ctx, r, "DELETE", nil, nil, e.revokeOne)
	case rest == "/logout":
		return byMethod(ctx, r, "POST", nil, e.logout, nil)
	case rest == "/jwks":
		return byMethod(ctx, r, "GET", e.jwks, nil, nil)
	}
	return notFound()
}

// handler answers one method of a route.
type handler func(context.Context, core.EndpointRequest) core.Response

// byMethod calls the route's handler for r's method, or answers 405 with
// allow (the methods that have one).
func byMethod(ctx context.Context, r core.EndpointRequest, allow string, get, post, del handler) core.Response {
	var h handler
	switch r.Method() {
	case http.MethodGet:
		h = get
	case http.MethodPost:
		h = post
	case http.MethodDelete:
		h = del
	}
	if h == nil {
		return methodNotAllowed(allow)
	}
	return h(ctx, r)
}

// validID reports whether id can be a session ID (base64url), so that
// "/sessions/a/b" or an escaped path is a 404, not a lookup.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

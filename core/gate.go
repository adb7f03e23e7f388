package core

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer binds one token issuer (the exact iss value) to its keys. Give
// exactly one kind of key source: public keys (JWKSURL, Discovery, PublicKeyPEM
// and JWKS may be combined) or an HMACSecret.
type Issuer struct {
	// Name is the exact value of the iss claim, e.g. "https://auth.example.com".
	Name string
	// JWKSURL is fetched, cached and refreshed in the background.
	JWKSURL string
	// Discovery finds the JWKS URL through OIDC discovery at
	// <Name>/.well-known/openid-configuration (jwks_uri).
	Discovery bool
	// PublicKeyPEM holds one or more PEM public keys or certificates.
	PublicKeyPEM string
	// JWKS holds a static JWK or JWK set as JSON.
	JWKS string
	// HMACSecret (at least 32 bytes) verifies HS256/HS384/HS512 tokens of
	// this issuer. It cannot be combined with public keys, and Algorithms
	// must list the HS algorithm explicitly.
	HMACSecret []byte
}

// Config configures a Gate. Only Issuers is required; every other field has
// a documented default. New validates all of it and names the first bad field.
type Config struct {
	// Issuers accepted, each with its keys.
	Issuers []Issuer
	// Algorithms allowed. Default RS256, ES256, EdDSA. "none" is refused.
	Algorithms []string
	// Audiences: when set, aud must name at least one of them.
	Audiences []string
	// Leeway for exp, nbf and iat. Default 0; at most 5 minutes.
	Leeway time.Duration
	// ValidateClaims, when set, is called with every verified session; an
	// error refuses the token (ErrClaims, 401).
	ValidateClaims func(*Session) error

	// Transfer selects the token sources: TransferAny (default), TransferHeader
	// or TransferCookie.
	Transfer Transfer
	// CookieNames of the session cookie, current name first; later names
	// cover renames (e.g. cbo_session_token, then cbo_short_session). Without
	// names, cookies are not read.
	CookieNames []string
	// HeaderName of an extra header carrying the raw token (e.g.
	// X-Session-Token). Off by default: prefer Authorization.
	HeaderName string
	// QueryParam carrying the token. Off by default: URLs end up in logs,
	// history and Referer headers.
	QueryParam string
	// MaxTokenSize in bytes; longer tokens are refused before parsing.
	// Default 8192.
	MaxTokenSize int

	// CookieDomain of the session cookie; empty means host-only. Normalised
	// and validated by NormalizeCookieDomain.
	CookieDomain string
	// OlderCookieDomain is the domain the session cookie was set on before
	// CookieDomain. When a request carries the cookie more than once, the
	// copy on this domain is cleared. Empty: no cleanup (unless
	// OlderCookieHostOnly).
	OlderCookieDomain string
	// OlderCookieHostOnly says the session cookie used to be host-only (set
	// without a Domain attribute); duplicated cookies are then cleared
	// host-only. It cannot be combined with OlderCookieDomain.
	OlderCookieHostOnly bool
	// Cookie attributes used when setting and clearing session cookies.
	Cookie CookieAttributes
	// APIDomains served by this backend; each must domain-match CookieDomain.
	APIDomains []string
	// WebsiteOrigins (e.g. "https://www.example.com") of the frontends. Their
	// hosts must domain-match CookieDomain, and they are trusted for
	// cross-site requests that carry the session cookie.
	WebsiteOrigins []string
	// DisableCrossSiteProtection turns off the check that refuses
	// cookie-borne tokens on unsafe methods from untrusted cross-site origins.
	DisableCrossSiteProtection bool

	// JWKS tunes key fetching.
	JWKS JWKSOptions
	// Logger receives warnings (JWKS failures, duplicate cookies). Default
	// slog.Default(). Tokens are never logged.
	Logger *slog.Logger
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
}

// Gate verifies the session token of a request. Build it once with New,
// share it between middlewares, and Close it when done.
type Gate struct {
	cfg      Config
	verifier *verifier
	caches   []*jwksCache
	cookies  *CookieWriter
	cop      *http.CrossOriginProtection
	noToken  *Error

	lastDupWarn atomic.Int64
	closeOnce   sync.Once
}

// DefaultAlgorithms are allowed when Config.Algorithms is empty.
func DefaultAlgorithms() []string { return []string{"RS256", "ES256", "EdDSA"} }

// New validates cfg, loads static keys, fetches every JWKS once and starts
// the background refreshers. An error names the field and value at fault.
func New(cfg Config) (*Gate, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	g := &Gate{cfg: cfg, noToken: &Error{Kind: ErrNoToken}}
	var err error
	first := ""
	if len(cfg.CookieNames) > 0 {
		first = cfg.CookieNames[0]
	}
	cc := cookieConfig{Name: first, Domain: cfg.CookieDomain, OlderDomain: cfg.OlderCookieDomain, OlderHostOnly: cfg.OlderCookieHostOnly, Attributes: cfg.Cookie}
	if g.cookies, err = newCookieWriter(cc); err != nil {
		return nil, err
	}
	for i, n := range cfg.CookieNames {
		if err := g.cookies.checkName(fmt.Sprintf("CookieNames[%d]", i), n); err != nil {
			return nil, err
		}
	}
	if err := g.checkDomains(); err != nil {
		return nil, err
	}
	g.cop = http.NewCrossOriginProtection()
	for i, o := range cfg.WebsiteOrigins {
		if err := g.cop.AddTrustedOrigin(normalizeOrigin(o)); err != nil {
			return nil, configErr(fmt.Sprintf("WebsiteOrigins[%d]", i), o, "must be scheme://host[:port] with nothing after it")
		}
	}
	issuers, err := g.loadIssuers()
	if err != nil {
		g.Close()
		return nil, err
	}
	g.verifier = newVerifier(&g.cfg, issuers)
	for _, c := range g.caches {
		if err := c.refresh(true); err != nil && !cfg.JWKS.AllowStartWithoutKeys {
			g.Close()
			return nil, fmt.Errorf("sessiongate: keys of issuer %q: %w (set JWKS.AllowStartWithoutKeys to start anyway and answer 503 until they arrive): %w", c.issuer, ErrKeysUnavailable, err)
		}
	}
	for _, c := range g.caches {
		c.start()
	}
	return g, nil
}

func (c *Config) defaults() error {
	if len(c.Issuers) == 0 {
		return configErr("Issuers", "", "at least one issuer is required")
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = DefaultAlgorithms()
	}
	for i, a := range c.Algorithms {
		if a == "none" || jwt.GetSigningMethod(a) == nil {
			return configErr(fmt.Sprintf("Algorithms[%d]", i), a, "is not a supported signature algorithm")
		}
	}
	if c.Leeway < 0 || c.Leeway > 5*time.Minute {
		return configErr("Leeway", c.Leeway.String(), "must be between 0 and 5m")
	}
	if c.Transfer < TransferAny || c.Transfer > TransferCookie {
		return configErr("Transfer", strconv.Itoa(int(c.Transfer)), "must be TransferAny, TransferHeader or TransferCookie")
	}
	if c.Transfer == TransferCookie && len(c.CookieNames) == 0 {
		return configErr("CookieNames", "", "TransferCookie needs at least one cookie name")
	}
	if c.MaxTokenSize == 0 {
		c.MaxTokenSize = 8 << 10
	}
	if c.MaxTokenSize < 0 {
		return configErr("MaxTokenSize", strconv.Itoa(c.MaxTokenSize), "must not be negative")
	}
	if c.HeaderName != "" {
		if strings.IndexFunc(c.HeaderName, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
			return configErr("HeaderName", c.HeaderName, "is not a valid header name")
		}
		if strings.EqualFold(c.HeaderName, "Authorization") || strings.EqualFold(c.HeaderName, "Cookie") {
			return configErr("HeaderName", c.HeaderName, "is already a token source")
		}
		c.HeaderName = http.CanonicalHeaderKey(c.HeaderName)
	}
	if c.QueryParam != "" && url.QueryEscape(c.QueryParam) != c.QueryParam {
		return configErr("QueryParam", c.QueryParam, "must be a plain parameter name")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c.JWKS.defaults()
}

// checkDomains: every API domain and website must domain-match the cookie
// domain, so the cookie the backend reads is the one the browser sends.
func (g *Gate) checkDomains() error {
	for i, raw := range g.cfg.APIDomains {
		h, err := normalizeHost(raw)
		if err != nil {
			return domainErr(fmt.Sprintf("APIDomains[%d]", i), raw, err)
		}
		if d := g.cookies.domain; d != "" && !domainMatch(h, d) {
			return configErr(fmt.Sprintf("APIDomains[%d]", i), raw, "does not domain-match CookieDomain %q; the browser would not send the cookie to it", d)
		}
	}
	for i, raw := range g.cfg.WebsiteOrigins {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return configErr(fmt.Sprintf("WebsiteOrigins[%d]", i), raw, "must be an origin such as https://www.example.com")
		}
		d := g.cookies.domain
		if d == "" {
			continue
		}
		h, err := normalizeHost(u.Hostname())
		if err != nil || !domainMatch(h, d) {
			return configErr(fmt.Sprintf("WebsiteOrigins[%d]", i), raw, "does not domain-match CookieDomain %q", d)
		}
	}
	return nil
}

// normalizeOrigin writes an origin the way browsers send it in Origin:
// lower-case scheme and host, no default port. Trusted origins are compared
// exactly, so "https://WWW.example.com:443" must become
// "https://www.example.com". Values that do not parse are returned as they
// are, for AddTrustedOrigin to refuse.
func normalizeOrigin(o string) string {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || u.Host == "" {
		return o
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if (u.Scheme == "https" && u.Port() == "443") || (u.Scheme == "http" && u.Port() == "80") {
		u.Host = u.Hostname()
	}
	return u.String()
}

func (g *Gate) loadIssuers() (map[string]*issuerKeys, error) {
	out := make(map[string]*issuerKeys, len(g.cfg.Issuers))
	hmacAllowed := false
	for _, a := range g.cfg.Algorithms {
		hmacAllowed = hmacAllowed || strings.HasPrefix(a, "HS")
	}
	for i, is := range g.cfg.Issuers {
		field := fmt.Sprintf("Issuers[%d]", i)
		if is.Name == "" {
			return nil, configErr(field+".Name", "", "is required (the exact iss claim)")
		}
		if out[is.Name] != nil {
			return nil, configErr(field+".Name", is.Name, "is configured twice")
		}
		public := is.JWKSURL != "" || is.Discovery || is.PublicKeyPEM != "" || is.JWKS != ""
		ik := &issuerKeys{}
		switch {
		case len(is.HMACSecret) > 0 && public:
			return nil, configErr(field+".HMACSecret", "", "cannot be combined with public keys for the same issuer")
		case len(is.HMACSecret) > 0:
			if len(is.HMACSecret) < 32 {
				return nil, configErr(field+".HMACSecret", "", "must be at least 32 bytes")
			}
			if !hmacAllowed {
				return nil, configErr("Algorithms", strings.Join(g.cfg.Algorithms, ","), "must list HS256, HS384 or HS512 explicitly to use an HMACSecret")
			}
			ik.static = &keySet{keys: []key{{pub: is.HMACSecret}}}
		case !public:
			return nil, configErr(field, is.Name, "has no keys: set JWKSURL, Discovery, PublicKeyPEM, JWKS or HMACSecret")
		}
		if is.PublicKeyPEM != "" {
			keys, err := parsePEM([]byte(is.PublicKeyPEM))
			if err != nil {
				return nil, configErr(field+".PublicKeyPEM", "", "%v", err)
			}
			ik.static = &keySet{keys: keys}
		}
		if is.JWKS != "" {
			ks, err := parseJWKS([]byte(is.JWKS))
			if err != nil {
				return nil, configErr(field+".JWKS", "", "%v", err)
			}
			if ik.static == nil {
				ik.static = &keySet{}
			}
			ik.static.keys = append(ik.static.keys, ks.keys...)
		}
		if is.JWKSURL != "" || is.Discovery {
			if is.JWKSURL != "" {
				if u, err := url.Parse(is.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return nil, configErr(field+".JWKSURL", is.JWKSURL, "must be an absolute http(s) URL")
				}
			}
			ik.cache = newJWKSCache(is.Name, is.JWKSURL, is.Discovery, g.cfg.JWKS, g.cfg.Clock, g.cfg.Logger)
			g.caches = append(g.caches, ik.cache)
		}
		out[is.Name] = ik
	}
	return out, nil
}

// Close stops every background refresher and waits for them to exit. It is
// safe to call more than once.
func (g *Gate) Close() error {
	g.closeOnce.Do(func() {
		for _, c := range g.caches {
			c.close()
		}
	})
	return nil
}

// Cookies returns the gate's cookie writer (CookieDomain, OlderCookieDomain
// and Cookie attributes), for login handlers that set the session cookie.
func (g *Gate) Cookies() *CookieWriter { return g.cookies }

// CookieName returns the current session cookie name ("" when none is set).
func (g *Gate) CookieName() string { return g.cookies.currentName }

// CheckOptions are per-middleware choices.
type CheckOptions struct {
	// Optional lets requests without a token through anonymously; a token
	// that is present but invalid is still refused.
	Optional bool
}

// Decision is the gate's answer to one request.
type Decision struct {
	// Session is the verified session; nil when refused or anonymous.
	Session *Session
	// Err is nil when the request may proceed; otherwise an *Error whose
	// Kind is one of the sentinel errors. Render it with ErrorResponse.
	Err error
	// SetCookies are Set-Cookie values to add to the response whether the
	// request proceeds or not (clearing a session cookie on the older domain).
	SetCookies []string
}

// Verify checks one token as if it came from src, with no cookie or
// cross-site rules: for tokens that reach a service by other means.
func (g *Gate) Verify(token string, src Source) (*Session, error) {
	s, e := g.verifier.verify(token, src)
	if e != nil {
		return nil, e
	}
	return s, nil
}

// Check decides on r: it extracts the token by the configured precedence,
// verifies it, applies the cross-site rule to cookie tokens and plans the
// older-domain cleanup.
func (g *Gate) Check(r Request, opt CheckOptions) Decision {
	var firstErr *Error
	if g.cfg.Transfer != TransferCookie {
		s, e := g.fromHeaders(r)
		if s != nil {
			return Decision{Session: s} // cookie duplicates are ignored
		}
		if e != nil {
			if e.Kind == ErrMalformedRequest || g.cfg.Transfer == TransferHeader {
				return Decision{Err: e}
			}
			firstErr = e
		}
	}
	if g.cfg.Transfer != TransferHeader && len(g.cfg.CookieNames) > 0 {
		vals, dups := cookieValues(r.Header("Cookie"), g.cfg.CookieNames)
		if len(vals) > 0 {
			if e := g.crossSite(r); e != nil {
				return Decision{Err: e}
			}
			var set cookieSet
			for _, name := range dups {
				if c := g.cookies.ClearOlder(name); c != nil {
					set.add(c)
				} else {
					g.warnDuplicate(name)
				}
			}
			s, e := g.bestCookie(vals)
			if s != nil {
				return Decision{Session: s, SetCookies: set.lines()}
			}
			if firstErr == nil {
				firstErr = e
			}
			return Decision{Err: firstErr, SetCookies: set.lines()}
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

// fromHeaders tries the Authorization header, then the custom header, then
// the query parameter. It returns the first verified session, or the first
// error.
func (g *Gate) fromHeaders(r Request) (*Session, *Error) {
	var first *Error
	try := func(tok string, src Source) *Session {
		s, e := g.verifier.verify(tok, src)
		if e != nil && first == nil {
			first = e
		}
		return s
	}
	switch authz := r.Header("Authorization"); len(authz) {
	case 0:
	case 1:
		tok, ok, malformed := bearer(authz[0])
		if malformed {
			first = &Error{Kind: ErrMalformed, Source: SourceAuthorization}
		} else if ok {
			if s := try(tok, SourceAuthorization); s != nil {
				return s, nil
			}
		}
	default:
		return nil, &Error{Kind: ErrMalformedRequest, Source: SourceAuthorization}
	}
	if g.cfg.HeaderName != "" {
		switch vals := r.Header(g.cfg.HeaderName); len(vals) {
		case 0:
		case 1:
			if tok := strings.TrimSpace(vals[0]); tok != "" {
				if s := try(tok, SourceCustomHeader); s != nil {
					return s, nil
				}
			}
		default:
			return nil, &Error{Kind: ErrMalformedRequest, Source: SourceCustomHeader}
		}
	}
	if g.cfg.QueryParam != "" {
		if tok := r.Query(g.cfg.QueryParam); tok != "" {
			if s := try(tok, SourceQuery); s != nil {
				return s, nil
			}
		}
	}
	return nil, first
}

// bestCookie verifies every cookie value and keeps the valid one with the
// latest iat (the first in order on a tie). With none valid it returns the
// error of the first value: the current name's.
func (g *Gate) bestCookie(vals []cookieValue) (*Session, *Error) {
	var best *Session
	var first *Error
	for _, v := range vals {
		s, e := g.verifier.verify(v.value, SourceCookie)
		if e != nil {
			if first == nil {
				first = e
			}
			continue
		}
		s.CookieName = v.name
		if best == nil || s.IssuedAt.After(best.IssuedAt) {
			best = s
		}
	}
	if best != nil {
		return best, nil
	}
	return nil, first
}

// crossSite refuses a cookie-borne token on an unsafe method from a
// cross-site origin that is not a configured website origin, deciding as
// http.CrossOriginProtection does (Sec-Fetch-Site, then Origin vs Host).
func (g *Gate) crossSite(r Request) *Error {
	if g.cfg.DisableCrossSiteProtection {
		return nil
	}
	switch r.Method() {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	h := make(http.Header, 2)
	if v := r.Header("Sec-Fetch-Site"); len(v) > 0 {
		h["Sec-Fetch-Site"] = v
	}
	if v := r.Header("Origin"); len(v) > 0 {
		h["Origin"] = v
	}
	req := &http.Request{Method: r.Method(), Host: r.Host(), Header: h, URL: &url.URL{}}
	if err := g.cop.Check(req); err != nil {
		return &Error{Kind: ErrCrossSite, Source: SourceCookie, Err: err}
	}
	return nil
}

// warnDuplicate logs, at most once an hour per gate, that a session cookie
// arrived more than once with no OlderCookieDomain to clean it up.
func (g *Gate) warnDuplicate(name string) {
	now := g.cfg.Clock().Unix()
	last := g.lastDupWarn.Load()
	if last != 0 && now-last < 3600 {
		return
	}
	if g.lastDupWarn.CompareAndSwap(last, now) {
		g.cfg.Logger.Warn("sessiongate: a request carried the session cookie more than once; set OlderCookieDomain to the domain the older cookie was set on (or OlderCookieHostOnly if it was host-only) so the extra copy is cleared",
			"cookie", name)
	}
}

package core

import (
	"bytes"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/core/internal/origin"

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
	// Keys supplies the issuer's public keys from a function instead of a
	// URL: an issuer in the same process, such as the sessions module's
	// Manager.JWKS. The gate calls it on every verification, so it must be
	// cheap: it returns the current key set as JWK set JSON and a version
	// that changes whenever the set does (the gate parses a set once per
	// version, and its token cache drops entries of an older version). A
	// set that does not parse, or has no usable key, answers
	// ErrKeysUnavailable (503) until the next version.
	Keys func() (version uint64, jwks []byte)
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
	// Types, when set, lists the accepted values of the token's typ header
	// (explicit typing, RFC 8725 §3.11), e.g. "at+jwt" for OAuth access
	// tokens (RFC 9068): a token without typ or with another is refused
	// (ErrTokenType), so an ID token or a token meant for another use does
	// not pass as a session. Compared as RFC 7515 §4.1.9 says: ignoring
	// case, with "application/" implied when there is no "/" ("at+jwt"
	// matches "application/at+jwt"). Default: typ is not checked.
	Types []string
	// Leeway for exp, nbf and iat. Default 0; at most 5 minutes.
	Leeway time.Duration
	// ValidateClaims, when set, is called with every verified session; an
	// error refuses the token (ErrClaims, 401).
	ValidateClaims func(*Session) error
	// Revocations, when set, is asked about every verified session before
	// the request may proceed (also on a token-cache hit), so a session
	// revoked before its token expires is refused at once. The sessions
	// module's deny-list implements it. Default: a genuine, unexpired
	// token passes.
	Revocations Revocations

	// TokenCacheSize is how many verified tokens the gate remembers, so
	// that a token seen again costs no signature check: the hit still
	// checks exp, nbf and iat against the clock and runs ValidateClaims,
	// and an entry is no longer used once its issuer's keys change or it is
	// TokenCacheMaxAge old. Default 10,000 (about 1 KB a token of 600
	// bytes).
	TokenCacheSize int
	// TokenCacheMaxAge is the longest a verification is reused without a
	// fresh signature check. Default 5m.
	TokenCacheMaxAge time.Duration
	// DisableTokenCache verifies every token's signature on every request.
	DisableTokenCache bool

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
	// AuthenticatePreflight makes CORS preflight requests (OPTIONS with
	// Origin and Access-Control-Request-Method) need a session like any
	// other. Default false: browsers never send credentials on a preflight,
	// so the gate lets it through anonymously for the CORS middleware in
	// front of it to answer; refusing it would fail every cross-origin call
	// that sends an Authorization header.
	AuthenticatePreflight bool

	// DPoP configures sender-constrained tokens (RFC 9449): set DPoP.URLs
	// to accept "Authorization: DPoP <token>" with a proof. A token bound
	// to a key (cnf.jkt) is refused without its proof in any case.
	DPoP DPoPConfig

	// JWKS tunes key fetching.
	JWKS JWKSOptions
	// Logger receives warnings (JWKS failures, duplicate cookies). Default
	// slog.Default(). Tokens are never logged.
	Logger *slog.Logger
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
}

// DefaultAlgorithms are allowed when Config.Algorithms is empty.
func DefaultAlgorithms() []string { return []string{"RS256", "ES256", "EdDSA"} }

// defaults fills the documented defaults and validates every field that
// needs no other field's normalised value.
func (c *Config) defaults() error {
	if len(c.Issuers) == 0 {
		return configErr("Issuers", "", "at least one issuer is required")
	}
	if err := c.checkAlgorithms(); err != nil {
		return err
	}
	if err := c.checkTypes(); err != nil {
		return err
	}
	if c.Leeway < 0 || c.Leeway > 5*time.Minute {
		return configErr("Leeway", c.Leeway.String(), "must be between 0 and 5m")
	}
	if err := c.checkSources(); err != nil {
		return err
	}
	if err := c.checkTokenCache(); err != nil {
		return err
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c.JWKS.defaults()
}

func (c *Config) checkAlgorithms() error {
	if len(c.Algorithms) == 0 {
		c.Algorithms = DefaultAlgorithms()
	}
	for i, a := range c.Algorithms {
		if a == "none" || jwt.GetSigningMethod(a) == nil {
			return configErr(fmt.Sprintf("Algorithms[%d]", i), a, "is not a supported signature algorithm")
		}
	}
	return nil
}

// checkTypes validates Types and writes each in full, lower case
// ("at+jwt" becomes "application/at+jwt"), the form verifier.typeAccepted compares
// with.
func (c *Config) checkTypes() error {
	for i, t := range c.Types {
		full := strings.ToLower(t)
		if !strings.Contains(full, "/") {
			full = "application/" + full
		}
		mt, params, err := mime.ParseMediaType(full)
		if err != nil || len(params) > 0 || mt != full {
			return configErr(fmt.Sprintf("Types[%d]", i), t, "is not a media type such as JWT or at+jwt")
		}
		c.Types[i] = full
	}
	return nil
}

// checkTokenCache fills the cache's defaults. The zero Config caches (zero
// means default, as for every field), so turning the cache off is a bool
// of its own rather than a magic size.
func (c *Config) checkTokenCache() error {
	if c.TokenCacheSize == 0 {
		c.TokenCacheSize = 10_000
	}
	if c.TokenCacheSize < 0 {
		return configErr("TokenCacheSize", strconv.Itoa(c.TokenCacheSize), "must not be negative (set DisableTokenCache to turn the cache off)")
	}
	if c.TokenCacheMaxAge == 0 {
		c.TokenCacheMaxAge = 5 * time.Minute
	}
	if c.TokenCacheMaxAge < 0 {
		return configErr("TokenCacheMaxAge", c.TokenCacheMaxAge.String(), "must not be negative")
	}
	return nil
}

// checkSources validates where tokens may come from.
func (c *Config) checkSources() error {
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
	return nil
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

// normalizeOrigin writes an origin the way browsers send it in Origin
// (origin.Of): trusted origins are compared exactly, so
// "https://WWW.example.com:443" must become "https://www.example.com".
// Values that do not parse are returned as they are, for AddTrustedOrigin
// to refuse.
func normalizeOrigin(o string) string {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return o // not an origin: AddTrustedOrigin refuses it as written
	}
	return origin.Of(u)
}

// clone copies every slice c holds, so the gate shares no memory with its
// caller. A caller that wipes its HMAC secret after New (clear(secret), good
// hygiene) would otherwise leave the gate verifying with an all-zero key, a
// forgery anyone can sign; one that reuses its Audiences or CookieNames slice
// would change the running gate unvalidated, racing with requests. Pointers
// (JWKS.HTTPClient, Logger) and funcs are shared on purpose.
// TestConfigCloneSharesNoSliceOrMap fails when a new slice or map field is
// not copied here.
func (c Config) clone() Config {
	c.Issuers = slices.Clone(c.Issuers)
	for i := range c.Issuers {
		c.Issuers[i].HMACSecret = bytes.Clone(c.Issuers[i].HMACSecret)
	}
	c.Algorithms = slices.Clone(c.Algorithms)
	c.Audiences = slices.Clone(c.Audiences)
	c.Types = slices.Clone(c.Types)
	c.CookieNames = slices.Clone(c.CookieNames)
	c.APIDomains = slices.Clone(c.APIDomains)
	c.WebsiteOrigins = slices.Clone(c.WebsiteOrigins)
	c.DPoP.URLs = slices.Clone(c.DPoP.URLs)
	c.DPoP.Algorithms = slices.Clone(c.DPoP.Algorithms)
	c.DPoP.NonceSecret = bytes.Clone(c.DPoP.NonceSecret)
	return c
}

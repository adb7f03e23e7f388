// Package devissuer is a small, real token issuer for local development,
// examples and tests: it generates an ES256 key, mints JWTs with chosen
// claims and lifetimes, serves its JWKS and an OIDC discovery document over
// HTTP, and sets the session cookie through core's cookie writer.
//
// It is NOT a production identity provider: there is no login, no user store
// and no protection of the token endpoint. Anyone who can reach it can mint a
// token for any subject. So Start listens on loopback only (unless
// Config.UnsafeAllowNonLoopback), and Handler and LoginHandler answer 421
// Misdirected Request to a Host that is not localhost, a loopback IP, the
// issuer's own host or one of Config.AllowedHosts: a web page that re-points
// its own name at 127.0.0.1 (DNS rebinding) reaches the port but not a token.
package devissuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sessiongate/sessiongate/core/internal/origin"

	"github.com/golang-jwt/jwt/v5"

	"github.com/sessiongate/sessiongate/core"
)

// Config configures an Issuer.
type Config struct {
	// Issuer is the iss claim and the base URL the JWKS is served under.
	// Required by New; Start fills it with the listener's URL when empty.
	Issuer string
	// TTL of minted tokens when a Claims gives none. Default 15 minutes.
	TTL time.Duration
	// Audience put in minted tokens when a Claims gives none.
	Audience []string
	// Cookies and CookieName let /login set the session cookie with core's
	// rules (e.g. gate.Cookies() and gate.CookieName()).
	Cookies    *core.CookieWriter
	CookieName string
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
	// AllowedHosts are host names, besides localhost, loopback IPs and the
	// host of Issuer, that the Handler and LoginHandler answer on (e.g.
	// "api.example.test" mapped to 127.0.0.1 in /etc/hosts or by a browser's
	// host-resolver rules). Exact names, no port, no wildcard.
	AllowedHosts []string
	// CORSOrigins are web origins (e.g. "http://www.example.test:9012")
	// whose pages may read /token's answer with fetch, as a provider's
	// frontend SDK reads its Frontend API. Exact origins only: no wildcard,
	// since any page allowed here can mint a token.
	CORSOrigins []string
	// Key is the ES256 signing key (P-256). Nil generates a fresh one. The
	// key ID is derived from the key (its RFC 7638 thumbprint), so an issuer
	// restarted with the same Key keeps verifying the tokens it minted.
	Key *ecdsa.PrivateKey
	// UnsafeAllowNonLoopback lets Start listen on an address that is not
	// loopback. Anyone who reaches that address can mint a token for any
	// subject: only for an isolated network such as a CI container.
	UnsafeAllowNonLoopback bool
}

// ErrNotLoopback is returned by Start and ListenLoopback for a listen
// address whose host is not a loopback IP or "localhost".
var ErrNotLoopback = errors.New("devissuer: listen address is not loopback")

// Issuer mints ES256 tokens and publishes the matching JWKS.
type Issuer struct {
	cfg     Config
	hosts   map[string]bool // allowed Host names besides localhost and loopback IPs
	origins map[string]bool // Config.CORSOrigins, normalised

	mu      sync.RWMutex
	signing signingKey
	public  []signingKey // every key published in the JWKS, signing key first
}

type signingKey struct {
	kid  string
	priv *ecdsa.PrivateKey
}

// New returns an issuer for cfg, signing with cfg.Key or a fresh ES256 key.
func New(cfg Config) (*Issuer, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("devissuer: Config.Issuer is required")
	}
	if cfg.TTL == 0 {
		cfg.TTL = 15 * time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Cookies != nil && cfg.CookieName == "" {
		return nil, errors.New("devissuer: Config.CookieName is required with Config.Cookies")
	}
	hosts, err := allowedHosts(cfg)
	if err != nil {
		return nil, err
	}
	origins, err := corsOrigins(cfg.CORSOrigins)
	if err != nil {
		return nil, err
	}
	i := &Issuer{cfg: cfg, hosts: hosts, origins: origins}
	if cfg.Key == nil {
		return i, i.Rotate(true)
	}
	if cfg.Key.Curve != elliptic.P256() {
		return nil, errors.New("devissuer: Config.Key must be a P-256 key (ES256)")
	}
	k, err := newSigningKey(cfg.Key)
	if err != nil {
		return nil, err
	}
	i.signing, i.public = k, []signingKey{k}
	return i, nil
}

// URL returns the issuer (the iss claim and base URL).
func (i *Issuer) URL() string { return i.cfg.Issuer }

// CoreIssuer returns the core.Issuer that verifies this issuer's tokens
// through its JWKS URL.
func (i *Issuer) CoreIssuer() core.Issuer {
	return core.Issuer{Name: i.cfg.Issuer, JWKSURL: strings.TrimSuffix(i.cfg.Issuer, "/") + "/.well-known/jwks"}
}

// Rotate makes a new key the signing key. With keepOld the previous keys stay
// in the JWKS (tokens they signed keep verifying); without, they are dropped.
func (i *Issuer) Rotate(keepOld bool) error {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("devissuer: generating key: %w", err)
	}
	k, err := newSigningKey(priv)
	if err != nil {
		return err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.signing = k
	if keepOld {
		i.public = append([]signingKey{k}, i.public...)
	} else {
		i.public = []signingKey{k}
	}
	return nil
}

// newSigningKey names priv by its RFC 7638 thumbprint: the same key always
// gets the same kid, so tokens survive a restart with the same key.
func newSigningKey(priv *ecdsa.PrivateKey) (signingKey, error) {
	x, y, err := publicXY(priv)
	if err != nil {
		return signingKey{}, err
	}
	// The members in lexicographic order, no spaces (RFC 7638 section 3.2).
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return signingKey{kid: "dev-" + base64.RawURLEncoding.EncodeToString(sum[:12]), priv: priv}, nil
}

// publicXY returns the base64url coordinates of priv's public key.
func publicXY(priv *ecdsa.PrivateKey) (x, y string, err error) {
	pub, err := priv.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
	if err != nil {
		return "", "", fmt.Errorf("devissuer: public key: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(pub[1:33]), base64.RawURLEncoding.EncodeToString(pub[33:65]), nil
}

// KeyID returns the kid of the current signing key.
func (i *Issuer) KeyID() string {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.signing.kid
}

// Claims chooses what Mint puts in a token. Zero fields take defaults.
type Claims struct {
	Subject  string
	Audience []string
	// TTL from IssuedAt to exp; default the issuer's TTL. Negative mints an
	// expired token.
	TTL time.Duration
	// IssuedAt; default now.
	IssuedAt time.Time
	// NotBefore; default none.
	NotBefore time.Time
	// Issuer overrides iss (to mint a token of a wrong issuer).
	Issuer string
	// KeyID overrides the kid header (to name an unknown key).
	KeyID string
	// Extra claims, merged last.
	Extra map[string]any
}

// Mint signs a token with the current key.
func (i *Issuer) Mint(c Claims) (string, error) {
	i.mu.RLock()
	k := i.signing
	i.mu.RUnlock()
	iat := c.IssuedAt
	if iat.IsZero() {
		iat = i.cfg.Clock()
	}
	ttl := c.TTL
	if ttl == 0 {
		ttl = i.cfg.TTL
	}
	claims := jwt.MapClaims{
		"iss": i.cfg.Issuer,
		"sub": c.Subject,
		"iat": iat.Unix(),
		"exp": iat.Add(ttl).Unix(),
	}
	if c.Issuer != "" {
		claims["iss"] = c.Issuer
	}
	aud := c.Audience
	if aud == nil {
		aud = i.cfg.Audience
	}
	if len(aud) > 0 {
		claims["aud"] = aud
	}
	if !c.NotBefore.IsZero() {
		claims["nbf"] = c.NotBefore.Unix()
	}
	maps.Copy(claims, c.Extra)
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"] = k.kid
	if c.KeyID != "" {
		t.Header["kid"] = c.KeyID
	}
	return t.SignedString(k.priv)
}

// JWKS returns the public JWK set as JSON.
func (i *Issuer) JWKS() []byte {
	i.mu.RLock()
	defer i.mu.RUnlock()
	keys := make([]map[string]string, 0, len(i.public))
	for _, k := range i.public {
		x, y, err := publicXY(k.priv)
		if err != nil {
			continue
		}
		keys = append(keys, map[string]string{
			"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": k.kid, "x": x, "y": y,
		})
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// Handler serves:
//
//	GET  /.well-known/jwks                  the JWKS
//	GET  /.well-known/openid-configuration  issuer and jwks_uri
//	GET|POST /token?sub=alice&ttl=15m       {"token": ..., "token_type": "Bearer", "expires_at": ...}
//	GET|POST /login?sub=alice&redirect=/    sets the session cookie (Config.Cookies)
//	GET|POST /logout?redirect=/             clears it
//
// /token and /login also take aud (repeat it for several audiences;
// default Config.Audience) and claims, a JSON object of extra claims
// ({"role":"admin"}) that may not set the claims the issuer sets itself
// (iss, sub, aud, exp, iat, nbf). redirect is a local path or a URL on a
// host this issuer answers on (see Config.AllowedHosts).
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Cache-Control", "max-age=60")
		w.Write(i.JWKS())
	})
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                i.cfg.Issuer,
			"jwks_uri":                              i.CoreIssuer().JWKSURL,
			"id_token_signing_alg_values_supported": []string{"ES256"},
		})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		i.allowCORS(w, r)
		if tok, exp, ok := i.mintFor(w, r); ok {
			writeJSON(w, http.StatusOK, map[string]any{"token": tok, "token_type": "Bearer", "expires_at": exp.Unix()})
		}
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if i.cfg.Cookies == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "this dev issuer has no cookie writer configured"})
			return
		}
		i.LoginHandler(i.cfg.Cookies, i.cfg.CookieName).ServeHTTP(w, r)
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if i.cfg.Cookies != nil {
			http.SetCookie(w, i.cfg.Cookies.Clear(i.cfg.CookieName))
		}
		i.redirectOrOK(w, r)
	})
	return i.onlyAllowedHosts(mux)
}

// allowCORS lets a page of a Config.CORSOrigins origin read the answer.
// /token takes no custom header and answers GET, so no preflight is needed.
func (i *Issuer) allowCORS(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	if o := r.Header.Get("Origin"); o != "" && i.origins[requestOrigin(o)] {
		w.Header().Set("Access-Control-Allow-Origin", o)
	}
}

// registered are the claims Mint sets itself; /token refuses them in claims.
var registered = []string{"iss", "sub", "aud", "exp", "iat", "nbf"}

// mintFor mints a token for the request's sub, aud, ttl and claims form
// values, or answers 400 and returns ok == false.
func (i *Issuer) mintFor(w http.ResponseWriter, r *http.Request) (tok string, exp time.Time, ok bool) {
	c, problem := claimsFrom(r, i.cfg.TTL)
	if problem != "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": problem})
		return "", time.Time{}, false
	}
	c.IssuedAt = i.cfg.Clock()
	tok, err := i.Mint(c)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "minting failed"})
		return "", time.Time{}, false
	}
	return tok, c.IssuedAt.Add(c.TTL), true
}

// claimsFrom reads sub (default "dev-user"), aud, ttl (default ttl) and
// claims from r's form, or returns what is wrong with them.
func claimsFrom(r *http.Request, ttl time.Duration) (Claims, string) {
	c := Claims{Subject: r.FormValue("sub"), TTL: ttl}
	if c.Subject == "" {
		c.Subject = "dev-user"
	}
	if v := r.FormValue("ttl"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, "ttl must be a Go duration such as 15m"
		}
		c.TTL = d
	}
	for _, a := range r.Form["aud"] {
		if a == "" {
			return c, "aud must not be empty"
		}
		c.Audience = append(c.Audience, a)
	}
	if v := r.FormValue("claims"); v != "" {
		if err := json.Unmarshal([]byte(v), &c.Extra); err != nil || c.Extra == nil {
			return c, `claims must be a JSON object such as {"role":"admin"}`
		}
		for _, name := range registered {
			if _, set := c.Extra[name]; set {
				return c, "claims must not set " + name + ": the issuer sets it (use the sub, aud and ttl parameters)"
			}
		}
	}
	return c, ""
}

// LoginHandler mints a token for ?sub= (default "dev-user", lifetime ?ttl=,
// audiences ?aud=, extra ?claims=) and sets it as the session cookie name
// through cookies, so the cookie follows the gate's domain and attribute
// rules; ?redirect= then redirects to a local path or a URL on a host this
// issuer answers on. Mount it on the API's own host, or reach the issuer
// under the API's host name (the cookie is set for the host that answers;
// ports do not separate cookies). It answers 421 to a Host the Handler
// would not answer, since it mints too.
func (i *Issuer) LoginHandler(cookies *core.CookieWriter, name string) http.Handler {
	return i.onlyAllowedHosts(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, exp, ok := i.mintFor(w, r); ok {
			http.SetCookie(w, cookies.Set(name, tok, exp))
			i.redirectOrOK(w, r)
		}
	}))
}

// redirectOrOK redirects to a local path, or to an http(s) URL on a host
// this issuer answers on (a dev app on another loopback port), never to
// another site. Backslashes and control characters are refused outright:
// browsers drop tabs and newlines and read \ as /, so "/\t/evil.example"
// would become "//evil.example".
func (i *Issuer) redirectOrOK(w http.ResponseWriter, r *http.Request) {
	to := r.FormValue("redirect")
	unsafe := strings.ContainsFunc(to, func(c rune) bool { return c < 0x20 || c == 0x7f || c == '\\' })
	local := strings.HasPrefix(to, "/") && !strings.HasPrefix(to, "//")
	if !unsafe && (local || i.answersURL(to)) {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// answersURL reports whether raw is an absolute http(s) URL, without user
// info, on a host the issuer answers on.
func (i *Issuer) answersURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	return i.answers(u.Host)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// ListenLoopback listens on addr after checking that its host is a loopback
// IP or "localhost"; otherwise it returns an error matching ErrNotLoopback.
func ListenLoopback(addr string) (net.Listener, error) {
	return listen(addr, false)
}

// listen listens on addr (default "127.0.0.1:0"), on loopback only unless
// anyAddr. "localhost" is checked again on the listener, since the name is
// resolved by the system and could map elsewhere.
func listen(addr string, anyAddr bool) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if !anyAddr {
		if err := loopbackAddr(addr); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("devissuer: %w", err)
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !anyAddr && !ip.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%w: %q listens on %s", ErrNotLoopback, addr, ip)
	}
	return ln, nil
}

// loopbackAddr accepts a host:port whose host is "localhost" or a loopback
// IP. Other names are refused even when they resolve to loopback today:
// what they resolve to can change.
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("devissuer: listen address %q: %w", addr, err)
	}
	if loopbackHost(host) {
		return nil
	}
	return fmt.Errorf("%w: %q (use 127.0.0.1:<port> or localhost:<port>)", ErrNotLoopback, addr)
}

// loopbackHost reports whether host is "localhost" (in any case) or a
// loopback IP (127.0.0.0/8, ::1, or 127.x mapped into IPv6).
func loopbackHost(host string) bool {
	a, err := netip.ParseAddr(host)
	return strings.EqualFold(host, "localhost") || (err == nil && a.Unmap().IsLoopback())
}

// allowedHosts checks cfg.AllowedHosts and returns them, with the host of
// cfg.Issuer, as the set of Host names the handlers answer besides
// localhost and loopback IPs. The issuer's host is in because it is the URL
// the discovery document tells clients to use.
func allowedHosts(cfg Config) (map[string]bool, error) {
	hosts := map[string]bool{}
	for n, h := range cfg.AllowedHosts {
		if _, err := netip.ParseAddr(h); err != nil && (h == "" || strings.ContainsAny(h, ":/*\x00 \t\r\n")) {
			return nil, fmt.Errorf("devissuer: Config.AllowedHosts[%d] %q: want a host name or IP, without scheme, port or wildcard", n, h)
		}
		hosts[canonicalHost(h)] = true
	}
	if u, err := url.Parse(cfg.Issuer); err == nil && u.Hostname() != "" {
		hosts[canonicalHost(u.Hostname())] = true
	}
	return hosts, nil
}

// canonicalHost is the form hosts are compared in: lower case, IPs in
// their standard notation.
func canonicalHost(h string) string {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.String()
	}
	return strings.ToLower(h)
}

// onlyAllowedHosts answers 421 Misdirected Request to a Host (port
// ignored) that is not localhost, a loopback IP or in i.hosts. A browser
// always sends the name it resolved, so a rebinding page is refused even
// though its packets arrive on loopback. Subdomains of localhost must be
// listed: not every resolver pins them to loopback.
func (i *Issuer) onlyAllowedHosts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !i.answers(r.Host) {
			writeJSON(w, http.StatusMisdirectedRequest, map[string]string{"error": "this dev issuer answers only on localhost, loopback IPs, its issuer host and Config.AllowedHosts"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// answers reports whether a Host value (port ignored) is localhost, a
// loopback IP or one of i.hosts.
func (i *Issuer) answers(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = canonicalHost(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return loopbackHost(host) || i.hosts[host]
}

// corsOrigins checks Config.CORSOrigins and returns them normalised.
func corsOrigins(list []string) (map[string]bool, error) {
	out := map[string]bool{}
	for n, o := range list {
		norm, err := origin.Parse(o)
		if err != nil {
			return nil, fmt.Errorf("devissuer: Config.CORSOrigins[%d] %q: want an origin such as http://www.example.test:9012, without path or wildcard", n, o)
		}
		out[norm] = true
	}
	return out, nil
}

// requestOrigin normalises a request's Origin header ("" when it is not
// an origin), to look it up among the configured CORS origins.
func requestOrigin(o string) string {
	n, _ := origin.Parse(o)
	return n
}

// Server is an Issuer serving its Handler on a loopback listener.
type Server struct {
	*Issuer
	srv  *http.Server
	addr net.Addr
	done chan struct{}
}

// Addr returns the address the server listens on (with the port chosen
// when Start was given port 0).
func (s *Server) Addr() net.Addr { return s.addr }

// Start listens on addr (default "127.0.0.1:0") and serves the issuer there.
// An addr whose host is not a loopback IP or "localhost" (":8081" and
// "0.0.0.0:8081" listen on every interface) is refused with ErrNotLoopback
// unless cfg.UnsafeAllowNonLoopback is set. When cfg.Issuer is empty it
// becomes "http://<addr>".
func Start(addr string, cfg Config) (*Server, error) {
	ln, err := listen(addr, cfg.UnsafeAllowNonLoopback)
	if err != nil {
		return nil, err
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "http://" + ln.Addr().String()
	}
	iss, err := New(cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{Issuer: iss, srv: &http.Server{Handler: iss.Handler(), ReadHeaderTimeout: 5 * time.Second}, addr: ln.Addr(), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and waits for it.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

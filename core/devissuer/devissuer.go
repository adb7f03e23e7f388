// Package devissuer is a small, real token issuer for local development,
// examples and tests: it generates an ES256 key, mints JWTs with chosen
// claims and lifetimes, serves its JWKS and an OIDC discovery document over
// HTTP, and sets the session cookie through core's cookie writer.
//
// It is NOT a production identity provider: there is no login, no user store
// and no protection of the token endpoint. Anyone who can reach it can mint a
// token for any subject. Bind it to loopback only.
package devissuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

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
}

// Issuer mints ES256 tokens and publishes the matching JWKS.
type Issuer struct {
	cfg Config

	mu      sync.RWMutex
	signing signingKey
	public  []signingKey // every key published in the JWKS, signing key first
}

type signingKey struct {
	kid  string
	priv *ecdsa.PrivateKey
}

// New generates a fresh ES256 key and returns an issuer for cfg.
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
	i := &Issuer{cfg: cfg}
	if err := i.Rotate(true); err != nil {
		return nil, err
	}
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
	var id [9]byte
	if _, err := rand.Read(id[:]); err != nil {
		return err
	}
	k := signingKey{kid: "dev-" + base64.RawURLEncoding.EncodeToString(id[:]), priv: priv}
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
		pub, err := k.priv.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
		if err != nil {
			continue
		}
		keys = append(keys, map[string]string{
			"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": k.kid,
			"x": base64.RawURLEncoding.EncodeToString(pub[1:33]),
			"y": base64.RawURLEncoding.EncodeToString(pub[33:65]),
		})
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// Handler serves:
//
//	GET  /.well-known/jwks                  the JWKS
//	GET  /.well-known/openid-configuration  issuer and jwks_uri
//	GET|POST /token?sub=alice&ttl=15m       {"token": ..., "expires_at": ...}
//	GET|POST /login?sub=alice&redirect=/    sets the session cookie (Config.Cookies)
//	GET|POST /logout?redirect=/             clears it
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
		redirectOrOK(w, r)
	})
	return mux
}

// mintFor mints a token for the request's sub and ttl form values, or
// answers 400 and returns ok == false.
func (i *Issuer) mintFor(w http.ResponseWriter, r *http.Request) (tok string, exp time.Time, ok bool) {
	sub := r.FormValue("sub")
	if sub == "" {
		sub = "dev-user"
	}
	ttl := i.cfg.TTL
	if v := r.FormValue("ttl"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ttl must be a Go duration such as 15m"})
			return "", time.Time{}, false
		}
		ttl = d
	}
	now := i.cfg.Clock()
	tok, err := i.Mint(Claims{Subject: sub, TTL: ttl, IssuedAt: now})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "minting failed"})
		return "", time.Time{}, false
	}
	return tok, now.Add(ttl), true
}

// LoginHandler mints a token for ?sub= (default "dev-user", lifetime ?ttl=)
// and sets it as the session cookie name through cookies, so the cookie
// follows the gate's domain and attribute rules; ?redirect=/path redirects
// to a local path afterwards. Mount it on the API's own host (the cookie is
// set for the host that answers).
func (i *Issuer) LoginHandler(cookies *core.CookieWriter, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, exp, ok := i.mintFor(w, r); ok {
			http.SetCookie(w, cookies.Set(name, tok, exp))
			redirectOrOK(w, r)
		}
	})
}

// redirectOrOK redirects to a local path only, never to another site.
// Backslashes and control characters are refused outright: browsers drop tabs
// and newlines and read \ as /, so "/\t/evil.example" would become
// "//evil.example".
func redirectOrOK(w http.ResponseWriter, r *http.Request) {
	to := r.FormValue("redirect")
	unsafe := strings.ContainsFunc(to, func(c rune) bool { return c < 0x20 || c == 0x7f || c == '\\' })
	if strings.HasPrefix(to, "/") && !strings.HasPrefix(to, "//") && !unsafe {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Server is an Issuer serving its Handler on a loopback listener.
type Server struct {
	*Issuer
	srv  *http.Server
	done chan struct{}
}

// Start listens on addr (default "127.0.0.1:0", loopback) and serves the
// issuer there. When cfg.Issuer is empty it becomes "http://<addr>".
func Start(addr string, cfg Config) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("devissuer: %w", err)
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "http://" + ln.Addr().String()
	}
	iss, err := New(cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{Issuer: iss, srv: &http.Server{Handler: iss.Handler(), ReadHeaderTimeout: 5 * time.Second}, done: make(chan struct{})}
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

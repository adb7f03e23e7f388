package core

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// Helpers shared by verify_test.go, jwks_test.go and gate_test.go carry the
// prefix vt so they do not clash with other test files of the package.

// vtNow is the fixed "now" of these tests: tokens are minted around it and
// Config.Clock returns it, so no row depends on the wall clock.
var vtNow = time.Date(2030, time.March, 4, 12, 0, 0, 0, time.UTC)

func vtFixedClock() time.Time { return vtNow }

// vtClock is a Config.Clock that a test advances by hand.
type vtClock struct {
	mu  sync.Mutex
	now time.Time
}

func newVTClock() *vtClock { return &vtClock{now: vtNow} }

func (c *vtClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *vtClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

const (
	vtIssA = "https://a.example"
	vtIssB = "https://b.example"
	vtIssC = "https://c.example"
	vtIssH = "https://hmac.example"
)

var vtSecret = []byte("a-hmac-secret-of-at-least-32-bytes-for-tests")

// vtKeyring holds every key the tests sign with, generated once per run.
type vtKeyring struct {
	rsa      *rsa.PrivateKey
	ec256    *ecdsa.PrivateKey
	ec256b   *ecdsa.PrivateKey // issuer B's key
	ec256new *ecdsa.PrivateKey // a key that appears by rotation
	attacker *ecdsa.PrivateKey
	ec384    *ecdsa.PrivateKey
	ed       ed25519.PrivateKey
}

var vtKeys = sync.OnceValue(func() *vtKeyring {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	k := &vtKeyring{}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	for _, p := range []**ecdsa.PrivateKey{&k.ec256, &k.ec256b, &k.ec256new, &k.attacker} {
		*p, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
	}
	k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

func vtPub(priv any) any {
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		return &p.PublicKey
	case *ecdsa.PrivateKey:
		return &p.PublicKey
	case ed25519.PrivateKey:
		return p.Public()
	}
	panic(fmt.Sprintf("vtPub: %T", priv))
}

// vtJWK describes the public half of priv as a JWK; alg and use may be "".
func vtJWK(priv any, kid, alg, use string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: vtPub(priv), KeyID: kid, Algorithm: alg, Use: use}
}

// vtJWKSet renders keys as a JWK set.
func vtJWKSet(keys ...jose.JSONWebKey) string {
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// vtPEM renders the public halves of privs as PKIX "PUBLIC KEY" blocks.
func vtPEM(privs ...any) string {
	var b bytes.Buffer
	for _, p := range privs {
		der, err := x509.MarshalPKIXPublicKey(vtPub(p))
		if err != nil {
			panic(err)
		}
		pem.Encode(&b, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	return b.String()
}

// vtClaims returns a valid claim set of iss around vtNow, changed by mods.
func vtClaims(iss string, mods ...func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss": iss,
		"sub": "user-1",
		"iat": vtNow.Add(-time.Minute).Unix(),
		"exp": vtNow.Add(10 * time.Minute).Unix(),
	}
	for _, m := range mods {
		m(c)
	}
	return c
}

// vtWith sets claim k to v; a nil v removes the claim.
func vtWith(k string, v any) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) {
		if v == nil {
			delete(c, k)
			return
		}
		c[k] = v
	}
}

// vtAt sets a time claim to vtNow+d.
func vtAt(k string, d time.Duration) func(jwt.MapClaims) {
	return vtWith(k, vtNow.Add(d).Unix())
}

// vtSign signs claims with alg and key, naming kid (none when ""), and adds
// the extra header fields.
func vtSign(t testing.TB, alg, kid string, key any, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	m := jwt.GetSigningMethod(alg)
	if m == nil {
		t.Fatalf("unknown signing method %q", alg)
	}
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("signing %s token: %v", alg, err)
	}
	return s
}

// vtRaw builds a compact JWS from a raw header and claims and a given
// signature segment, for tokens no signer would produce.
func vtRaw(header, claims map[string]any, sig string) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "." + sig
}

// vtServer is a key server for tests: it answers every path with body,
// status and Cache-Control as currently set, optionally after a delay, and
// counts the requests it receives.
type vtServer struct {
	*httptest.Server
	hits atomic.Int64

	mu           sync.Mutex
	body         string
	status       int
	delay        time.Duration
	cacheControl string
	paths        map[string]string // body by path, overriding body
	pathHits     map[string]int
}

func newVTServer(t testing.TB, body string) *vtServer {
	t.Helper()
	s := &vtServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *vtServer) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	s.mu.Lock()
	body, status, delay, cc := s.body, s.status, s.delay, s.cacheControl
	if b, ok := s.paths[r.URL.Path]; ok {
		body = b
	}
	if s.pathHits == nil {
		s.pathHits = make(map[string]int)
	}
	s.pathHits[r.URL.Path]++
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if cc != "" {
		w.Header().Set("Cache-Control", cc)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// set changes what the server answers from now on.
func (s *vtServer) set(f func(s *vtServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// hitsOn returns how often path was requested.
func (s *vtServer) hitsOn(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pathHits[path]
}

// vtEventually polls cond every 10ms until it holds or the deadline of
// several seconds passes; it waits for something to happen, it does not
// measure how long that took.
func vtEventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// vtLogSink is a concurrency-safe log buffer.
type vtLogSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *vtLogSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *vtLogSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *vtLogSink) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

var vtQuietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// vtGate builds a gate from cfg (fixed clock and a quiet logger unless
// set) and closes it when the test ends.
func vtGate(t testing.TB, cfg Config) *Gate {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = vtFixedClock
	}
	if cfg.Logger == nil {
		cfg.Logger = vtQuietLogger
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// vtBearer is a GET request carrying tok in the Authorization header.
func vtBearer(tok string) Request {
	r := httptest.NewRequest(http.MethodGet, "https://api.a.example/me", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return HTTPRequest(r)
}

// vtCheckResult asserts a verification result: accepted when want is nil,
// otherwise refused with an *Error of exactly that kind whose message does
// not contain the token.
func vtCheckResult(t *testing.T, via string, s *Session, err error, tok string, want error) {
	t.Helper()
	if want == nil {
		if err != nil || s == nil {
			t.Fatalf("%s: got session %v, error %v; want accepted", via, s != nil, err)
		}
		return
	}
	if s != nil {
		t.Fatalf("%s: token accepted (subject %q); want %v", via, s.Subject, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v (%T) is not an *Error; want kind %v", via, err, err, want)
	}
	if e.Kind != want {
		t.Fatalf("%s: error kind %v (%v); want %v", via, e.Kind, err, want)
	}
	if tok != "" && strings.Contains(err.Error(), tok) {
		t.Fatalf("%s: error message contains the token", via)
	}
}

// vtEnv is the set of key servers the verification table draws on.
type vtEnv struct {
	k *vtKeyring
	// main serves rsa-1 (RS256), rsa-ps (PS256), ec-1 (ES256), ec384-1
	// (ES384) and ed-1 (EdDSA), each with alg.
	main *vtServer
	// noAlg serves the same keys without alg.
	noAlg *vtServer
	// mislabelled serves the P-256 key as ec-1 but with alg RS256.
	mislabelled *vtServer
	// enc serves the P-256 key as ec-enc with use=enc, and ed-1 with use=sig.
	enc *vtServer
	// b serves issuer B's key b-1.
	b *vtServer
	// attacker serves the attacker's key att-1; nothing configures it.
	attacker *vtServer
}

func newVTEnv(t *testing.T) *vtEnv {
	k := vtKeys()
	return &vtEnv{
		k: k,
		main: newVTServer(t, vtJWKSet(
			vtJWK(k.rsa, "rsa-1", "RS256", "sig"),
			vtJWK(k.rsa, "rsa-ps", "PS256", "sig"),
			vtJWK(k.ec256, "ec-1", "ES256", "sig"),
			vtJWK(k.ec384, "ec384-1", "ES384", "sig"),
			vtJWK(k.ed, "ed-1", "EdDSA", "sig"),
		)),
		noAlg: newVTServer(t, vtJWKSet(
			vtJWK(k.rsa, "rsa-1", "", ""),
			vtJWK(k.ec256, "ec-1", "", ""),
			vtJWK(k.ec384, "ec384-1", "", ""),
			vtJWK(k.ed, "ed-1", "", ""),
		)),
		mislabelled: newVTServer(t, vtJWKSet(
			vtJWK(k.ec256, "ec-1", "RS256", "sig"),
			vtJWK(k.rsa, "rsa-1", "RS256", "sig"),
		)),
		enc: newVTServer(t, vtJWKSet(
			vtJWK(k.ec256, "ec-enc", "ES256", "enc"),
			vtJWK(k.ed, "ed-1", "EdDSA", "sig"),
		)),
		b:        newVTServer(t, vtJWKSet(vtJWK(k.ec256b, "b-1", "ES256", "sig"))),
		attacker: newVTServer(t, vtJWKSet(vtJWK(k.attacker, "att-1", "ES256", "sig"))),
	}
}

// base is the configuration every row starts from: issuer A on main.
func (e *vtEnv) base() Config {
	return Config{Issuers: []Issuer{{Name: vtIssA, JWKSURL: e.main.URL}}}
}

// es signs an ES256 token of issuer A with ec-1.
func (e *vtEnv) es(t *testing.T, mods ...func(jwt.MapClaims)) string {
	return vtSign(t, "ES256", "ec-1", e.k.ec256, vtClaims(vtIssA, mods...), nil)
}

type vtRow struct {
	name string
	cfg  func(e *vtEnv, c *Config) // changes to e.base(); nil keeps it
	tok  func(t *testing.T, e *vtEnv) string
	want error // nil: accepted
}

// vtRun runs every row through Gate.Verify and through Gate.Check with the
// token in an Authorization header; both must give the same answer.
func vtRun(t *testing.T, e *vtEnv, rows []vtRow) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			cfg := e.base()
			if row.cfg != nil {
				row.cfg(e, &cfg)
			}
			g := vtGate(t, cfg)
			tok := row.tok(t, e)

			s, err := g.Verify(tok, SourceAuthorization)
			vtCheckResult(t, "Verify", s, err, tok, row.want)

			d := g.Check(vtBearer(tok), CheckOptions{})
			vtCheckResult(t, "Check", d.Session, d.Err, tok, row.want)
			if row.want != nil {
				resp := ErrorResponse(d.Err)
				if resp.Status != http.StatusUnauthorized {
					t.Errorf("Check: ErrorResponse status %d, want 401", resp.Status)
				}
				if bytes.Contains(resp.Body, []byte(tok)) {
					t.Errorf("Check: error body contains the token")
				}
			} else if d.Session.Source != SourceAuthorization {
				t.Errorf("Check: session source %q, want %q", d.Session.Source, SourceAuthorization)
			}
		})
	}
}

func TestVerifyKeySources(t *testing.T) {
	e := newVTEnv(t)
	k := e.k
	staticJWKS := vtJWKSet(
		vtJWK(k.rsa, "rsa-1", "RS256", "sig"),
		vtJWK(k.ec256, "ec-1", "ES256", "sig"),
		vtJWK(k.ed, "ed-1", "EdDSA", "sig"),
	)
	sources := []struct {
		name string
		iss  Issuer
	}{
		{"JWKS served over HTTP", Issuer{Name: vtIssA, JWKSURL: e.main.URL}},
		{"static PublicKeyPEM", Issuer{Name: vtIssA, PublicKeyPEM: vtPEM(k.rsa, k.ec256, k.ed)}},
		{"static JWKS JSON", Issuer{Name: vtIssA, JWKS: staticJWKS}},
	}
	algs := []struct {
		alg, kid string
		key      any
	}{
		{"RS256", "rsa-1", k.rsa},
		{"ES256", "ec-1", k.ec256},
		{"EdDSA", "ed-1", k.ed},
	}
	var rows []vtRow
	for _, src := range sources {
		for _, a := range algs {
			rows = append(rows, vtRow{
				name: fmt.Sprintf("%s token, matching key from %s: accepted", a.alg, src.name),
				cfg:  func(e *vtEnv, c *Config) { c.Issuers = []Issuer{src.iss} },
				tok: func(t *testing.T, e *vtEnv) string {
					return vtSign(t, a.alg, a.kid, a.key, vtClaims(vtIssA), nil)
				},
			}, vtRow{
				name: fmt.Sprintf("%s token, no kid, matching key from %s: accepted", a.alg, src.name),
				cfg:  func(e *vtEnv, c *Config) { c.Issuers = []Issuer{src.iss} },
				tok: func(t *testing.T, e *vtEnv) string {
					return vtSign(t, a.alg, "", a.key, vtClaims(vtIssA), nil)
				},
			}, vtRow{
				name: fmt.Sprintf("%s token signed by a key the issuer does not have, keys from %s: ErrSignature", a.alg, src.name),
				cfg:  func(e *vtEnv, c *Config) { c.Issuers = []Issuer{src.iss} },
				tok: func(t *testing.T, e *vtEnv) string {
					other := map[string]any{"RS256": vtOtherRSA(), "ES256": e.k.attacker, "EdDSA": vtOtherEd()}[a.alg]
					return vtSign(t, a.alg, a.kid, other, vtClaims(vtIssA), nil)
				},
				want: ErrSignature,
			})
		}
	}
	rows = append(rows, vtRow{
		name: "RS256 token, key given as a PKCS#1 RSA PUBLIC KEY block: accepted",
		cfg: func(e *vtEnv, c *Config) {
			pemText := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&e.k.rsa.PublicKey)}))
			c.Issuers = []Issuer{{Name: vtIssA, PublicKeyPEM: pemText}}
		},
		tok: func(t *testing.T, e *vtEnv) string { return vtSign(t, "RS256", "", e.k.rsa, vtClaims(vtIssA), nil) },
	}, vtRow{
		name: "static PEM and JWKS URL combined: a key found only in the JWKS verifies",
		cfg: func(e *vtEnv, c *Config) {
			c.Issuers = []Issuer{{Name: vtIssA, PublicKeyPEM: vtPEM(e.k.rsa), JWKSURL: e.main.URL}}
		},
		tok: func(t *testing.T, e *vtEnv) string { return e.es(t) },
	})
	vtRun(t, e, rows)
}

var (
	vtOtherRSA = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	vtOtherEd = sync.OnceValue(func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func TestVerifyAlgorithmPolicy(t *testing.T) {
	e := newVTEnv(t)
	algs := func(a ...string) func(e *vtEnv, c *Config) {
		return func(e *vtEnv, c *Config) { c.Algorithms = a }
	}
	hmacIssuer := func(a ...string) func(e *vtEnv, c *Config) {
		return func(e *vtEnv, c *Config) {
			c.Algorithms = a
			c.Issuers = []Issuer{{Name: vtIssH, HMACSecret: vtSecret}}
		}
	}
	rsaPEM := func(e *vtEnv) string { return vtPEM(e.k.rsa) }
	rows := []vtRow{
		{
			name: "PS256 token, PS256 not in Algorithms: ErrAlgorithm",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "PS256", "rsa-ps", e.k.rsa, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "PS256 token, PS256 listed: accepted",
			cfg:  algs("RS256", "PS256"),
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "PS256", "rsa-ps", e.k.rsa, vtClaims(vtIssA), nil)
			},
		},
		{
			name: "ES384 token, ES384 not in Algorithms: ErrAlgorithm",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES384", "ec384-1", e.k.ec384, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "ES384 token, ES384 listed: accepted",
			cfg:  algs("ES256", "ES384"),
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES384", "ec384-1", e.k.ec384, vtClaims(vtIssA), nil)
			},
		},
		{
			name: "RS256 token, only ES256 listed: ErrAlgorithm",
			cfg:  algs("ES256"),
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "RS256", "rsa-1", e.k.rsa, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "HS256 token, issuer HMACSecret and HS256 listed: accepted",
			cfg:  hmacIssuer("HS256"),
			tok:  func(t *testing.T, e *vtEnv) string { return vtSign(t, "HS256", "", vtSecret, vtClaims(vtIssH), nil) },
		},
		{
			name: "HS256 token, issuer HMACSecret, signed with another secret: ErrSignature",
			cfg:  hmacIssuer("HS256"),
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "HS256", "", []byte("another-secret-of-at-least-32-bytes!!"), vtClaims(vtIssH), nil)
			},
			want: ErrSignature,
		},
		{
			name: "HS256 token, issuer HMACSecret but only HS384 listed: ErrAlgorithm",
			cfg:  hmacIssuer("HS384"),
			tok:  func(t *testing.T, e *vtEnv) string { return vtSign(t, "HS256", "", vtSecret, vtClaims(vtIssH), nil) },
			want: ErrAlgorithm,
		},
		{
			name: "HS256 token, HS256 listed but the issuer has only public keys: ErrAlgorithm",
			cfg:  algs("ES256", "HS256"),
			tok:  func(t *testing.T, e *vtEnv) string { return vtSign(t, "HS256", "", vtSecret, vtClaims(vtIssA), nil) },
			want: ErrAlgorithm,
		},
		{
			name: "alg confusion: HS256 signed with the RSA public key PEM as secret, RSA issuer by PEM, HS256 listed: ErrAlgorithm",
			cfg: func(e *vtEnv, c *Config) {
				c.Algorithms = []string{"RS256", "HS256"}
				c.Issuers = []Issuer{{Name: vtIssA, PublicKeyPEM: rsaPEM(e)}}
			},
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "HS256", "", []byte(rsaPEM(e)), vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "alg confusion: HS256 signed with the RSA public key PEM as secret, RSA issuer by PEM, default Algorithms: ErrAlgorithm",
			cfg: func(e *vtEnv, c *Config) {
				c.Issuers = []Issuer{{Name: vtIssA, PublicKeyPEM: rsaPEM(e)}}
			},
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "HS256", "", []byte(rsaPEM(e)), vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "alg confusion: HS256 signed with the RSA public key PEM naming the JWKS kid rsa-1, HS256 listed: ErrAlgorithm",
			cfg:  algs("RS256", "HS256"),
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "HS256", "rsa-1", []byte(rsaPEM(e)), vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "HMAC issuer beside a public-key issuer: HS256 token naming the public-key issuer, signed with the secret: ErrAlgorithm",
			cfg: func(e *vtEnv, c *Config) {
				c.Algorithms = []string{"ES256", "HS256"}
				c.Issuers = append(c.Issuers, Issuer{Name: vtIssH, HMACSecret: vtSecret})
			},
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "HS256", "ec-1", vtSecret, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "HMAC issuer: RS256 token naming it is never checked against the secret: ErrAlgorithm",
			cfg: func(e *vtEnv, c *Config) {
				c.Algorithms = []string{"RS256", "HS256"}
				c.Issuers = append(c.Issuers, Issuer{Name: vtIssH, HMACSecret: vtSecret})
			},
			tok:  func(t *testing.T, e *vtEnv) string { return vtSign(t, "RS256", "", e.k.rsa, vtClaims(vtIssH), nil) },
			want: ErrAlgorithm,
		},
		{
			name: `alg "none" with an empty signature: ErrAlgorithm`,
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "none", "", jwt.UnsafeAllowNoneSignatureType, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: `alg "none" naming a known kid: ErrAlgorithm`,
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "none", "ec-1", jwt.UnsafeAllowNoneSignatureType, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: `alg "NONE" (other case): ErrAlgorithm`,
			tok: func(t *testing.T, e *vtEnv) string {
				return vtRaw(map[string]any{"alg": "NONE", "typ": "JWT"}, vtClaims(vtIssA), "")
			},
			want: ErrAlgorithm,
		},
		{
			name: "alg unknown to golang-jwt: ErrAlgorithm",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtRaw(map[string]any{"alg": "XS999", "kid": "ec-1"}, vtClaims(vtIssA), "c2ln")
			},
			want: ErrAlgorithm,
		},
		{
			name: "alg header missing: ErrAlgorithm",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtRaw(map[string]any{"kid": "ec-1"}, vtClaims(vtIssA), "c2ln")
			},
			want: ErrAlgorithm,
		},
		{
			name: "ES256 token against a JWKS key whose alg is RS256: ErrAlgorithm",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].JWKSURL = e.mislabelled.URL },
			tok:  func(t *testing.T, e *vtEnv) string { return e.es(t) },
			want: ErrAlgorithm,
		},
		{
			name: "RS256 token naming the kid of an ES256 key: ErrAlgorithm",
			tok:  func(t *testing.T, e *vtEnv) string { return vtSign(t, "RS256", "ec-1", e.k.rsa, vtClaims(vtIssA), nil) },
			want: ErrAlgorithm,
		},
		{
			name: "EdDSA token naming the kid of an RS256 key: ErrAlgorithm",
			tok:  func(t *testing.T, e *vtEnv) string { return vtSign(t, "EdDSA", "rsa-1", e.k.ed, vtClaims(vtIssA), nil) },
			want: ErrAlgorithm,
		},
		{
			name: "key without alg: EC P-256 verifies ES256",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok:  func(t *testing.T, e *vtEnv) string { return e.es(t) },
		},
		{
			name: "key without alg: ES384 token naming a P-256 key is refused even with ES384 listed: ErrAlgorithm",
			cfg: func(e *vtEnv, c *Config) {
				c.Issuers[0].JWKSURL = e.noAlg.URL
				c.Algorithms = []string{"ES256", "ES384"}
			},
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES384", "ec-1", e.k.ec384, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "key without alg: P-384 key with ES384 not listed is still under the allow-list: ErrAlgorithm",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES384", "ec384-1", e.k.ec384, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "key without alg: P-384 key with ES384 listed verifies ES384",
			cfg: func(e *vtEnv, c *Config) {
				c.Issuers[0].JWKSURL = e.noAlg.URL
				c.Algorithms = []string{"ES384"}
			},
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES384", "ec384-1", e.k.ec384, vtClaims(vtIssA), nil)
			},
		},
		{
			name: "key without alg: RSA key verifies RS256",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "RS256", "rsa-1", e.k.rsa, vtClaims(vtIssA), nil)
			},
		},
		{
			name: "key without alg: RSA key, PS256 not listed: ErrAlgorithm",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "PS256", "rsa-1", e.k.rsa, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "key without alg: RSA key, PS256 listed: accepted",
			cfg: func(e *vtEnv, c *Config) {
				c.Issuers[0].JWKSURL = e.noAlg.URL
				c.Algorithms = []string{"PS256"}
			},
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "PS256", "rsa-1", e.k.rsa, vtClaims(vtIssA), nil)
			},
		},
		{
			name: "key without alg: Ed25519 key verifies EdDSA",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok:  func(t *testing.T, e *vtEnv) string { return vtSign(t, "EdDSA", "ed-1", e.k.ed, vtClaims(vtIssA), nil) },
		},
		{
			name: "key without alg: ES256 token naming the Ed25519 key: ErrAlgorithm",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "ed-1", e.k.ec256, vtClaims(vtIssA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "JWK with use=enc is ignored: a token naming it: ErrUnknownKey",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].JWKSURL = e.enc.URL },
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "ec-enc", e.k.ec256, vtClaims(vtIssA), nil)
			},
			want: ErrUnknownKey,
		},
		{
			name: "JWK with use=enc is ignored: the use=sig key beside it still verifies",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].JWKSURL = e.enc.URL },
			tok:  func(t *testing.T, e *vtEnv) string { return vtSign(t, "EdDSA", "ed-1", e.k.ed, vtClaims(vtIssA), nil) },
		},
		{
			name: "JWK with use=enc in a static JWKS is ignored: ErrUnknownKey",
			cfg: func(e *vtEnv, c *Config) {
				c.Issuers = []Issuer{{Name: vtIssA, JWKS: vtJWKSet(
					vtJWK(e.k.ec256, "ec-enc", "ES256", "enc"),
					vtJWK(e.k.ed, "ed-1", "EdDSA", "sig"),
				)}}
			},
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "ec-enc", e.k.ec256, vtClaims(vtIssA), nil)
			},
			want: ErrUnknownKey,
		},
	}
	vtRun(t, e, rows)
}

func TestVerifyTokenHeaders(t *testing.T) {
	e := newVTEnv(t)
	attackerJWK := func(e *vtEnv, kid string) map[string]any {
		var m map[string]any
		b, _ := json.Marshal(vtJWK(e.k.attacker, kid, "ES256", "sig"))
		json.Unmarshal(b, &m)
		return m
	}
	rows := []vtRow{
		{
			name: "jku header pointing at the attacker's JWKS is ignored: attacker-signed token: ErrUnknownKey",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "att-1", e.k.attacker, vtClaims(vtIssA), map[string]any{"jku": e.attacker.URL + "/jwks.json"})
			},
			want: ErrUnknownKey,
		},
		{
			name: "x5u header pointing at the attacker's server is ignored: ErrUnknownKey",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "att-1", e.k.attacker, vtClaims(vtIssA), map[string]any{"x5u": e.attacker.URL + "/cert.pem"})
			},
			want: ErrUnknownKey,
		},
		{
			name: "embedded jwk header with the attacker's key and a kid of its own is ignored: ErrUnknownKey",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "att-1", e.k.attacker, vtClaims(vtIssA), map[string]any{"jwk": attackerJWK(e, "att-1")})
			},
			want: ErrUnknownKey,
		},
		{
			name: "embedded jwk header with the attacker's key under the issuer's kid is ignored: ErrSignature",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "ec-1", e.k.attacker, vtClaims(vtIssA), map[string]any{"jwk": attackerJWK(e, "ec-1")})
			},
			want: ErrSignature,
		},
		{
			name: "jku, x5u and jwk headers together on an attacker token with no kid: ErrSignature",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "", e.k.attacker, vtClaims(vtIssA), map[string]any{
					"jku": e.attacker.URL, "x5u": e.attacker.URL, "jwk": attackerJWK(e, "att-1"),
				})
			},
			want: ErrSignature,
		},
		{
			name: "legitimate token carrying jku, x5u and jwk headers is verified with the issuer's keys only: accepted",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "ec-1", e.k.ec256, vtClaims(vtIssA), map[string]any{
					"jku": e.attacker.URL, "x5u": e.attacker.URL, "jwk": attackerJWK(e, "ec-1"),
				})
			},
		},
		{
			name: "crit header naming an extension: ErrMalformed",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "ec-1", e.k.ec256, vtClaims(vtIssA), map[string]any{
					"crit": []string{"urn:example:must-understand"}, "urn:example:must-understand": true,
				})
			},
			want: ErrMalformed,
		},
		{
			name: "crit header naming b64 (RFC 7797): ErrMalformed",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "ec-1", e.k.ec256, vtClaims(vtIssA), map[string]any{"crit": []string{"b64"}, "b64": true})
			},
			want: ErrMalformed,
		},
		{
			name: "kid header that is not a string: ErrMalformed",
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "", e.k.ec256, vtClaims(vtIssA), map[string]any{"kid": 7})
			},
			want: ErrMalformed,
		},
		{
			name: "not a JWT at all: ErrMalformed",
			tok:  func(t *testing.T, e *vtEnv) string { return "not-a-jwt" },
			want: ErrMalformed,
		},
		{
			name: "header segment that is not base64url JSON: ErrMalformed",
			tok:  func(t *testing.T, e *vtEnv) string { return "%%%.e30.c2ln" },
			want: ErrMalformed,
		},
		{
			name: "payload changed after signing: ErrSignature",
			tok: func(t *testing.T, e *vtEnv) string {
				good := strings.Split(e.es(t), ".")
				evil := strings.Split(e.es(t, vtWith("sub", "admin")), ".")
				return good[0] + "." + evil[1] + "." + good[2]
			},
			want: ErrSignature,
		},
	}
	vtRun(t, e, rows)
	if n := e.attacker.hits.Load(); n != 0 {
		t.Errorf("the attacker's key server named in jku/x5u headers was fetched %d times; want 0", n)
	}
}

// The crit rule is sessiongate's own: golang-jwt alone accepts the token.
func TestVerifyCritHeaderIsRefusedThoughGolangJWTAccepts(t *testing.T) {
	k := vtKeys()
	tok := vtSign(t, "ES256", "ec-1", k.ec256, vtClaims(vtIssA), map[string]any{"crit": []string{"urn:x"}, "urn:x": 1})
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return &k.ec256.PublicKey, nil }, jwt.WithTimeFunc(vtFixedClock)); err != nil {
		t.Fatalf("precondition: golang-jwt alone should accept the crit token, got %v", err)
	}
	g := vtGate(t, Config{Issuers: []Issuer{{Name: vtIssA, PublicKeyPEM: vtPEM(k.ec256)}}})
	s, err := g.Verify(tok, SourceAuthorization)
	vtCheckResult(t, "Verify", s, err, tok, ErrMalformed)
}

func TestVerifyClaims(t *testing.T) {
	e := newVTEnv(t)
	leeway := func(e *vtEnv, c *Config) { c.Leeway = 30 * time.Second }
	es := func(mods ...func(jwt.MapClaims)) func(t *testing.T, e *vtEnv) string {
		return func(t *testing.T, e *vtEnv) string { return e.es(t, mods...) }
	}
	rows := []vtRow{
		{name: "all time claims valid: accepted", tok: es(vtAt("nbf", -time.Minute))},
		{name: "exp missing: ErrClaims (exp is required)", tok: es(vtWith("exp", nil)), want: ErrClaims},
		{name: "exp not a number: ErrClaims", tok: es(vtWith("exp", "tomorrow")), want: ErrClaims},
		{name: "exp in the past: ErrExpired", tok: es(vtAt("exp", -time.Minute)), want: ErrExpired},
		{name: "exp exactly now: ErrExpired", tok: es(vtAt("exp", 0)), want: ErrExpired},
		{name: "exp 1s in the past, no leeway: ErrExpired", tok: es(vtAt("exp", -time.Second)), want: ErrExpired},
		{name: "exp 20s in the past, leeway 30s: accepted", cfg: leeway, tok: es(vtAt("exp", -20*time.Second))},
		{name: "exp 40s in the past, leeway 30s: ErrExpired", cfg: leeway, tok: es(vtAt("exp", -40*time.Second)), want: ErrExpired},
		{name: "nbf in the future: ErrNotYetValid", tok: es(vtAt("nbf", time.Minute)), want: ErrNotYetValid},
		{name: "nbf exactly now: accepted", tok: es(vtAt("nbf", 0))},
		{name: "nbf 20s in the future, leeway 30s: accepted", cfg: leeway, tok: es(vtAt("nbf", 20*time.Second))},
		{name: "nbf 40s in the future, leeway 30s: ErrNotYetValid", cfg: leeway, tok: es(vtAt("nbf", 40*time.Second)), want: ErrNotYetValid},
		{name: "iat in the future: ErrIssuedInFuture", tok: es(vtAt("iat", time.Minute)), want: ErrIssuedInFuture},
		{name: "iat exactly now: accepted", tok: es(vtAt("iat", 0))},
		{name: "iat missing: accepted (iat is optional)", tok: es(vtWith("iat", nil))},
		{name: "iat 20s in the future, leeway 30s: accepted", cfg: leeway, tok: es(vtAt("iat", 20*time.Second))},
		{name: "iat 40s in the future, leeway 30s: ErrIssuedInFuture", cfg: leeway, tok: es(vtAt("iat", 40*time.Second)), want: ErrIssuedInFuture},
	}
	vtRun(t, e, rows)
}

func TestVerifyIssuer(t *testing.T) {
	e := newVTEnv(t)
	several := func(e *vtEnv, c *Config) {
		c.Issuers = []Issuer{
			{Name: vtIssA, JWKSURL: e.main.URL},
			{Name: vtIssB, JWKSURL: e.b.URL},
			{Name: vtIssC, JWKS: vtJWKSet(vtJWK(e.k.ec256new, "c-1", "ES256", "sig"))},
		}
	}
	signA := func(iss any) func(t *testing.T, e *vtEnv) string {
		return func(t *testing.T, e *vtEnv) string { return e.es(t, vtWith("iss", iss)) }
	}
	rows := []vtRow{
		{name: "iss equals the first configured issuer: accepted", cfg: several, tok: signA(vtIssA)},
		{
			name: "iss equals the second configured issuer, its own key: accepted", cfg: several,
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "b-1", e.k.ec256b, vtClaims(vtIssB), nil)
			},
		},
		{
			name: "iss equals the third configured issuer (static JWKS), its own key: accepted", cfg: several,
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "c-1", e.k.ec256new, vtClaims(vtIssC), nil)
			},
		},
		{name: "iss with a trailing slash the configuration lacks: ErrIssuer", cfg: several, tok: signA(vtIssA + "/"), want: ErrIssuer},
		{
			name: "configured issuer with a trailing slash, iss without it: ErrIssuer",
			cfg:  func(e *vtEnv, c *Config) { c.Issuers[0].Name = vtIssA + "/" },
			tok:  signA(vtIssA),
			want: ErrIssuer,
		},
		{name: "iss differing only in case: ErrIssuer", cfg: several, tok: signA("HTTPS://A.EXAMPLE"), want: ErrIssuer},
		{name: "iss with an extra path: ErrIssuer", cfg: several, tok: signA(vtIssA + "/tenant"), want: ErrIssuer},
		{name: "iss not configured: ErrIssuer", cfg: several, tok: signA("https://evil.example"), want: ErrIssuer},
		{name: "iss missing: ErrIssuer", cfg: several, tok: signA(nil), want: ErrIssuer},
		{name: "iss not a string: ErrIssuer", cfg: several, tok: signA(42), want: ErrIssuer},
		{
			name: "keys are bound per issuer: iss A signed by issuer B's key naming B's kid: ErrUnknownKey", cfg: several,
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "b-1", e.k.ec256b, vtClaims(vtIssA), nil)
			},
			want: ErrUnknownKey,
		},
		{
			name: "keys are bound per issuer: iss A signed by issuer B's key without kid: ErrSignature", cfg: several,
			tok:  func(t *testing.T, e *vtEnv) string { return vtSign(t, "ES256", "", e.k.ec256b, vtClaims(vtIssA), nil) },
			want: ErrSignature,
		},
		{
			name: "keys are bound per issuer: iss B signed by issuer A's key naming A's kid: ErrUnknownKey", cfg: several,
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "ec-1", e.k.ec256, vtClaims(vtIssB), nil)
			},
			want: ErrUnknownKey,
		},
		{
			name: "keys are bound per issuer: iss C (static keys) signed by issuer A's key: ErrSignature", cfg: several,
			tok: func(t *testing.T, e *vtEnv) string {
				return vtSign(t, "ES256", "c-1", e.k.ec256, vtClaims(vtIssC), nil)
			},
			want: ErrSignature,
		},
	}
	vtRun(t, e, rows)
}

func TestVerifyAudienceAndHook(t *testing.T) {
	e := newVTEnv(t)
	auds := func(e *vtEnv, c *Config) { c.Audiences = []string{"api", "admin"} }
	errBlocked := errors.New("subject is blocked")
	hook := func(e *vtEnv, c *Config) {
		c.ValidateClaims = func(s *Session) error {
			if s.Subject == "blocked" {
				return errBlocked
			}
			return nil
		}
	}
	es := func(mods ...func(jwt.MapClaims)) func(t *testing.T, e *vtEnv) string {
		return func(t *testing.T, e *vtEnv) string { return e.es(t, mods...) }
	}
	rows := []vtRow{
		{name: "aud a string naming one configured audience: accepted", cfg: auds, tok: es(vtWith("aud", "admin"))},
		{name: "aud a list with one configured audience among others: accepted", cfg: auds, tok: es(vtWith("aud", []string{"web", "api"}))},
		{name: "aud naming no configured audience: ErrAudience", cfg: auds, tok: es(vtWith("aud", []string{"web", "mobile"})), want: ErrAudience},
		{name: "aud differing in case: ErrAudience", cfg: auds, tok: es(vtWith("aud", "API")), want: ErrAudience},
		{name: "aud missing while audiences are configured: ErrClaims (required claim missing)", cfg: auds, tok: es(), want: ErrClaims},
		{name: "no audiences configured: any aud accepted", tok: es(vtWith("aud", "whatever"))},
		{name: "ValidateClaims hook accepts: accepted", cfg: hook, tok: es(vtWith("sub", "alice"))},
		{name: "ValidateClaims hook refuses: ErrClaims", cfg: hook, tok: es(vtWith("sub", "blocked")), want: ErrClaims},
		{
			name: "ValidateClaims hook is not consulted for a token that fails earlier: ErrExpired",
			cfg:  hook,
			tok:  es(vtWith("sub", "blocked"), vtAt("exp", -time.Hour)),
			want: ErrExpired,
		},
	}
	vtRun(t, e, rows)

	t.Run("the hook's error is wrapped so callers can tell why", func(t *testing.T) {
		cfg := e.base()
		hook(e, &cfg)
		g := vtGate(t, cfg)
		_, err := g.Verify(e.es(t, vtWith("sub", "blocked")), SourceAuthorization)
		if !errors.Is(err, ErrClaims) || !errors.Is(err, errBlocked) {
			t.Fatalf("error %v: want errors.Is ErrClaims and the hook's error", err)
		}
	})
}

func TestVerifySessionFields(t *testing.T) {
	k := vtKeys()
	type want struct {
		aud            []string
		iat, nbf       time.Time
		id             string
		claimsIncluded map[string]any
	}
	rows := []struct {
		name   string
		claims jwt.MapClaims
		want   want
	}{
		{
			name: "every registered claim and custom claims are exposed",
			claims: vtClaims(vtIssA, vtWith("sub", "user-42"), vtWith("aud", []string{"api", "web"}), vtWith("jti", "jti-1"),
				vtAt("nbf", -2*time.Minute), vtWith("email", "a@example.com"), vtWith("roles", []string{"admin"})),
			want: want{
				aud: []string{"api", "web"}, id: "jti-1",
				iat: vtNow.Add(-time.Minute), nbf: vtNow.Add(-2 * time.Minute),
				claimsIncluded: map[string]any{"email": "a@example.com", "roles": []any{"admin"}, "sub": "user-42"},
			},
		},
		{
			name:   "aud as a single string becomes a one-element Audience",
			claims: vtClaims(vtIssA, vtWith("sub", "user-42"), vtWith("aud", "api")),
			want:   want{aud: []string{"api"}, iat: vtNow.Add(-time.Minute)},
		},
		{
			name:   "no iat, nbf, aud or jti: zero values",
			claims: vtClaims(vtIssA, vtWith("sub", "user-42"), vtWith("iat", nil)),
			want:   want{},
		},
	}
	g := vtGate(t, Config{Issuers: []Issuer{{Name: vtIssA, PublicKeyPEM: vtPEM(k.ec256)}}})
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tok := vtSign(t, "ES256", "ec-1", k.ec256, row.claims, nil)
			s, err := g.Verify(tok, SourceCookie)
			if err != nil {
				t.Fatal(err)
			}
			if s.Subject != "user-42" || s.Issuer != vtIssA || s.ID != row.want.id {
				t.Errorf("Subject %q, Issuer %q, ID %q; want user-42, %s, %q", s.Subject, s.Issuer, s.ID, vtIssA, row.want.id)
			}
			if !reflect.DeepEqual(s.Audience, row.want.aud) && !(len(s.Audience) == 0 && len(row.want.aud) == 0) {
				t.Errorf("Audience %q, want %q", s.Audience, row.want.aud)
			}
			if !s.ExpiresAt.Equal(vtNow.Add(10 * time.Minute)) {
				t.Errorf("ExpiresAt %v, want %v", s.ExpiresAt, vtNow.Add(10*time.Minute))
			}
			if !s.IssuedAt.Equal(row.want.iat) {
				t.Errorf("IssuedAt %v, want %v", s.IssuedAt, row.want.iat)
			}
			if !s.NotBefore.Equal(row.want.nbf) {
				t.Errorf("NotBefore %v, want %v", s.NotBefore, row.want.nbf)
			}
			if s.Source != SourceCookie {
				t.Errorf("Source %q, want %q", s.Source, SourceCookie)
			}
			if string(s.Token) != tok {
				t.Errorf("Token does not hold the raw token")
			}
			if s.Claims["iss"] != vtIssA {
				t.Errorf("Claims[iss] = %v", s.Claims["iss"])
			}
			for k, v := range row.want.claimsIncluded {
				if !reflect.DeepEqual(s.Claims[k], v) {
					t.Errorf("Claims[%q] = %#v, want %#v", k, s.Claims[k], v)
				}
			}
		})
	}
}

func TestClaimsAs(t *testing.T) {
	k := vtKeys()
	type org struct {
		ID   string `json:"id"`
		Plan string `json:"plan"`
	}
	type myClaims struct {
		jwt.RegisteredClaims
		Email string   `json:"email"`
		Roles []string `json:"roles"`
		Org   org      `json:"org"`
	}
	g := vtGate(t, Config{Issuers: []Issuer{{Name: vtIssA, PublicKeyPEM: vtPEM(k.ec256)}}})
	verify := func(t *testing.T, claims jwt.MapClaims) *Session {
		s, err := g.Verify(vtSign(t, "ES256", "", k.ec256, claims, nil), SourceAuthorization)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("a custom claims struct is decoded, registered claims included", func(t *testing.T) {
		s := verify(t, vtClaims(vtIssA, vtWith("email", "a@example.com"), vtWith("roles", []string{"admin", "dev"}),
			vtWith("org", map[string]any{"id": "o-1", "plan": "pro"})))
		c, err := ClaimsAs[myClaims](s)
		if err != nil {
			t.Fatal(err)
		}
		if c.Email != "a@example.com" || !reflect.DeepEqual(c.Roles, []string{"admin", "dev"}) || c.Org != (org{"o-1", "pro"}) {
			t.Errorf("decoded %+v", c)
		}
		if c.Subject != "user-1" || c.Issuer != vtIssA || c.ExpiresAt == nil || !c.ExpiresAt.Time.Equal(vtNow.Add(10*time.Minute)) {
			t.Errorf("registered claims decoded as %+v", c.RegisteredClaims)
		}
	})
	t.Run("a claim of the wrong type: ErrClaims", func(t *testing.T) {
		s := verify(t, vtClaims(vtIssA, vtWith("roles", "admin")))
		if _, err := ClaimsAs[myClaims](s); !errors.Is(err, ErrClaims) {
			t.Errorf("error %v, want ErrClaims", err)
		}
	})
	t.Run("a map type works too", func(t *testing.T) {
		s := verify(t, vtClaims(vtIssA, vtWith("email", "b@example.com")))
		m, err := ClaimsAs[map[string]any](s)
		if err != nil || m["email"] != "b@example.com" {
			t.Errorf("got %v, %v", m, err)
		}
	})
	t.Run("nil session: error", func(t *testing.T) {
		if _, err := ClaimsAs[myClaims](nil); err == nil {
			t.Error("no error for a nil session")
		}
	})
}

func TestTokenRedaction(t *testing.T) {
	k := vtKeys()
	g := vtGate(t, Config{Issuers: []Issuer{{Name: vtIssA, PublicKeyPEM: vtPEM(k.ec256)}}})
	tok := vtSign(t, "ES256", "", k.ec256, vtClaims(vtIssA, vtWith("sub", "alice")), nil)
	s, err := g.Verify(tok, SourceAuthorization)
	if err != nil {
		t.Fatal(err)
	}
	sig := tok[strings.LastIndex(tok, ".")+1:]

	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("verified", "session", s, "token", s.Token, "value", *s)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("verified", "session", s, "token", s.Token, "value", *s)
	marshalled, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	expired := vtSign(t, "ES256", "", k.ec256, vtClaims(vtIssA, vtAt("exp", -time.Hour)), nil)
	_, expiredErr := g.Verify(expired, SourceAuthorization)

	outputs := []struct {
		name, out, token string
	}{
		{"fmt %v %+v %#v of session, *session and Token", fmt.Sprintf("%v %+v %#v", s, *s, s.Token), tok},
		{"fmt %#v of the session value", fmt.Sprintf("%#v", *s), tok},
		{"fmt %s %q %v of the Token", fmt.Sprintf("%s %q %v", s.Token, s.Token, s.Token), tok},
		{"slog text handler", text.String(), tok},
		{"slog JSON handler", js.String(), tok},
		{"json.Marshal of the session", string(marshalled), tok},
		{"error of a refused (expired) token", expiredErr.Error(), expired},
	}
	for _, o := range outputs {
		t.Run(o.name, func(t *testing.T) {
			if strings.Contains(o.out, o.token) || strings.Contains(o.out, o.token[strings.LastIndex(o.token, ".")+1:]) {
				t.Fatalf("output contains the token:\n%s", o.out)
			}
			if o.token == tok && !strings.Contains(o.out, "[redacted]") {
				t.Fatalf("output does not show the token as [redacted]:\n%s", o.out)
			}
		})
	}
	if string(s.Token) != tok || !strings.HasSuffix(string(s.Token), sig) {
		t.Error("string(s.Token) must still give the raw token for forwarding")
	}
}

func TestVerifyTokenSize(t *testing.T) {
	e := newVTEnv(t)
	// Padding with an unknown kid: were it parsed, it would trigger a JWKS
	// fetch; refused by size, it must not.
	big := vtSign(t, "ES256", "kid-nobody-knows", e.k.ec256, vtClaims(vtIssA, vtWith("pad", strings.Repeat("x", 9000))), nil)
	good := e.es(t)
	rows := []struct {
		name    string
		max     int
		tok     string
		want    error
		fetches int64
	}{
		{"token one byte over MaxTokenSize: ErrTokenTooLarge", len(good) - 1, good, ErrTokenTooLarge, 0},
		{"token exactly MaxTokenSize: accepted", len(good), good, nil, 0},
		{"garbage over MaxTokenSize: ErrTokenTooLarge, not ErrMalformed (refused before parsing)", 64, strings.Repeat("!", 65), ErrTokenTooLarge, 0},
		{"garbage within MaxTokenSize: ErrMalformed", 64, strings.Repeat("!", 64), ErrMalformed, 0},
		{"token over the default 8 KiB naming an unknown kid: ErrTokenTooLarge and no JWKS fetch", 0, big, ErrTokenTooLarge, 0},
		{"the same token under a raised limit is parsed: ErrUnknownKey after one fetch", 16 << 10, big, ErrUnknownKey, 1},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			cfg := e.base()
			cfg.MaxTokenSize = row.max
			g := vtGate(t, cfg)
			before := e.main.hits.Load()
			s, err := g.Verify(row.tok, SourceAuthorization)
			vtCheckResult(t, "Verify", s, err, row.tok, row.want)
			d := g.Check(vtBearer(row.tok), CheckOptions{})
			vtCheckResult(t, "Check", d.Session, d.Err, row.tok, row.want)
			if got := e.main.hits.Load() - before; got != row.fetches {
				t.Errorf("JWKS fetches during the requests: %d, want %d", got, row.fetches)
			}
		})
	}
}

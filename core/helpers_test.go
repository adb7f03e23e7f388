package core

// The test helpers of package core, in one place: a fixed clock, the keys
// tests sign with, token builders, a JWKS server, a log sink and a gate
// constructor.

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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// testNow is the fixed "now" of these tests: tokens are minted around it and
// Config.Clock returns it, so no row depends on the wall clock.
var testNow = time.Date(2030, time.March, 4, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return testNow }

// fakeClock is a Config.Clock that a test advances by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: testNow} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

const (
	issA = "https://a.example"
	issB = "https://b.example"
	issC = "https://c.example"
	issH = "https://hmac.example"
)

var testSecret = []byte("a-hmac-secret-of-at-least-32-bytes-for-tests")

// keyring holds every key the tests sign with, generated once per run.
type keyring struct {
	rsa      *rsa.PrivateKey
	ec256    *ecdsa.PrivateKey
	ec256b   *ecdsa.PrivateKey // issuer B's key
	ec256new *ecdsa.PrivateKey // a key that appears by rotation
	attacker *ecdsa.PrivateKey
	ec384    *ecdsa.PrivateKey
	ed       ed25519.PrivateKey
}

var testKeys = sync.OnceValue(func() *keyring {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	k := &keyring{}
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

func publicOf(priv any) any {
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		return &p.PublicKey
	case *ecdsa.PrivateKey:
		return &p.PublicKey
	case ed25519.PrivateKey:
		return p.Public()
	}
	panic(fmt.Sprintf("publicOf: %T", priv))
}

// jwkOf describes the public half of priv as a JWK; alg and use may be "".
func jwkOf(priv any, kid, alg, use string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: publicOf(priv), KeyID: kid, Algorithm: alg, Use: use}
}

// jwkSet renders keys as a JWK set.
func jwkSet(keys ...jose.JSONWebKey) string {
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// pemOf renders the public halves of privs as PKIX "PUBLIC KEY" blocks.
func pemOf(privs ...any) string {
	var b bytes.Buffer
	for _, p := range privs {
		der, err := x509.MarshalPKIXPublicKey(publicOf(p))
		if err != nil {
			panic(err)
		}
		pem.Encode(&b, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	return b.String()
}

// claimsFor returns a valid claim set of iss around testNow, changed by mods.
func claimsFor(iss string, mods ...func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss": iss,
		"sub": "user-1",
		"iat": testNow.Add(-time.Minute).Unix(),
		"exp": testNow.Add(10 * time.Minute).Unix(),
	}
	for _, m := range mods {
		m(c)
	}
	return c
}

// withClaim sets claim k to v; a nil v removes the claim.
func withClaim(k string, v any) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) {
		if v == nil {
			delete(c, k)
			return
		}
		c[k] = v
	}
}

// atOffset sets a time claim to testNow+d.
func atOffset(k string, d time.Duration) func(jwt.MapClaims) {
	return withClaim(k, testNow.Add(d).Unix())
}

// sign signs claims with alg and key, naming kid (none when ""), and adds
// the extra header fields.
func sign(t testing.TB, alg, kid string, key any, claims jwt.MapClaims, header map[string]any) string {
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

// rawToken builds a compact JWS from a raw header and claims and a given
// signature segment, for tokens no signer would produce.
func rawToken(header, claims map[string]any, sig string) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "." + sig
}

// keyServer is a key server for tests: it answers every path with body,
// status and Cache-Control as currently set, optionally after a delay, and
// counts the requests it receives.
type keyServer struct {
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

func newKeyServer(t testing.TB, body string) *keyServer {
	t.Helper()
	s := &keyServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *keyServer) serve(w http.ResponseWriter, r *http.Request) {
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
func (s *keyServer) set(f func(s *keyServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// hitsOn returns how often path was requested.
func (s *keyServer) hitsOn(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pathHits[path]
}

// eventually polls cond every 10ms until it holds or the deadline of
// several seconds passes; it waits for something to happen, it does not
// measure how long that took.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logSink is a concurrency-safe log buffer.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logSink) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// newGate builds a gate from cfg (fixed clock and a quiet logger unless
// set) and closes it when the test ends.
func newGate(t testing.TB, cfg Config) *Gate {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = fixedClock
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// bearerRequest is a GET request carrying tok in the Authorization header.
func bearerRequest(tok string) Request {
	r := httptest.NewRequest(http.MethodGet, "https://api.a.example/me", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return HTTPRequest(r)
}

// checkResult asserts a verification result: accepted when want is nil,
// otherwise refused with an *Error of exactly that kind whose message does
// not contain the token.
func checkResult(t *testing.T, via string, s *Session, err error, tok string, want error) {
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

package core

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// keyFunc is an Issuer.Keys whose set and version a test changes.
type keyFunc struct {
	version atomic.Uint64
	set     atomic.Pointer[string]
	calls   atomic.Int64
}

func (f *keyFunc) put(set string) {
	f.set.Store(&set)
	f.version.Add(1)
}

func (f *keyFunc) keys() (uint64, []byte) {
	f.calls.Add(1)
	return f.version.Load(), []byte(*f.set.Load())
}

func TestIssuerKeysFromAFunction(t *testing.T) {
	k := testKeys()
	fn := &keyFunc{}
	fn.put(jwkSet(jwkOf(k.ec256, "k1", "ES256", "sig")))
	g := newGate(t, Config{Issuers: []Issuer{{Name: "https://own.example", Keys: fn.keys}}})
	old := sign(t, "ES256", "k1", k.ec256, claimsFor("https://own.example"), nil)
	next := sign(t, "ES256", "k2", k.ec256new, claimsFor("https://own.example"), nil)

	s, err := g.Verify(old, SourceAuthorization)
	checkResult(t, "k1 in the set", s, err, old, nil)
	s, err = g.Verify(next, SourceAuthorization)
	checkResult(t, "k2 not yet in the set", s, err, next, ErrUnknownKey)

	fn.put(jwkSet(jwkOf(k.ec256, "k1", "ES256", "sig"), jwkOf(k.ec256new, "k2", "ES256", "sig")))
	s, err = g.Verify(next, SourceAuthorization)
	checkResult(t, "k2 published by a new version", s, err, next, nil)

	fn.put(jwkSet(jwkOf(k.ec256new, "k2", "ES256", "sig")))
	s, err = g.Verify(old, SourceAuthorization)
	checkResult(t, "k1 withdrawn: the cached verification is not reused", s, err, old, ErrUnknownKey)

	fn.put(`{"keys": [`)
	s, err = g.Verify(next, SourceAuthorization)
	checkResult(t, "a set that does not parse", s, err, next, ErrKeysUnavailable)
	fn.put(`{"keys": []}`)
	s, err = g.Verify(next, SourceAuthorization)
	checkResult(t, "an empty set", s, err, next, ErrKeysUnavailable)
}

func TestIssuerKeysParsesOncePerVersion(t *testing.T) {
	k := testKeys()
	fn := &keyFunc{}
	fn.put(jwkSet(jwkOf(k.ec256, "k1", "ES256", "sig")))
	g := newGate(t, Config{Issuers: []Issuer{{Name: "https://own.example", Keys: fn.keys}}, DisableTokenCache: true})
	tok := sign(t, "ES256", "k1", k.ec256, claimsFor("https://own.example"), nil)
	if _, err := g.Verify(tok, SourceAuthorization); err != nil {
		t.Fatal(err)
	}
	first := g.verifier.issuers["https://own.example"].fn.cur.Load()
	for range 3 {
		if _, err := g.Verify(tok, SourceAuthorization); err != nil {
			t.Fatal(err)
		}
	}
	if got := g.verifier.issuers["https://own.example"].fn.cur.Load(); got != first {
		t.Fatal("the same version was parsed again")
	}
	if fn.calls.Load() < 4 {
		t.Fatalf("the key function was called %d times for 4 verifications; want it asked every time", fn.calls.Load())
	}
}

func TestIssuerKeysConfig(t *testing.T) {
	fn := func() (uint64, []byte) { return 1, nil }
	for _, is := range []Issuer{
		{Name: "https://own.example", Keys: fn, JWKS: jwkSet(jwkOf(testKeys().ec256, "k1", "", ""))},
		{Name: "https://own.example", Keys: fn, JWKSURL: "https://own.example/jwks"},
		{Name: "https://own.example", Keys: fn, HMACSecret: testSecret},
	} {
		_, err := New(Config{Issuers: []Issuer{is}, Algorithms: []string{"ES256", "HS256"}, Logger: quietLogger})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "Issuers[0].Keys" {
			t.Errorf("Keys with another key source: New = %v, want a ConfigError naming Issuers[0].Keys", err)
		}
	}
}

func TestSessionIDIsTheSidClaim(t *testing.T) {
	k := testKeys()
	g := newGate(t, Config{Issuers: []Issuer{{Name: "https://a.example", JWKS: jwkSet(jwkOf(k.ec256, "k1", "", ""))}}})
	tok := sign(t, "ES256", "k1", k.ec256, claimsFor("https://a.example", withClaim("sid", "s-123")), nil)
	s, err := g.Verify(tok, SourceAuthorization)
	checkResult(t, "sid", s, err, tok, nil)
	if s.SessionID != "s-123" {
		t.Fatalf("SessionID = %q, want s-123", s.SessionID)
	}
	tok = sign(t, "ES256", "k1", k.ec256, claimsFor("https://a.example", withClaim("sid", 123)), nil)
	s, err = g.Verify(tok, SourceAuthorization)
	checkResult(t, "numeric sid", s, err, tok, ErrClaims)
}

// recordedRevocations revokes sid "gone" and records what it was asked.
type recordedRevocations struct {
	asked  atomic.Int64
	strict atomic.Bool
	ctx    atomic.Pointer[context.Context]
	err    error // answered for any other sid
}

func (r *recordedRevocations) Revoked(ctx context.Context, s *Session, strict bool) error {
	r.asked.Add(1)
	r.strict.Store(strict)
	r.ctx.Store(&ctx)
	if s.SessionID == "gone" {
		return errWrap(ErrSessionRevoked)
	}
	return r.err
}

// errWrap hides err behind one more layer, as a list's own error would.
func errWrap(err error) error { return &wrapped{err} }

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "list: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func TestRevocationsAreAskedOnEveryCheck(t *testing.T) {
	k := testKeys()
	list := &recordedRevocations{}
	g := newGate(t, Config{
		Issuers:     []Issuer{{Name: "https://a.example", JWKS: jwkSet(jwkOf(k.ec256, "k1", "", ""))}},
		Revocations: list,
	})
	live := sign(t, "ES256", "k1", k.ec256, claimsFor("https://a.example", withClaim("sid", "live")), nil)
	gone := sign(t, "ES256", "k1", k.ec256, claimsFor("https://a.example", withClaim("sid", "gone")), nil)

	type ctxKey struct{}
	ctx := context.WithValue(context.Background(), ctxKey{}, "request")
	for i := range 2 { // the second is a token-cache hit
		d := g.Check(bearerRequest(live), CheckOptions{Strict: true, Context: ctx})
		if d.Err != nil || d.Session == nil {
			t.Fatalf("check %d: live session refused: %v", i, d.Err)
		}
	}
	if list.asked.Load() != 2 || !list.strict.Load() || (*list.ctx.Load()).Value(ctxKey{}) != "request" {
		t.Fatalf("asked %d times (strict %v); want 2, strict, with the request's context", list.asked.Load(), list.strict.Load())
	}
	for i := range 2 {
		d := g.Check(bearerRequest(gone), CheckOptions{})
		if !errors.Is(d.Err, ErrSessionRevoked) || d.Session != nil {
			t.Fatalf("check %d of a revoked session: %v, want ErrSessionRevoked", i, d.Err)
		}
		if r := ErrorResponse(d.Err); r.Status != http.StatusUnauthorized {
			t.Fatalf("revoked: status %d, want 401", r.Status)
		}
	}
	if list.strict.Load() {
		t.Fatal("a check without Strict asked strictly")
	}
	if _, err := g.Verify(gone, SourceAuthorization); !errors.Is(err, ErrSessionRevoked) {
		t.Fatalf("Verify of a revoked session: %v, want ErrSessionRevoked", err)
	}
	list.err = errors.New("feed stale")
	d := g.Check(bearerRequest(live), CheckOptions{})
	if !errors.Is(d.Err, ErrRevocationsUnavailable) || ErrorResponse(d.Err).Status != http.StatusServiceUnavailable {
		t.Fatalf("a list that cannot tell: %v, want ErrRevocationsUnavailable (503)", d.Err)
	}
	if _, err := g.Verify(live, SourceAuthorization); !errors.Is(err, ErrRevocationsUnavailable) {
		t.Fatalf("Verify with a list that cannot tell: %v, want ErrRevocationsUnavailable", err)
	}
}

func TestCrossSiteIsTheGatesRule(t *testing.T) {
	g := newGate(t, Config{
		Issuers:        []Issuer{{Name: "https://a.example", HMACSecret: testSecret}},
		Algorithms:     []string{"HS256"},
		CookieDomain:   "example.com",
		WebsiteOrigins: []string{"https://www.example.com"},
	})
	for _, tc := range []struct {
		name, method, origin string
		refused              bool
	}{
		{"POST from an untrusted site", http.MethodPost, "https://evil.example", true},
		{"POST from a trusted website", http.MethodPost, "https://www.example.com", false},
		{"POST from the same origin", http.MethodPost, "https://api.example.com", false},
		{"GET from an untrusted site", http.MethodGet, "https://evil.example", false},
	} {
		r := httptest.NewRequest(tc.method, "https://api.example.com/auth/refresh", nil)
		r.Header.Set("Origin", tc.origin)
		err := g.CrossSite(HTTPRequest(r))
		if got := err != nil; got != tc.refused {
			t.Errorf("%s: CrossSite = %v, want refused %v", tc.name, err, tc.refused)
		}
		if err != nil && (!errors.Is(err, ErrCrossSite) || ErrorResponse(err).Status != http.StatusForbidden) {
			t.Errorf("%s: %v, want ErrCrossSite (403)", tc.name, err)
		}
	}
}

func TestHTTPRequestPath(t *testing.T) {
	for _, tc := range []struct{ target, want string }{
		{"/auth/refresh", "/auth/refresh"},
		{"/a%20b/c?x=1", "/a%20b/c"},
		{"http://api.example.test/p/q?x=1", "/p/q"},
		{"/", "/"},
	} {
		r := httptest.NewRequest(http.MethodGet, tc.target, nil)
		if got := HTTPRequest(r).Path(); got != tc.want {
			t.Errorf("%s: Path() = %q, want %q", tc.target, got, tc.want)
		}
	}
}

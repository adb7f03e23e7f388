package core

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/golang-jwt/jwt/v5"
)

// countingMethod is a signing method that counts its signature checks, so
// a test can tell a cache hit (none) from a verification.
type countingMethod struct {
	jwt.SigningMethod
	n *atomic.Int64
}

func (m countingMethod) Verify(input string, sig []byte, key any) error {
	m.n.Add(1)
	return m.SigningMethod.Verify(input, sig, key)
}

// countSignatures makes g count the signature checks it makes.
func countSignatures(g *Gate) *atomic.Int64 {
	n := &atomic.Int64{}
	for alg, m := range g.verifier.methods {
		g.verifier.methods[alg] = countingMethod{m, n}
	}
	return n
}

// cacheGate is a gate of issuer A's static ES256 key on clock, with cfg's
// other fields, counting its signature checks.
func cacheGate(t *testing.T, clock *fakeClock, cfg Config) (*Gate, *atomic.Int64) {
	t.Helper()
	if cfg.Issuers == nil {
		cfg.Issuers = []Issuer{{Name: issA, PublicKeyPEM: pemOf(testKeys().ec256)}}
	}
	cfg.Clock = clock.Now
	g := newGate(t, cfg)
	return g, countSignatures(g)
}

// validToken is a token of issuer A valid around testNow, changed by mods.
func validToken(t *testing.T, mods ...func(jwt.MapClaims)) string {
	t.Helper()
	return sign(t, "ES256", "", testKeys().ec256, claimsFor(issA, mods...), nil)
}

// wantSignatures fails unless n signature checks were made so far.
func wantSignatures(t *testing.T, got *atomic.Int64, want int64, when string) {
	t.Helper()
	if n := got.Load(); n != want {
		t.Fatalf("%s: %d signature checks, want %d", when, n, want)
	}
}

func TestTokenCacheHitSkipsTheSignatureOnly(t *testing.T) {
	clock := newFakeClock()
	g, sigs := cacheGate(t, clock, Config{CookieNames: []string{"sid", "sid_old"}})
	tok := validToken(t, withClaim("aud", []string{"api"}))

	s1, err := g.Verify(tok, SourceAuthorization)
	checkResult(t, "first", s1, err, tok, nil)
	wantSignatures(t, sigs, 1, "first request")

	// The caller owns what it got: changing it changes no later answer.
	s1.Subject, s1.Audience[0], s1.CookieName = "mallory", "evil", "x"

	r := httptest.NewRequest(http.MethodGet, "https://api.a.example/", nil)
	r.Header.Set("Cookie", "sid_old="+tok)
	d := g.Check(HTTPRequest(r), CheckOptions{})
	if d.Err != nil {
		t.Fatalf("cookie hit: %v", d.Err)
	}
	s2 := d.Session
	wantSignatures(t, sigs, 1, "the same token in a cookie")
	if s2 == s1 || s2.Source != SourceCookie || s2.CookieName != "sid_old" || s2.Subject != "user-1" || s2.Audience[0] != "api" {
		t.Fatalf("hit: session %p (first %p), source %q, cookie %q, subject %q, aud %q; want a fresh session of the cookie",
			s2, s1, s2.Source, s2.CookieName, s2.Subject, s2.Audience)
	}
	s3, err := g.Verify(tok, SourceQuery)
	checkResult(t, "third", s3, err, tok, nil)
	if s3.Source != SourceQuery || s3.CookieName != "" || string(s3.Token) != tok || s3.Claims()["sub"] != "user-1" {
		t.Fatalf("hit: source %q, cookie %q, claims %v; want the query's, no cookie name, the token's claims", s3.Source, s3.CookieName, s3.Claims())
	}
	wantSignatures(t, sigs, 1, "a third request")
}

// TestTokenCacheDecidesTheClockOnEveryHit: a hit answers what verifying the
// token again would answer at that moment.
func TestTokenCacheDecidesTheClockOnEveryHit(t *testing.T) {
	rows := []struct {
		name    string
		claims  []func(jwt.MapClaims)
		leeway  time.Duration
		advance time.Duration
		before  error // at testNow
		after   error // after advance
	}{
		{name: "exp passes between two hits: the second is ErrExpired",
			claims: []func(jwt.MapClaims){atOffset("exp", time.Minute)}, advance: time.Minute, after: ErrExpired},
		{name: "exp passes, within the leeway: still accepted",
			claims: []func(jwt.MapClaims){atOffset("exp", time.Minute)}, leeway: 30 * time.Second, advance: 80 * time.Second},
		{name: "exp passes beyond the leeway: ErrExpired",
			claims: []func(jwt.MapClaims){atOffset("exp", time.Minute)}, leeway: 30 * time.Second, advance: 90 * time.Second, after: ErrExpired},
		{name: "nbf in the future, then reached: refused, then accepted",
			claims: []func(jwt.MapClaims){atOffset("nbf", time.Minute)}, advance: time.Minute, before: ErrNotYetValid},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			clock := newFakeClock()
			g, _ := cacheGate(t, clock, Config{Leeway: row.leeway})
			tok := validToken(t, row.claims...)
			for i := range 2 { // twice: the second answer may come from the cache
				s, err := g.Verify(tok, SourceAuthorization)
				checkResult(t, fmt.Sprintf("before, request %d", i+1), s, err, tok, row.before)
			}
			clock.Advance(row.advance)
			for i := range 2 {
				s, err := g.Verify(tok, SourceAuthorization)
				checkResult(t, fmt.Sprintf("after, request %d", i+1), s, err, tok, row.after)
			}
		})
	}
}

func TestTokenCacheRunsValidateClaimsOnEveryHit(t *testing.T) {
	var refuse atomic.Bool
	var calls atomic.Int64
	errRevoked := errors.New("revoked")
	g, sigs := cacheGate(t, newFakeClock(), Config{ValidateClaims: func(s *Session) error {
		calls.Add(1)
		if refuse.Load() {
			return errRevoked
		}
		return nil
	}})
	tok := validToken(t)
	for i, want := range []bool{false, false, true, true, false} {
		refuse.Store(want)
		s, err := g.Verify(tok, SourceAuthorization)
		if want {
			checkResult(t, fmt.Sprintf("request %d", i+1), s, err, tok, ErrClaims)
			if !errors.Is(err, errRevoked) {
				t.Fatalf("request %d: %v does not wrap the hook's error", i+1, err)
			}
			continue
		}
		checkResult(t, fmt.Sprintf("request %d", i+1), s, err, tok, nil)
	}
	if calls.Load() != 5 {
		t.Fatalf("ValidateClaims ran %d times for 5 requests", calls.Load())
	}
	wantSignatures(t, sigs, 1, "5 requests")
}

// TestTokenCacheFollowsTheKeys: an entry is used only while its issuer's
// keys are those it was verified with.
func TestTokenCacheFollowsTheKeys(t *testing.T) {
	k := testKeys()
	oldKey := jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"))
	both := jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"), jwkOf(k.ec256new, "ec-2", "ES256", "sig"))
	onlyNew := jwkSet(jwkOf(k.ec256new, "ec-2", "ES256", "sig"))

	t.Run("rotation that drops the key: the cached token is refused after the refresh", func(t *testing.T) {
		srv := newKeyServer(t, oldKey)
		g, _ := cacheGate(t, newFakeClock(), Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}})
		old := tokenWithKid(t, "ec-1", k.ec256)
		for range 2 {
			if err := verifyVia(g, old); err != nil {
				t.Fatalf("before the rotation: %v", err)
			}
		}
		srv.set(func(s *keyServer) { s.body = onlyNew })
		// A token of the new key is unknown: it fetches the new set.
		if err := verifyVia(g, tokenWithKid(t, "ec-2", k.ec256new)); err != nil {
			t.Fatalf("token of the new key: %v", err)
		}
		if err := verifyVia(g, old); !isKind(err, ErrUnknownKey) {
			t.Fatalf("cached token of the dropped key: %v, want ErrUnknownKey", err)
		}
	})

	t.Run("a refresh that brings the same keys keeps the cache; other keys empty it", func(t *testing.T) {
		srv := newKeyServer(t, oldKey)
		g, sigs := cacheGate(t, newFakeClock(), Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}})
		c := g.caches[0]
		tok := tokenWithKid(t, "ec-1", k.ec256)
		verifyVia(g, tok)
		if err := c.fetchAndStore(JWKSScheduled); err != nil {
			t.Fatal(err)
		}
		if err := verifyVia(g, tok); err != nil {
			t.Fatal(err)
		}
		wantSignatures(t, sigs, 1, "after a refresh with the same keys")
		srv.set(func(s *keyServer) { s.body = both })
		if err := c.fetchAndStore(JWKSScheduled); err != nil {
			t.Fatal(err)
		}
		if err := verifyVia(g, tok); err != nil {
			t.Fatalf("key still published: %v", err)
		}
		wantSignatures(t, sigs, 2, "after a refresh that added a key")
	})
}

func TestTokenCacheNeverStoresARefusal(t *testing.T) {
	k := testKeys()
	g, sigs := cacheGate(t, newFakeClock(), Config{})
	good := validToken(t)
	forged := sign(t, "ES256", "", k.attacker, claimsFor(issA), nil)
	for i := range 3 {
		s, err := g.Verify(forged, SourceAuthorization)
		checkResult(t, fmt.Sprintf("forged, request %d", i+1), s, err, forged, ErrSignature)
	}
	wantSignatures(t, sigs, 3, "three forged requests")
	if n := g.verifier.cache.len(); n != 0 {
		t.Fatalf("%d cached tokens after forgeries only", n)
	}
	s, err := g.Verify(good, SourceAuthorization)
	checkResult(t, "good token after forgeries", s, err, good, nil)

	// A token refused once (its key not yet published, the fetch limited)
	// is accepted once the key arrives: there is no negative cache.
	srv := newKeyServer(t, jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig")))
	g2 := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, JWKS: JWKSOptions{UnknownKeyBurst: 1}})
	verifyVia(g2, tokenWithKid(t, "other", k.attacker)) // spends the burst
	early := tokenWithKid(t, "ec-2", k.ec256new)
	if err := verifyVia(g2, early); !isKind(err, ErrUnknownKey) {
		t.Fatalf("before its key is published: %v, want ErrUnknownKey", err)
	}
	srv.set(func(s *keyServer) {
		s.body = jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"), jwkOf(k.ec256new, "ec-2", "ES256", "sig"))
	})
	if err := g2.caches[0].fetchAndStore(JWKSScheduled); err != nil {
		t.Fatal(err)
	}
	if err := verifyVia(g2, early); err != nil {
		t.Fatalf("after its key is published: %v, want accepted", err)
	}
}

func TestTokenCacheMaxAgeAndDisable(t *testing.T) {
	rows := []struct {
		name    string
		cfg     Config
		advance time.Duration
		want    int64 // signature checks for two requests
	}{
		{name: "within TokenCacheMaxAge: one signature check", cfg: Config{TokenCacheMaxAge: time.Minute}, advance: 59 * time.Second, want: 1},
		{name: "TokenCacheMaxAge passed: verified again", cfg: Config{TokenCacheMaxAge: time.Minute}, advance: time.Minute, want: 2},
		{name: "default max age is 5m", advance: 5 * time.Minute, want: 2},
		{name: "DisableTokenCache: every request is verified", cfg: Config{DisableTokenCache: true}, want: 2},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			clock := newFakeClock()
			g, sigs := cacheGate(t, clock, row.cfg)
			tok := validToken(t, atOffset("exp", time.Hour))
			for range 2 {
				if err := verifyVia(g, tok); err != nil {
					t.Fatal(err)
				}
				clock.Advance(row.advance)
			}
			wantSignatures(t, sigs, row.want, "two requests")
		})
	}
}

func TestTokenCacheConfig(t *testing.T) {
	base := func() Config { return Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(testKeys().ec256)}}} }
	rows := []struct {
		name         string
		change       func(*Config)
		field, value string
	}{
		{"negative TokenCacheSize: refused", func(c *Config) { c.TokenCacheSize = -1 }, "TokenCacheSize", "-1"},
		{"negative TokenCacheMaxAge: refused", func(c *Config) { c.TokenCacheMaxAge = -time.Second }, "TokenCacheMaxAge", "-1s"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			cfg := base()
			row.change(&cfg)
			_, err := New(cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != row.field || ce.Value != row.value {
				t.Fatalf("New: %v; want a ConfigError naming %s %q", err, row.field, row.value)
			}
		})
	}
	g := newGate(t, base())
	if g.cfg.TokenCacheSize != 10_000 || g.cfg.TokenCacheMaxAge != 5*time.Minute || g.verifier.cache == nil {
		t.Fatalf("defaults: size %d, max age %v, cache %v", g.cfg.TokenCacheSize, g.cfg.TokenCacheMaxAge, g.verifier.cache != nil)
	}
}

// TestTokenCacheBounded: 100,000 distinct valid tokens never grow the cache
// past its size (HS256, so that minting them is quick).
func TestTokenCacheBounded(t *testing.T) {
	const size, tokens = 1000, 100_000
	g, _ := cacheGate(t, newFakeClock(), Config{
		Issuers:        []Issuer{{Name: issH, HMACSecret: testSecret}},
		Algorithms:     []string{"HS256"},
		TokenCacheSize: size,
	})
	most := 0
	for i := range tokens {
		tok := sign(t, "HS256", "", testSecret, claimsFor(issH, withClaim("jti", fmt.Sprint(i))), nil)
		if err := verifyVia(g, tok); err != nil {
			t.Fatal(err)
		}
		most = max(most, g.verifier.cache.len())
	}
	if most > size || most < size/2 {
		t.Fatalf("at most %d cached tokens, want between %d and %d", most, size/2, size)
	}
}

// TestTokenCacheConcurrentHits: many goroutines share tokens and change the
// sessions they get (run with -race).
func TestTokenCacheConcurrentHits(t *testing.T) {
	g, _ := cacheGate(t, newFakeClock(), Config{})
	toks := make([]string, 4)
	for i := range toks {
		toks[i] = validToken(t, withClaim("sub", fmt.Sprint("user-", i)), withClaim("aud", "api"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				n := (w + i) % len(toks)
				s, err := g.Verify(toks[n], SourceAuthorization)
				if err != nil || s.Subject != fmt.Sprint("user-", n) || s.Audience[0] != "api" {
					errs <- fmt.Errorf("token %d: %v, subject %v", n, err, s)
					return
				}
				s.Subject, s.Audience[0] = "changed", "changed"
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestTokenCacheDuplicateCookiesRepeat: two same-name cookies on a repeat
// request cost no signature check at all.
func TestTokenCacheDuplicateCookiesRepeat(t *testing.T) {
	g, sigs := cacheGate(t, newFakeClock(), Config{
		CookieNames: []string{"sid"}, CookieDomain: "a.example", OlderCookieDomain: "api.a.example",
	})
	newer := validToken(t, atOffset("iat", -time.Minute))
	older := validToken(t, atOffset("iat", -time.Hour))
	r := httptest.NewRequest(http.MethodGet, "https://api.a.example/", nil)
	r.Header.Set("Cookie", "sid="+older+"; sid="+newer)
	var first Decision
	for i := range 3 {
		d := g.Check(HTTPRequest(r), CheckOptions{})
		if d.Err != nil || string(d.Session.Token) != newer || len(d.SetCookies) != 1 {
			t.Fatalf("request %d: %v, newest chosen %v, %d Set-Cookie lines", i+1, d.Err, d.Session != nil && string(d.Session.Token) == newer, len(d.SetCookies))
		}
		if i == 0 {
			first = d
			wantSignatures(t, sigs, 2, "first request")
			continue
		}
		if d.SetCookies[0] != first.SetCookies[0] || d.Session.CookieName != "sid" {
			t.Fatalf("request %d answers otherwise than the first", i+1)
		}
	}
	wantSignatures(t, sigs, 2, "two repeat requests")
}

// scratchRequest is a Request whose strings live in one buffer that the
// test overwrites once Check returns, as fasthttp reuses its buffers after
// the handler: whatever core kept must be its own copy.
type scratchRequest struct {
	buf    []byte
	header map[string][2]int // name -> the value's bounds in buf
}

func newScratchRequest(headers map[string]string) *scratchRequest {
	r := &scratchRequest{header: map[string][2]int{}}
	for name, v := range headers {
		r.header[name] = [2]int{len(r.buf), len(r.buf) + len(v)}
		r.buf = append(r.buf, v...)
	}
	return r
}

func (r *scratchRequest) str(b [2]int) string {
	return unsafe.String(&r.buf[b[0]], b[1]-b[0])
}

func (r *scratchRequest) Method() string { return http.MethodGet }
func (r *scratchRequest) Host() string   { return "api.a.example" }
func (r *scratchRequest) Path() string   { return "/me" }
func (r *scratchRequest) Query(string) string {
	return ""
}
func (r *scratchRequest) Header(name string) []string {
	if b, ok := r.header[name]; ok {
		return []string{r.str(b)}
	}
	return nil
}

// scribble overwrites every byte the request's strings point to.
func (r *scratchRequest) scribble() {
	for i := range r.buf {
		r.buf[i] = 'x'
	}
}

// TestCheckKeepsNoRequestString: a session (and the cache entry behind it)
// owns its token; the request's buffers may be reused once Check returns.
func TestCheckKeepsNoRequestString(t *testing.T) {
	for _, cfg := range []Config{{CookieNames: []string{"sid"}}, {CookieNames: []string{"sid"}, DisableTokenCache: true}} {
		for _, h := range []string{"Authorization", "Cookie"} {
			t.Run(fmt.Sprintf("%s, cache off %v", h, cfg.DisableTokenCache), func(t *testing.T) {
				g, _ := cacheGate(t, newFakeClock(), cfg)
				tok := validToken(t)
				val := map[string]string{"Authorization": "Bearer " + tok, "Cookie": "a=b; sid=" + tok}[h]
				var kept []*Session
				for range 2 { // a miss, then (cache on) a hit
					r := newScratchRequest(map[string]string{h: val})
					d := g.Check(r, CheckOptions{})
					if d.Err != nil {
						t.Fatal(d.Err)
					}
					r.scribble()
					kept = append(kept, d.Session)
				}
				for i, s := range kept {
					if string(s.Token) != tok || s.Claims()["sub"] != "user-1" {
						t.Fatalf("session %d: its token changed with the request's buffer", i+1)
					}
				}
			})
		}
	}
}

package core

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// oneKeyJWKS is the JWKS every cache test starts from: ec-1 (ES256).
func oneKeyJWKS() string { return jwkSet(jwkOf(testKeys().ec256, "ec-1", "ES256", "sig")) }

// tokenWithKid signs a token of issuer A that stays valid for an hour after testNow
// (so tests may advance their clock), naming kid.
func tokenWithKid(t testing.TB, kid string, key any) string {
	t.Helper()
	return sign(t, "ES256", kid, key, claimsFor(issA, atOffset("exp", time.Hour)), nil)
}

func verifyVia(g *Gate, tok string) error {
	_, err := g.Verify(tok, SourceAuthorization)
	return err
}

// isKind reports whether err is exactly of kind want (nil: accepted).
func isKind(err, want error) bool {
	if want == nil {
		return err == nil
	}
	var e *Error
	return errors.As(err, &e) && e.Kind == want
}

func TestJWKSUnknownKidConcurrentRequestsShareOneFetch(t *testing.T) {
	const n = 1000
	k := testKeys()
	rows := []struct {
		name      string
		published bool // the refreshed JWKS holds the new kid
		want      error
	}{
		{"new kid published by rotation: 1,000 concurrent requests cause exactly one fetch and all verify", true, nil},
		{"kid in no JWKS: 1,000 concurrent requests cause exactly one fetch and all get ErrUnknownKey", false, ErrUnknownKey},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			srv := newKeyServer(t, oneKeyJWKS())
			g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}})
			if got := srv.hits.Load(); got != 1 {
				t.Fatalf("fetches by New: %d, want 1", got)
			}
			srv.set(func(s *keyServer) {
				s.delay = 100 * time.Millisecond // a slow key server: the requests pile onto one fetch
				if row.published {
					s.body = jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"), jwkOf(k.ec256new, "ec-2", "ES256", "sig"))
				}
			})
			tok := tokenWithKid(t, "ec-2", k.ec256new)

			start := make(chan struct{})
			var ready, done sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				ready.Add(1)
				done.Add(1)
				go func() {
					defer done.Done()
					ready.Done()
					<-start
					errs[i] = verifyVia(g, tok)
				}()
			}
			ready.Wait() // every goroutine exists and waits at the barrier
			close(start)
			done.Wait()

			if got := srv.hits.Load() - 1; got != 1 {
				t.Errorf("JWKS fetches caused by %d concurrent requests: %d, want exactly 1", n, got)
			}
			wrong := map[string]int{}
			for _, err := range errs {
				if !isKind(err, row.want) {
					wrong[fmt.Sprint(err)]++
				}
			}
			if len(wrong) > 0 {
				t.Errorf("requests with an unexpected result (want %v): %v", row.want, wrong)
			}

			// One more request within the cooldown fetches nothing: the kid
			// is either known now or remembered as unknown.
			if err := verifyVia(g, tok); !isKind(err, row.want) {
				t.Errorf("a further request: %v, want %v", err, row.want)
			}
			if got := srv.hits.Load() - 1; got != 1 {
				t.Errorf("fetches after a further request: %d, want still 1", got)
			}
		})
	}
}

func TestJWKSUnknownKidCooldown(t *testing.T) {
	k := testKeys()
	type step struct {
		name    string
		advance time.Duration      // clock advance before the request
		change  func(s *keyServer) // key server change before the request
		kid     string             // kid the token names
		key     any                // key that signs it
		want    error              // nil: accepted
		fetches int64              // fetches since New, after the request
	}
	publishEC2 := func(s *keyServer) {
		s.body = jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"), jwkOf(k.ec256new, "ec-2", "ES256", "sig"))
	}
	scenarios := []struct {
		name  string
		steps []step
	}{
		{
			name: "with a burst of 1, unknown kids are rate limited to one fetch per UnknownKeyCooldown and remembered until the next fetch",
			steps: []step{
				{name: "first unknown kid fetches at once", kid: "x-1", key: k.attacker, want: ErrUnknownKey, fetches: 1},
				{name: "a second unknown kid 10s later, within the cooldown: no fetch", advance: 10 * time.Second, kid: "y-1", key: k.attacker, want: ErrUnknownKey, fetches: 1},
				{name: "the first kid again: no fetch", advance: 5 * time.Second, kid: "x-1", key: k.attacker, want: ErrUnknownKey, fetches: 1},
				{name: "a new unknown kid 31s after the fetch, past the cooldown: exactly one fetch", advance: 16 * time.Second, kid: "z-1", key: k.attacker, want: ErrUnknownKey, fetches: 2},
				{name: "the same kid right after: no fetch", kid: "z-1", key: k.attacker, want: ErrUnknownKey, fetches: 2},
				{name: "that kid again after another cooldown: no fetch, it is remembered as unknown until the next fetch", advance: 31 * time.Second, kid: "z-1", key: k.attacker, want: ErrUnknownKey, fetches: 2},
				{name: "the known key verifies throughout, without a fetch", kid: "ec-1", key: k.ec256, fetches: 2},
			},
		},
		{
			name: "with a burst of 1, key rotation: a kid refused during the cooldown is fetched once the cooldown is over",
			steps: []step{
				{name: "an unknown kid fetches at once", kid: "x-1", key: k.attacker, want: ErrUnknownKey, fetches: 1},
				{name: "the issuer publishes ec-2; a token naming it 10s later, within the cooldown: no fetch", advance: 10 * time.Second, change: publishEC2, kid: "ec-2", key: k.ec256new, want: ErrUnknownKey, fetches: 1},
				{name: "ec-2 again 31s after the last fetch, past the cooldown: exactly one fetch and it verifies", advance: 21 * time.Second, kid: "ec-2", key: k.ec256new, fetches: 2},
				{name: "ec-2 again: verifies without a fetch", kid: "ec-2", key: k.ec256new, fetches: 2},
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			clock := newFakeClock()
			srv := newKeyServer(t, oneKeyJWKS())
			g := newGate(t, Config{
				Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}},
				Clock:   clock.Now,
				// A burst of 1 is the plain cooldown these steps pin; the
				// default burst is TestJWKSUnknownKidFloodAndRotation's.
				JWKS: JWKSOptions{UnknownKeyCooldown: 30 * time.Second, UnknownKeyBurst: 1},
			})
			for i, st := range sc.steps {
				clock.Advance(st.advance)
				if st.change != nil {
					srv.set(st.change)
				}
				err := verifyVia(g, tokenWithKid(t, st.kid, st.key))
				if !isKind(err, st.want) {
					t.Errorf("step %d (%s): %v, want %v", i+1, st.name, err, st.want)
				}
				if got := srv.hits.Load() - 1; got != st.fetches {
					t.Errorf("step %d (%s): %d fetches since New, want %d", i+1, st.name, got, st.fetches)
				}
			}
		})
	}
}

// keyServerFailure is a way for the key server to fail after keys were cached.
type keyServerFailure struct {
	name  string
	opts  JWKSOptions
	apply func(s *keyServer)
}

func keyServerFailures() []keyServerFailure {
	padded := `{"keys":[],"pad":"` + strings.Repeat("x", 8192) + `"}`
	return []keyServerFailure{
		{name: "answers 500", apply: func(s *keyServer) { s.set(func(s *keyServer) { s.status = 500; s.body = "oops" }) }},
		{name: "answers 404", apply: func(s *keyServer) { s.set(func(s *keyServer) { s.status = 404 }) }},
		{name: "is gone (connection refused)", apply: func(s *keyServer) { s.Close() }},
		{name: "hangs past JWKS.Timeout", opts: JWKSOptions{Timeout: 200 * time.Millisecond},
			apply: func(s *keyServer) { s.set(func(s *keyServer) { s.delay = time.Minute }) }},
		{name: "answers something that is not JSON", apply: func(s *keyServer) { s.set(func(s *keyServer) { s.body = "<html>maintenance</html>" }) }},
		// A key set without usable keys is not a failure but a withdrawal:
		// TestJWKSNoUsableKeyWithdrawsCachedKeys.
		{name: "answers more than MaxResponseBytes", opts: JWKSOptions{MaxResponseBytes: 4096},
			apply: func(s *keyServer) { s.set(func(s *keyServer) { s.body = padded }) }},
	}
}

func TestJWKSKeepsCachedKeysWhenServerGoesDown(t *testing.T) {
	k := testKeys()
	known := tokenWithKid(t, "ec-1", k.ec256)
	for _, f := range keyServerFailures() {
		modes := []struct {
			name    string
			refresh JWKSOptions
			force   func(t *testing.T, g *Gate, logs *logSink)
		}{
			{
				name: "refresh forced by an unknown kid",
				force: func(t *testing.T, g *Gate, logs *logSink) {
					// The kid could not be checked: 503 and retry, not a 401
					// that makes a client drop a session that may be valid
					// (TestJWKSNewKidDuringKeyServerOutage).
					if err := verifyVia(g, tokenWithKid(t, "x-1", k.attacker)); !isKind(err, ErrKeysUnavailable) {
						t.Errorf("unknown kid while the server is down: %v, want ErrKeysUnavailable", err)
					}
					if !strings.Contains(logs.String(), "fetching JWKS failed") {
						t.Errorf("the failed fetch was not logged; log:\n%s", logs)
					}
				},
			},
			{
				name:    "background refresh with a short RefreshInterval",
				refresh: JWKSOptions{RefreshInterval: 20 * time.Millisecond},
				force: func(t *testing.T, g *Gate, logs *logSink) {
					eventually(t, "two failed background refreshes", func() bool {
						return strings.Count(logs.String(), "fetching JWKS failed") >= 2
					})
				},
			},
		}
		for _, m := range modes {
			t.Run("key server "+f.name+", "+m.name+": cached key keeps verifying", func(t *testing.T) {
				srv := newKeyServer(t, oneKeyJWKS())
				logs := &logSink{}
				opts := f.opts
				opts.RefreshInterval = m.refresh.RefreshInterval
				g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, JWKS: opts, Logger: logs.logger()})
				if err := verifyVia(g, known); err != nil {
					t.Fatalf("before the failure: %v", err)
				}
				f.apply(srv)
				m.force(t, g, logs)
				if err := verifyVia(g, known); err != nil {
					t.Errorf("cached key after the failed refresh: %v, want accepted", err)
				}
				d := g.Check(bearerRequest(known), CheckOptions{})
				if d.Err != nil || d.Session == nil {
					t.Errorf("Check after the failed refresh: %v", d.Err)
				}
				if strings.Contains(logs.String(), known) {
					t.Error("a log line contains the token")
				}
			})
		}
	}
}

func TestJWKSKeyRemovedStopsVerifying(t *testing.T) {
	k := testKeys()
	both := jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"), jwkOf(k.ec256new, "ec-2", "ES256", "sig"))
	onlyNew := jwkSet(jwkOf(k.ec256new, "ec-2", "ES256", "sig"))
	rows := []struct {
		name    string
		opts    JWKSOptions
		refresh func(t *testing.T, g *Gate, srv *keyServer)
	}{
		{
			name: "after a fetch forced by an unknown kid",
			refresh: func(t *testing.T, g *Gate, srv *keyServer) {
				verifyVia(g, tokenWithKid(t, "x-1", k.attacker))
				if got := srv.hits.Load(); got != 2 {
					t.Fatalf("fetches: %d, want 2", got)
				}
			},
		},
		{
			name: "after a background refresh",
			opts: JWKSOptions{RefreshInterval: 20 * time.Millisecond},
			refresh: func(t *testing.T, g *Gate, srv *keyServer) {
				before := srv.hits.Load()
				// Two further fetches started: the first has completed.
				eventually(t, "two background refreshes", func() bool { return srv.hits.Load() >= before+2 })
			},
		},
	}
	for _, row := range rows {
		t.Run("a key that disappears from the JWKS stops verifying "+row.name, func(t *testing.T) {
			srv := newKeyServer(t, both)
			g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, JWKS: row.opts})
			old, kept := tokenWithKid(t, "ec-1", k.ec256), tokenWithKid(t, "ec-2", k.ec256new)
			for _, tok := range []string{old, kept} {
				if err := verifyVia(g, tok); err != nil {
					t.Fatalf("before the removal: %v", err)
				}
			}
			srv.set(func(s *keyServer) { s.body = onlyNew })
			row.refresh(t, g, srv)
			if err := verifyVia(g, old); !isKind(err, ErrUnknownKey) {
				t.Errorf("removed key: %v, want ErrUnknownKey", err)
			}
			if err := verifyVia(g, kept); err != nil {
				t.Errorf("key still published: %v, want accepted", err)
			}
		})
	}
}

func TestJWKSMaxAgeParsing(t *testing.T) {
	c := newJWKSCache(issA, "https://a.example/jwks", false,
		JWKSOptions{MinRefreshInterval: time.Minute, MaxRefreshInterval: time.Hour}, fixedClock, quietLogger)
	defer c.close()
	rows := []struct {
		name string
		cc   string
		want time.Duration
	}{
		{"no Cache-Control: 0 (RefreshInterval applies)", "", 0},
		{"max-age within bounds is used", "max-age=300", 5 * time.Minute},
		{"max-age among other directives", "public, max-age=300, must-revalidate", 5 * time.Minute},
		{"directive name is case-insensitive", "Max-Age=300", 5 * time.Minute},
		{"quoted value", `max-age="300"`, 5 * time.Minute},
		{"max-age=0 is raised to MinRefreshInterval", "max-age=0", time.Minute},
		{"max-age below the minimum is raised to MinRefreshInterval", "max-age=5", time.Minute},
		{"max-age exactly the minimum", "max-age=60", time.Minute},
		{"max-age exactly the maximum", "max-age=3600", time.Hour},
		{"max-age above the maximum is lowered to MaxRefreshInterval", "max-age=86400", time.Hour},
		{"max-age of many years is lowered to MaxRefreshInterval", "max-age=9999999999", time.Hour},
		{"delta-seconds beyond int64 count as very large (RFC 9111 1.2.2): MaxRefreshInterval", "max-age=99999999999999999999", time.Hour},
		{"negative max-age is unusable: 0", "max-age=-1", 0},
		{"non-numeric max-age is unusable: 0", "max-age=soon", 0},
		{"s-maxage is not max-age: 0", "s-maxage=300", 0},
		{"no-store without max-age: 0", "no-store", 0},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if got := c.maxAge(row.cc); got != row.want {
				t.Errorf("maxAge(%q) = %v, want %v", row.cc, got, row.want)
			}
		})
	}
}

func TestJWKSMaxAgeSchedulesRefresh(t *testing.T) {
	rows := []struct {
		name string
		cc   string
		opts JWKSOptions
		want time.Duration
	}{
		{"no Cache-Control: next refresh after RefreshInterval", "", JWKSOptions{}, 10 * time.Minute},
		{"max-age=300: next refresh after 5m", "max-age=300", JWKSOptions{}, 5 * time.Minute},
		{"max-age=1 with MinRefreshInterval 1m: next refresh after 1m", "max-age=1", JWKSOptions{}, time.Minute},
		{"max-age=86400 with MaxRefreshInterval 1h: next refresh after 1h", "max-age=86400", JWKSOptions{}, time.Hour},
		{"max-age=0 with MinRefreshInterval 50ms: next refresh after 50ms", "max-age=0", JWKSOptions{MinRefreshInterval: 50 * time.Millisecond}, 50 * time.Millisecond},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			srv := newKeyServer(t, oneKeyJWKS())
			srv.set(func(s *keyServer) { s.cacheControl = row.cc })
			g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, JWKS: row.opts})
			if got := g.caches[0].interval(); got != row.want {
				t.Errorf("refresh interval after the first fetch: %v, want %v", got, row.want)
			}
		})
	}

	t.Run("max-age=0 clamped to a 50ms MinRefreshInterval drives background refreshes", func(t *testing.T) {
		srv := newKeyServer(t, oneKeyJWKS())
		srv.set(func(s *keyServer) { s.cacheControl = "max-age=0" })
		newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, JWKS: JWKSOptions{MinRefreshInterval: 50 * time.Millisecond}})
		eventually(t, "at least 2 background fetches after New", func() bool { return srv.hits.Load() >= 3 })
	})
}

func TestJWKSFetchRefusedAtStart(t *testing.T) {
	k := testKeys()
	keys := jwkOf(k.ec256, "ec-1", "ES256", "sig")
	// padTo returns the one-key JWKS padded to exactly n bytes.
	padTo := func(n int) string {
		head := strings.TrimSuffix(jwkSet(keys), "}") + `,"pad":"`
		return head + strings.Repeat("x", n-len(head)-2) + `"}`
	}
	rows := []struct {
		name   string
		opts   JWKSOptions
		server func(s *keyServer)
		ok     bool
	}{
		{name: "JWKS of exactly MaxResponseBytes: accepted", opts: JWKSOptions{MaxResponseBytes: 2048},
			server: func(s *keyServer) { s.body = padTo(2048) }, ok: true},
		{name: "JWKS one byte over MaxResponseBytes: refused", opts: JWKSOptions{MaxResponseBytes: 2048},
			server: func(s *keyServer) { s.body = padTo(2049) }},
		{name: "JWKS over the default 1 MiB: refused",
			server: func(s *keyServer) { s.body = padTo(1<<20 + 1) }},
		{name: "status 500: refused", server: func(s *keyServer) { s.status = 500 }},
		{name: "status 404: refused", server: func(s *keyServer) { s.status = 404 }},
		{name: "status 204 (not 200): refused", server: func(s *keyServer) { s.status = 204 }},
		{name: "slower than JWKS.Timeout: refused", opts: JWKSOptions{Timeout: 100 * time.Millisecond},
			server: func(s *keyServer) { s.delay = time.Minute }},
		{name: "not JSON: refused", server: func(s *keyServer) { s.body = "<html></html>" }},
		{name: "no usable key: refused", server: func(s *keyServer) { s.body = `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}` }},
	}
	tok := tokenWithKid(t, "ec-1", k.ec256)
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			srv := newKeyServer(t, oneKeyJWKS())
			srv.set(row.server)
			cfg := Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, JWKS: row.opts, Clock: fixedClock, Logger: quietLogger}

			g, err := New(cfg)
			if row.ok {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				defer g.Close()
				if err := verifyVia(g, tok); err != nil {
					t.Errorf("Verify: %v", err)
				}
				return
			}
			if err == nil {
				g.Close()
				t.Fatal("New succeeded; want it to fail without AllowStartWithoutKeys")
			}
			if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), issA) {
				t.Errorf("New error %q: want errors.Is ErrKeysUnavailable and the issuer named", err)
			}

			cfg.JWKS.AllowStartWithoutKeys = true
			g = newGate(t, cfg)
			if err := verifyVia(g, tok); !isKind(err, ErrKeysUnavailable) {
				t.Errorf("Verify with AllowStartWithoutKeys: %v, want ErrKeysUnavailable", err)
			}
			d := g.Check(bearerRequest(tok), CheckOptions{})
			resp := ErrorResponse(d.Err)
			if !isKind(d.Err, ErrKeysUnavailable) || resp.Status != http.StatusServiceUnavailable {
				t.Errorf("Check: %v, status %d; want ErrKeysUnavailable and 503", d.Err, resp.Status)
			}
		})
	}
}

func TestJWKSAllowStartWithoutKeys(t *testing.T) {
	k := testKeys()
	tok := tokenWithKid(t, "ec-1", k.ec256)
	rows := []struct {
		name string
		// recover lets the keys arrive once the server is up.
		recover func(t *testing.T, g *Gate, clock *fakeClock)
	}{
		{
			name: "server comes up, next request after the cooldown fetches and verifies",
			recover: func(t *testing.T, g *Gate, clock *fakeClock) {
				clock.Advance(31 * time.Second)
				if err := verifyVia(g, tok); err != nil {
					t.Errorf("first request after the cooldown: %v, want accepted", err)
				}
			},
		},
		{
			name: "server comes up, the background retry fetches and requests verify",
			recover: func(t *testing.T, g *Gate, clock *fakeClock) {
				eventually(t, "the background refresher to fetch the keys", func() bool { return verifyVia(g, tok) == nil })
			},
		},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			clock := newFakeClock()
			srv := newKeyServer(t, oneKeyJWKS())
			srv.set(func(s *keyServer) { s.status = http.StatusServiceUnavailable })
			g := newGate(t, Config{
				Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}},
				Clock:   clock.Now,
				JWKS:    JWKSOptions{AllowStartWithoutKeys: true},
			})
			for i := range 3 {
				if err := verifyVia(g, tok); !isKind(err, ErrKeysUnavailable) {
					t.Fatalf("request %d while the server is down: %v, want ErrKeysUnavailable", i+1, err)
				}
				d := g.Check(bearerRequest(tok), CheckOptions{})
				if resp := ErrorResponse(d.Err); resp.Status != http.StatusServiceUnavailable {
					t.Fatalf("Check while the server is down: status %d (%v), want 503", resp.Status, d.Err)
				}
			}
			srv.set(func(s *keyServer) { s.status = http.StatusOK })
			row.recover(t, g, clock)
			d := g.Check(bearerRequest(tok), CheckOptions{})
			if d.Err != nil || d.Session == nil {
				t.Errorf("Check once keys arrived: %v", d.Err)
			}
		})
	}
}

func TestJWKSDiscovery(t *testing.T) {
	k := testKeys()
	const wellKnown = "/.well-known/openid-configuration"
	rows := []struct {
		name string
		// name of the issuer given the server URL, and the discovery document.
		issuer func(url string) string
		doc    func(url string) string
		ok     bool
	}{
		{
			name:   "document names the issuer: jwks_uri is fetched and tokens verify",
			issuer: func(u string) string { return u },
			doc:    func(u string) string { return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, u, u+"/keys") },
			ok:     true,
		},
		{
			name:   "issuer with a trailing slash, document names it exactly: tokens verify",
			issuer: func(u string) string { return u + "/" },
			doc:    func(u string) string { return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, u+"/", u+"/keys") },
			ok:     true,
		},
		{
			name:   "document names another issuer: refused",
			issuer: func(u string) string { return u },
			doc: func(u string) string {
				return fmt.Sprintf(`{"issuer":"https://evil.example","jwks_uri":%q}`, u+"/keys")
			},
		},
		{
			name:   "document issuer differs by a trailing slash: refused",
			issuer: func(u string) string { return u },
			doc:    func(u string) string { return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, u+"/", u+"/keys") },
		},
		{
			name:   "document without issuer: refused",
			issuer: func(u string) string { return u },
			doc:    func(u string) string { return fmt.Sprintf(`{"jwks_uri":%q}`, u+"/keys") },
		},
		{
			name:   "document without jwks_uri: refused",
			issuer: func(u string) string { return u },
			doc:    func(u string) string { return fmt.Sprintf(`{"issuer":%q}`, u) },
		},
		{
			name:   "jwks_uri that is not http(s): refused",
			issuer: func(u string) string { return u },
			doc:    func(u string) string { return fmt.Sprintf(`{"issuer":%q,"jwks_uri":"file:///etc/passwd"}`, u) },
		},
		{
			name:   "document that is not JSON: refused",
			issuer: func(u string) string { return u },
			doc:    func(u string) string { return "<html>" },
		},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			srv := newKeyServer(t, "not found")
			srv.set(func(s *keyServer) {
				s.paths = map[string]string{wellKnown: row.doc(srv.URL), "/keys": oneKeyJWKS()}
			})
			iss := row.issuer(srv.URL)
			tok := sign(t, "ES256", "ec-1", k.ec256, claimsFor(iss), nil)
			cfg := Config{Issuers: []Issuer{{Name: iss, Discovery: true}}, Clock: fixedClock, Logger: quietLogger}
			g, err := New(cfg)
			if srv.hitsOn(wellKnown) == 0 {
				t.Errorf("%s was not requested", wellKnown)
			}
			if row.ok {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				defer g.Close()
				if srv.hitsOn("/keys") == 0 {
					t.Error("jwks_uri was not fetched")
				}
				s, err := g.Verify(tok, SourceAuthorization)
				if err != nil || s.Issuer != iss {
					t.Errorf("Verify: %v", err)
				}
				return
			}
			if err == nil {
				g.Close()
				t.Fatal("New succeeded; want the discovery document refused")
			}
			if !errors.Is(err, ErrKeysUnavailable) {
				t.Errorf("New error %v: want errors.Is ErrKeysUnavailable", err)
			}
			if srv.hitsOn("/keys") != 0 {
				t.Error("the JWKS of a refused discovery document was fetched")
			}
			cfg.JWKS.AllowStartWithoutKeys = true
			g = newGate(t, cfg)
			if err := verifyVia(g, tok); !isKind(err, ErrKeysUnavailable) {
				t.Errorf("Verify with AllowStartWithoutKeys: %v, want ErrKeysUnavailable", err)
			}
		})
	}
}

// refresherGoroutines returns how many goroutines are running code of a jwksCache,
// and their stacks.
func refresherGoroutines() (int, string) {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var n int
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "sessiongate/core.(*jwksCache)") {
			n++
			found = append(found, g)
		}
	}
	return n, strings.Join(found, "\n\n")
}

func TestGateCloseStopsRefreshers(t *testing.T) {
	k := testKeys()
	rows := []struct {
		name       string
		refreshers int
		// setup returns the configuration and what to do once New returned.
		setup func(t *testing.T) (Config, func())
		// keysCached: a known token verifies after Close.
		keysCached bool
	}{
		{
			name:       "two JWKS issuers, idle refreshers",
			refreshers: 2,
			keysCached: true,
			setup: func(t *testing.T) (Config, func()) {
				a, b := newKeyServer(t, oneKeyJWKS()), newKeyServer(t, jwkSet(jwkOf(k.ec256b, "b-1", "ES256", "sig")))
				return Config{Issuers: []Issuer{{Name: issA, JWKSURL: a.URL}, {Name: issB, JWKSURL: b.URL}}}, nil
			},
		},
		{
			name:       "refresher in the middle of a fetch that hangs",
			refreshers: 1,
			keysCached: true,
			setup: func(t *testing.T) (Config, func()) {
				srv := newKeyServer(t, oneKeyJWKS())
				srv.set(func(s *keyServer) { s.cacheControl = "max-age=0" }) // refresh every 10ms
				return Config{
						Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}},
						JWKS:    JWKSOptions{MinRefreshInterval: 10 * time.Millisecond, Timeout: time.Minute},
					}, func() {
						before := srv.hits.Load()
						srv.set(func(s *keyServer) { s.delay = time.Minute }) // every later fetch hangs
						eventually(t, "a background fetch to be under way", func() bool { return srv.hits.Load() > before })
					}
			},
		},
		{
			name:       "AllowStartWithoutKeys against a dead server, refresher retrying",
			refreshers: 1,
			setup: func(t *testing.T) (Config, func()) {
				srv := newKeyServer(t, oneKeyJWKS())
				srv.Close()
				return Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, JWKS: JWKSOptions{AllowStartWithoutKeys: true}}, nil
			},
		},
		{
			name:       "discovery issuer",
			refreshers: 1,
			keysCached: true,
			setup: func(t *testing.T) (Config, func()) {
				srv := newKeyServer(t, oneKeyJWKS())
				srv.set(func(s *keyServer) {
					s.paths = map[string]string{"/.well-known/openid-configuration": fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, srv.URL, srv.URL+"/keys")}
				})
				return Config{Issuers: []Issuer{{Name: srv.URL, Discovery: true}}}, nil
			},
		},
		{
			name:       "static keys only: no refresher at all",
			refreshers: 0,
			keysCached: true,
			setup: func(t *testing.T) (Config, func()) {
				return Config{Issuers: []Issuer{{Name: issA, JWKS: oneKeyJWKS()}}}, nil
			},
		},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if n, stacks := refresherGoroutines(); n != 0 {
				t.Fatalf("%d JWKS refreshers are running before this test: an earlier test did not Close its Gate:\n%s", n, stacks)
			}
			cfg, afterNew := row.setup(t)
			cfg.Clock, cfg.Logger = fixedClock, quietLogger
			g, err := New(cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if n, stacks := refresherGoroutines(); n != row.refreshers {
				g.Close()
				t.Fatalf("refreshers after New: %d, want %d:\n%s", n, row.refreshers, stacks)
			}
			if afterNew != nil {
				afterNew()
			}
			closed := make(chan error, 1)
			go func() { closed <- g.Close() }()
			select {
			case err := <-closed:
				if err != nil {
					t.Errorf("Close: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Close did not return")
			}
			eventually(t, "no jwksCache goroutine left after Close", func() bool { n, _ := refresherGoroutines(); return n == 0 })
			if err := g.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if n, stacks := refresherGoroutines(); n != 0 {
				t.Errorf("a second Close restarted refreshers:\n%s", stacks)
			}
			if row.keysCached {
				tok := sign(t, "ES256", "ec-1", k.ec256, claimsFor(cfg.Issuers[0].Name), nil)
				if err := verifyVia(g, tok); err != nil {
					t.Errorf("a closed gate should still verify with the keys it holds: %v", err)
				}
			}
		})
	}

	t.Run("New failing on an unreachable JWKS leaves no refresher", func(t *testing.T) {
		srv := newKeyServer(t, oneKeyJWKS())
		srv.set(func(s *keyServer) { s.status = 500 })
		a := newKeyServer(t, oneKeyJWKS())
		_, err := New(Config{Issuers: []Issuer{{Name: issA, JWKSURL: a.URL}, {Name: issB, JWKSURL: srv.URL}}, Logger: quietLogger})
		if err == nil {
			t.Fatal("New succeeded")
		}
		eventually(t, "no jwksCache goroutine after a failed New", func() bool { n, _ := refresherGoroutines(); return n == 0 })
	})
}

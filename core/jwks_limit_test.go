package core

// Tests of fetches triggered by unknown kids: the limit on them, which kids
// are remembered as unknown, how they share fetches with the background
// refresher, and what a request gets while the key server is down.

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heldKeyServer serves a JWKS; while held, each request takes the body
// current at its arrival, says so on arrived, and answers only once the
// test closes the hold channel it arrived under.
type heldKeyServer struct {
	*httptest.Server
	hits    atomic.Int64
	arrived chan struct{}

	mu   sync.Mutex
	body string
	hold chan struct{} // nil: answer at once
}

func newHeldKeyServer(t *testing.T, body string) *heldKeyServer {
	t.Helper()
	s := &heldKeyServer{body: body, arrived: make(chan struct{}, 16)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		body, hold := s.body, s.hold
		s.mu.Unlock()
		if hold != nil {
			s.arrived <- struct{}{}
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *heldKeyServer) set(body string, hold chan struct{}) {
	s.mu.Lock()
	s.body, s.hold = body, hold
	s.mu.Unlock()
}

// madeUpKid returns a token of issuer A naming kid, with a signature no key
// made: good enough for a kid nobody publishes.
func madeUpKid(kid string) string {
	return rawToken(map[string]any{"alg": "ES256", "typ": "JWT", "kid": kid}, claimsFor(issA, atOffset("exp", time.Hour)), "c2ln")
}

func TestJWKSNewKidIsNeverRememberedAgainstAnOlderFetch(t *testing.T) {
	k := testKeys()
	rotated := jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"), jwkOf(k.ec256new, "ec-2", "ES256", "sig"))
	newKid := tokenWithKid(t, "ec-2", k.ec256new)

	t.Run("a new kid arriving during a scheduled fetch that started before the rotation verifies, and stays verifiable", func(t *testing.T) {
		clock := newFakeClock()
		srv := newHeldKeyServer(t, oneKeyJWKS())
		g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Clock: clock.Now})

		hold := make(chan struct{})
		srv.set(oneKeyJWKS(), hold)
		scheduled := make(chan error, 1)
		go func() { scheduled <- backgroundRefresh(g) }()
		<-srv.arrived         // the scheduled fetch has the old key set in hand
		srv.set(rotated, nil) // the issuer rotates ec-2 in; later requests are answered at once
		verified := make(chan error, 1)
		go func() { verified <- verifyVia(g, newKid) }()
		var err error
		select {
		case err = <-verified:
			close(hold)
		case <-time.After(2 * time.Second):
			// The request waits for the held fetch: release it, so the
			// test shows what the request then gets.
			close(hold)
			err = <-verified
		}
		if err != nil {
			t.Errorf("new kid during a scheduled fetch that predates it: %v, want accepted", err)
		}
		if err := <-scheduled; err != nil {
			t.Errorf("the scheduled refresh: %v, want nil", err)
		}
		if err := verifyVia(g, newKid); err != nil {
			t.Errorf("new kid once the older scheduled fetch landed: %v, want accepted (an older fetch must not replace a newer key set)", err)
		}
		clock.Advance(31 * time.Second)
		if err := verifyVia(g, newKid); err != nil {
			t.Errorf("new kid after the cooldown: %v, want accepted (it must not be remembered as unknown)", err)
		}
	})

	t.Run("a scheduled refresh never receives the limit's refusal of an on-demand fetch", func(t *testing.T) {
		clock := &holdingClock{fakeClock: newFakeClock(), held: make(chan struct{}, 1)}
		srv := newKeyServer(t, oneKeyJWKS())
		g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Clock: clock.Now,
			JWKS: JWKSOptions{UnknownKeyBurst: 1}})
		verifyVia(g, madeUpKid("spends-the-budget"))
		// The next request asks the clock inside its limit check, holding
		// the on-demand fetch slot, and is refused once released.
		release := clock.holdNext()
		refused := make(chan error, 1)
		go func() { refused <- verifyVia(g, madeUpKid("refused")) }()
		<-clock.held
		before := srv.hits.Load()
		scheduled := make(chan error, 1)
		go func() { scheduled <- backgroundRefresh(g) }()
		var err error
		select {
		case err = <-scheduled:
			close(release)
		case <-time.After(2 * time.Second):
			close(release) // the refresh waits for the held request: show what it then gets
			err = <-scheduled
		}
		if err != nil {
			t.Errorf("scheduled refresh while an on-demand fetch is being refused: %v, want nil", err)
		}
		if got := srv.hits.Load() - before; got != 1 {
			t.Errorf("the scheduled refresh fetched %d times, want 1", got)
		}
		if err := <-refused; !isKind(err, ErrUnknownKey) {
			t.Errorf("the refused request: %v, want ErrUnknownKey", err)
		}
	})
}

// holdingClock is a fake clock whose next Now call, once armed, says so on
// held and waits until the test releases it.
type holdingClock struct {
	*fakeClock
	held chan struct{}

	mu   sync.Mutex
	hold chan struct{}
}

func (c *holdingClock) holdNext() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold = make(chan struct{})
	return c.hold
}

func (c *holdingClock) Now() time.Time {
	c.mu.Lock()
	h := c.hold
	c.hold = nil
	c.mu.Unlock()
	if h != nil {
		c.held <- struct{}{}
		<-h
	}
	return c.fakeClock.Now()
}

// flood sends n made-up kids, never sent before, through g.
type flood struct {
	g    *Gate
	sent int
}

func (f *flood) send(n int) {
	for range n {
		f.sent++
		verifyVia(f.g, madeUpKid(fmt.Sprintf("made-up-%d", f.sent)))
	}
}

func TestJWKSUnknownKidFloodAndRotation(t *testing.T) {
	k := testKeys()
	const (
		step   = 100 * time.Millisecond
		steps  = 600 // one minute
		perStp = 5   // made-up kids per step: 50 a second
	)
	t.Run("a flood of made-up kids for a minute: the key server sees the burst of 3, then one fetch per 5s cooldown (15 in all)", func(t *testing.T) {
		clock := newFakeClock()
		srv := newKeyServer(t, oneKeyJWKS())
		log := &fetchLog{}
		g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Clock: clock.Now, JWKS: JWKSOptions{OnFetch: log.record}})
		f := &flood{g: g}
		for i := 0; i <= steps; i++ {
			f.send(perStp)
			clock.Advance(step)
		}
		// Fetches at 0s (3: the burst), then at 5s, 10s, ... 60s (12).
		if got := log.count(JWKSUnknownKid, JWKSFetched); got != 15 {
			t.Errorf("fetches caused by %d made-up kids over 60s: %d, want 3 + 12 = 15", f.sent, got)
		}
		if got := log.count(JWKSUnknownKid, JWKSFetchLimited); got != f.sent-15 {
			t.Errorf("made-up kids refused a fetch: %d, want the other %d", got, f.sent-15)
		}
		if got := srv.hits.Load() - 1; got != 15 {
			t.Errorf("the key server saw %d fetches, want 15 like OnFetch", got)
		}
		if err := verifyVia(g, tokenWithKid(t, "ec-1", k.ec256)); err != nil {
			t.Errorf("the known key during the flood: %v, want accepted", err)
		}
	})

	t.Run("a key rotated in during a flood of made-up kids verifies at most one cooldown (5s) after it is published", func(t *testing.T) {
		clock := newFakeClock()
		srv := newKeyServer(t, oneKeyJWKS())
		g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Clock: clock.Now})
		f := &flood{g: g}
		rotatedTok := tokenWithKid(t, "ec-2", k.ec256new)
		const publishAt = 123 // steps: 12.3s into the flood
		verifiedAt := -1
		for i := 0; i <= steps && verifiedAt < 0; i++ {
			if i == publishAt {
				srv.set(func(s *keyServer) {
					s.body = jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"), jwkOf(k.ec256new, "ec-2", "ES256", "sig"))
				})
			}
			f.send(perStp)
			if i >= publishAt && verifyVia(g, rotatedTok) == nil {
				verifiedAt = i
			}
			clock.Advance(step)
		}
		if verifiedAt < 0 {
			t.Fatal("the rotated key never verified during the flood")
		}
		if late := time.Duration(verifiedAt-publishAt) * step; late > 5*time.Second {
			t.Errorf("the rotated key verified %v after it was published; want at most 5s", late)
		}
	})
}

func TestJWKSNewKidDuringKeyServerOutage(t *testing.T) {
	k := testKeys()
	newKid := tokenWithKid(t, "ec-2", k.ec256new)
	outages := []struct {
		name  string
		apply func(s *keyServer)
	}{
		{"answering 500", func(s *keyServer) { s.set(func(s *keyServer) { s.status = 500 }) }},
		{"refusing connections", func(s *keyServer) { s.Close() }},
	}
	for _, o := range outages {
		t.Run("key server "+o.name+": a valid token with a new kid gets 503 with Retry-After, not invalid_token, and verifies once the server is back", func(t *testing.T) {
			clock := newFakeClock()
			srv := newKeyServer(t, oneKeyJWKS())
			g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Clock: clock.Now})
			o.apply(srv)
			// The first requests are allowed a fetch and see it fail; the
			// later ones are refused a fetch by the limit while the last
			// fetch failed: all of them could not check the kid.
			for i := range 6 {
				d := g.Check(bearerRequest(newKid), CheckOptions{})
				resp := ErrorResponse(d.Err)
				if !isKind(d.Err, ErrKeysUnavailable) || resp.Status != http.StatusServiceUnavailable || !hasHeader(resp, "Retry-After") {
					t.Fatalf("request %d with the new kid during the outage: %v, status %d, headers %q; want ErrKeysUnavailable, 503 and Retry-After",
						i+1, d.Err, resp.Status, resp.Header)
				}
			}
			if err := verifyVia(g, tokenWithKid(t, "ec-1", k.ec256)); err != nil {
				t.Errorf("the cached key during the outage: %v, want accepted", err)
			}
			if o.name == "refusing connections" {
				return // httptest cannot reopen a closed server on its address
			}
			srv.set(func(s *keyServer) {
				s.status = http.StatusOK
				s.body = jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"), jwkOf(k.ec256new, "ec-2", "ES256", "sig"))
			})
			clock.Advance(30 * time.Second)
			if err := verifyVia(g, newKid); err != nil {
				t.Errorf("the new kid once the server is back: %v, want accepted", err)
			}
		})
	}
}

func hasHeader(r Response, name string) bool {
	for _, kv := range r.Header {
		if http.CanonicalHeaderKey(kv[0]) == name {
			return true
		}
	}
	return false
}

func TestJWKSUnknownKidMemoryIsCapped(t *testing.T) {
	clock := newFakeClock()
	srv := newKeyServer(t, oneKeyJWKS())
	g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Clock: clock.Now})
	c := g.caches[0]
	remembered := func() int {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.firstSeen)
	}
	f := &flood{g: g}
	f.send(3) // the burst: the budget is spent, and the clock stands still
	fetches := srv.hits.Load()

	t.Run("a flood of 3,000 random kids within one cooldown leaves the memory at its cap of 1,024", func(t *testing.T) {
		f.send(3000)
		if got := remembered(); got != maxUnknownKids {
			t.Errorf("kids remembered after the flood: %d, want the cap %d", got, maxUnknownKids)
		}
		if got := srv.hits.Load(); got != fetches {
			t.Errorf("the flood fetched %d times with the budget spent", got-fetches)
		}
	})

	t.Run("after the next fetch, a kid within the cap is answered from memory and one beyond it is not", func(t *testing.T) {
		clock.Advance(5 * time.Second)
		f.send(1) // brings a key set fetched after the flood's kids were seen
		fetches = srv.hits.Load()
		clock.Advance(5 * time.Second) // budget for one more fetch
		if err := verifyVia(g, madeUpKid("made-up-4")); !isKind(err, ErrUnknownKey) || srv.hits.Load() != fetches {
			t.Errorf("the flood's first kid: %v after %d fetches; want ErrUnknownKey from memory, no fetch", err, srv.hits.Load()-fetches)
		}
		if err := verifyVia(g, madeUpKid("made-up-2500")); !isKind(err, ErrUnknownKey) || srv.hits.Load() != fetches+1 {
			t.Errorf("a kid beyond the cap: %v after %d fetches; want ErrUnknownKey after one fetch", err, srv.hits.Load()-fetches)
		}
	})
}

func TestJWKSUnknownKidCooldownBoundary(t *testing.T) {
	for _, burst := range []int{1, 3} {
		t.Run(fmt.Sprintf("burst %d spent: a new kid 1ns before the cooldown ends fetches nothing, one exactly at its end fetches", burst), func(t *testing.T) {
			clock := newFakeClock()
			srv := newKeyServer(t, oneKeyJWKS())
			g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Clock: clock.Now,
				JWKS: JWKSOptions{UnknownKeyBurst: burst, UnknownKeyCooldown: 5 * time.Second}})
			f := &flood{g: g}
			f.send(burst)
			if got := srv.hits.Load() - 1; got != int64(burst) {
				t.Fatalf("fetches for the burst: %d, want %d", got, burst)
			}
			clock.Advance(5*time.Second - time.Nanosecond)
			f.send(1)
			if got := srv.hits.Load() - 1; got != int64(burst) {
				t.Errorf("1ns before the cooldown ends: %d fetches, want still %d", got, burst)
			}
			clock.Advance(time.Nanosecond)
			f.send(1)
			if got := srv.hits.Load() - 1; got != int64(burst)+1 {
				t.Errorf("exactly at the end of the cooldown: %d fetches, want %d", got, burst+1)
			}
		})
	}
}

func TestJWKSUnknownKeyLimitConfig(t *testing.T) {
	rows := []struct {
		name  string
		opts  JWKSOptions
		field string
		value string
	}{
		{"negative UnknownKeyBurst: refused", JWKSOptions{UnknownKeyBurst: -1}, "JWKS.UnknownKeyBurst", "-1"},
		{"negative UnknownKeyCooldown: refused", JWKSOptions{UnknownKeyCooldown: -time.Second}, "JWKS.UnknownKeyCooldown", "-1s"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			_, err := New(Config{Issuers: []Issuer{{Name: issA, JWKS: oneKeyJWKS()}}, JWKS: row.opts, Logger: quietLogger})
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != row.field || ce.Value != row.value {
				t.Errorf("New: %v, want a ConfigError for %s %q", err, row.field, row.value)
			}
		})
	}
}

// TestJWKSLongUnknownKidsAreNotRemembered: the memory of unknown kids holds
// at most maxUnknownKids kids of at most maxRememberedKid bytes each, so a
// flood of long made-up kids cannot make it hold megabytes.
func TestJWKSLongUnknownKidsAreNotRemembered(t *testing.T) {
	c := &jwksCache{}
	for _, n := range []int{1, maxRememberedKid} {
		c.observe(strings.Repeat("k", n))
	}
	for i := range 10 {
		c.observe(strings.Repeat("x", maxRememberedKid+1+i))
	}
	if got := len(c.firstSeen); got != 2 {
		t.Fatalf("remembered %d kids, want the 2 of at most %d bytes", got, maxRememberedKid)
	}
	for kid := range c.firstSeen {
		if len(kid) > maxRememberedKid {
			t.Errorf("a kid of %d bytes was remembered", len(kid))
		}
	}
}

package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
)

// The manager cases run sessions.Manager instances over the driver, each on
// its own handle, as the app's instances would: what a store must do is
// proven where it matters, with real tokens.

const managerIssuer = "https://issuer.storetest.example"

// managerSecret is the Secret every manager of a case shares.
var managerSecret = []byte("storetest manager secret, 32 bytes or more")

// fakeClock is a clock every manager and gate of a case shares.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// managers starts one manager per store, all with one clock and cfg's
// other fields, closed at cleanup. They start at once, as instances of an
// app deployed together do.
func managers(t *testing.T, ss []sessions.Store, clock *fakeClock, cfg sessions.Config) []*sessions.Manager {
	t.Helper()
	ms := make([]*sessions.Manager, len(ss))
	errs := make([]error, len(ss))
	parallel(len(ss), func(i int) {
		c := cfg
		c.Issuer, c.Store, c.Secret, c.Clock = managerIssuer, ss[i], [][]byte{managerSecret}, clock.Now
		ms[i], errs[i] = sessions.New(bg, c)
	})
	for i, m := range ms {
		if errs[i] != nil {
			t.Fatalf("manager %d: New: %v", i, errs[i])
		}
		t.Cleanup(func() { m.Close() })
	}
	return ms
}

// gateOf is a gate that trusts m's keys, on the shared clock, asking revs
// (when not nil) about every session.
func gateOf(t *testing.T, m *sessions.Manager, clock *fakeClock, revs core.Revocations) *core.Gate {
	t.Helper()
	g, err := core.New(core.Config{
		Issuers: []core.Issuer{m.Issuer()}, Audiences: []string{managerIssuer}, Types: []string{"at+jwt"},
		Clock: clock.Now, DisableTokenCache: true, Revocations: revs,
	})
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func managerCases() []testCase {
	return []testCase{
		{name: "manager/100 concurrent refreshes with one token over 4 managers sharing the store: all succeed with one successor",
			run: func(t *testing.T, h Harness) { managersSameToken(t, handles(t, h, 4)) }},
		{name: "manager/reuse after the grace window over 4 managers: the session is revoked, OnReuse fires exactly once, and a gate with a DenyList refuses its access token",
			run: func(t *testing.T, h Harness) { managersReuse(t, handles(t, h, 4)) }},
		{name: "manager/a generation ahead of a restored database: 401 ahead, nothing revoked, the older token still works",
			run: managersAhead},
		{name: "manager/4 managers sharing the store sign with one key per slot and verify each other's tokens",
			run: func(t *testing.T, h Harness) { managersKeys(t, handles(t, h, 4)) }},
	}
}

func managersSameToken(t *testing.T, ss []sessions.Store) {
	clock := &fakeClock{t: t0}
	ms := managers(t, ss, clock, sessions.Config{})
	first, err := ms[0].Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{UserAgent: "first"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	clock.Add(time.Minute)
	got := make([]*sessions.Issued, callers)
	parallel(callers, func(i int) {
		is, err := ms[i%len(ms)].Refresh(bg, first.RefreshToken, sessions.Meta{UserAgent: fmt.Sprint("caller ", i)})
		if err != nil {
			t.Errorf("caller %d: Refresh: %v", i, err)
			return
		}
		got[i] = is
	})
	if t.Failed() {
		return
	}
	for i, is := range got {
		if is.RefreshToken != got[0].RefreshToken {
			t.Errorf("caller %d got another successor than caller 0: %d distinct successors, want 1", i, distinct(got))
			break
		}
	}
	if got[0].RefreshToken == first.RefreshToken {
		t.Error("the successor is the presented token")
	}
	if r := mustGet(t, ss[0], first.Session.ID); r.Generation != 2 || !r.RevokedAt.IsZero() {
		t.Errorf("store: generation %d, revoked %v; want generation 2, live", r.Generation, r.RevokedAt)
	}
	if _, err := ms[1].Refresh(bg, got[0].RefreshToken, sessions.Meta{}); err != nil {
		t.Errorf("the one successor does not refresh: %v", err)
	}
}

func distinct(is []*sessions.Issued) int {
	seen := map[string]bool{}
	for _, x := range is {
		seen[x.RefreshToken] = true
	}
	return len(seen)
}

func managersReuse(t *testing.T, ss []sessions.Store) {
	clock := &fakeClock{t: t0}
	var fired atomic.Int32
	var event sessions.ReuseEvent
	ms := managers(t, ss, clock, sessions.Config{OnReuse: func(_ context.Context, e sessions.ReuseEvent) {
		fired.Add(1)
		event = e
	}})
	first, err := ms[0].Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := ms[1].Refresh(bg, first.RefreshToken, sessions.Meta{}); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	g, within := denyListGate(t, ms[3], ss[3], clock)
	if d := g.Check(core.HTTPRequest(bearer(first.AccessToken)), core.CheckOptions{}); d.Err != nil {
		t.Fatalf("before the reuse the gate refuses the session's access token: %v", d.Err)
	}
	clock.Add(sessions.DefaultGrace + time.Second)
	counts := reuseAll(t, ms, first.RefreshToken)
	if counts["reused"] != 1 || fired.Load() != 1 {
		t.Errorf("%d callers got ErrRefreshReused and OnReuse fired %d times, want 1 and 1 (%d ended)", counts["reused"], fired.Load(), counts["ended"])
	}
	if event.SessionID != first.Session.ID || event.Subject != "alice" || event.Generation != 1 || event.IP != "203.0.113.9" {
		t.Errorf("ReuseEvent = %+v, want session %s of alice, generation 1, IP 203.0.113.9", event, first.Session.ID)
	}
	if r := mustGet(t, ss[3], first.Session.ID); r.RevokedAt.IsZero() || r.RevokeReason != sessions.ReasonReuse {
		t.Errorf("store: revoked %v (%q), want revoked for reuse", r.RevokedAt, r.RevokeReason)
	}
	if _, err := ms[2].Get(bg, first.Session.ID); !errors.Is(err, sessions.ErrSessionEnded) {
		t.Errorf("Get after reuse = %v, want ErrSessionEnded", err)
	}
	refusedWithin(t, g, first.AccessToken, within)
}

// refusedWithin fails t unless g refuses tok as revoked within d.
func refusedWithin(t *testing.T, g *core.Gate, tok string, d time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		dec := g.Check(core.HTTPRequest(bearer(tok)), core.CheckOptions{})
		if errors.Is(dec.Err, core.ErrSessionRevoked) {
			return
		}
		if time.Since(start) > d {
			t.Fatalf("%v after the reuse the gate still answers %v for the session's unexpired access token, want ErrSessionRevoked", d, dec.Err)
		}
		wait(start)
	}
}

// reuseAll presents tok from callers goroutines over ms and counts the
// answers: "reused" and "ended" (anything else fails t).
func reuseAll(t *testing.T, ms []*sessions.Manager, tok string) map[string]int {
	var mu sync.Mutex
	counts := map[string]int{}
	parallel(callers, func(i int) {
		_, err := ms[i%len(ms)].Refresh(bg, tok, sessions.Meta{IP: "203.0.113.9"})
		mu.Lock()
		defer mu.Unlock()
		switch {
		case errors.Is(err, sessions.ErrRefreshReused):
			counts["reused"]++
		case errors.Is(err, sessions.ErrSessionEnded):
			counts["ended"]++
		default:
			t.Errorf("caller %d: Refresh = %v, want ErrRefreshReused or ErrSessionEnded", i, err)
		}
	})
	return counts
}

// denyListGate is a gate trusting m's keys whose Config.Revocations is a
// DenyList on s (push when s is a Notifier, else polling), on the shared
// clock, and how soon a revocation must reach it.
func denyListGate(t *testing.T, m *sessions.Manager, s sessions.Store, clock *fakeClock) (*core.Gate, time.Duration) {
	t.Helper()
	poll, within := pollEvery, pollEvery+readSlack
	if _, push := s.(sessions.Notifier); push {
		poll, within = time.Hour, pushWithin
	}
	d, err := sessions.NewDenyList(bg, s, sessions.DenyListConfig{
		PollInterval: poll, StaleAfter: 2 * poll, Clock: clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("NewDenyList: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return gateOf(t, m, clock, d), within
}

// bearer is a GET request carrying tok as a bearer token.
func bearer(tok string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func managersAhead(t *testing.T, h Harness) {
	clock := &fakeClock{t: t0}
	live := handles(t, h, 1)
	backup := handles(t, h, 1) // the same app's database, restored from before the refresh
	ml := managers(t, live, clock, sessions.Config{})[0]
	mb := managers(t, backup, clock, sessions.Config{})[0]
	first, err := ml.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	mustCreate(t, backup[0], mustGet(t, live[0], first.Session.ID))
	clock.Add(time.Minute)
	next, err := ml.Refresh(bg, first.RefreshToken, sessions.Meta{})
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if _, err := mb.Refresh(bg, next.RefreshToken, sessions.Meta{}); !errors.Is(err, sessions.ErrRefreshAhead) {
		t.Fatalf("Refresh with generation 2 on a database at 1 = %v, want ErrRefreshAhead", err)
	}
	if r := mustGet(t, backup[0], first.Session.ID); !r.RevokedAt.IsZero() || r.Generation != 1 {
		t.Errorf("restored store: generation %d, revoked %v; want generation 1, live", r.Generation, r.RevokedAt)
	}
	if f := feed(t, backup[0]); len(f) != 0 {
		t.Errorf("feed = %v, want empty", f)
	}
	if _, err := mb.Refresh(bg, first.RefreshToken, sessions.Meta{}); err != nil {
		t.Errorf("the restored database's current token no longer refreshes: %v", err)
	}
}

func managersKeys(t *testing.T, ss []sessions.Store) {
	const every = time.Hour
	clock := &fakeClock{t: t0}
	ms := managers(t, ss, clock, sessions.Config{Keys: sessions.KeyPolicy{RotateEvery: every}})
	gates := make([]*core.Gate, len(ms))
	for i, m := range ms {
		gates[i] = gateOf(t, m, clock, nil)
	}
	// Slot by slot: the current slot (stored at New), the next (prepublished
	// at New) and the one after (nobody stored it: every manager finds it
	// missing at once, and the store picks one).
	for step := range 3 {
		tokens := make([]string, len(ms))
		parallel(len(ms), func(i int) {
			is, err := ms[i].Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{})
			if err != nil {
				t.Errorf("slot +%d, manager %d: Create: %v", step, i, err)
				return
			}
			tokens[i] = is.AccessToken
		})
		if t.Failed() {
			return
		}
		for i, tok := range tokens {
			if k, k0 := kidOf(tok), kidOf(tokens[0]); k != k0 {
				t.Errorf("slot +%d: manager %d signs with kid %s, manager 0 with %s", step, i, k, k0)
			}
			for j, g := range gates {
				if _, err := g.Verify(tok, core.SourceAuthorization); err != nil {
					t.Errorf("slot +%d: manager %d's gate refuses manager %d's token: %v", step, j, i, err)
				}
			}
		}
		clock.Add(every)
	}
	keys, err := ss[0].Keys(bg)
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i].Slot == keys[i-1].Slot {
			t.Errorf("two keys for slot %d", keys[i].Slot)
		}
	}
	for _, k := range keys {
		if bytes.Contains(k.Sealed, []byte(`"d"`)) || len(k.Sealed) < 60 {
			t.Errorf("slot %d: the stored key does not look sealed (%d bytes)", k.Slot, len(k.Sealed))
		}
	}
}

// kidOf reads the kid of a JWS's header, "" when there is none.
func kidOf(tok string) string {
	s := &core.Session{Token: core.Token(tok)}
	kid, _ := s.Header()["kid"].(string)
	return kid
}

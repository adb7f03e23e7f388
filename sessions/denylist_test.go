package sessions_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

var bg = context.Background()

// quiet discards log lines of tests that do not look at them.
var quiet = slog.New(slog.DiscardHandler)

// flaky wraps a store: no Notifier (so the list only polls), and reads fail
// with ErrStoreUnavailable while down is set.
type flaky struct {
	sessions.Store
	down atomic.Bool
	hang atomic.Bool // Revocations blocks until its context ends
}

var errDown = fmt.Errorf("flaky: %w", sessions.ErrStoreUnavailable)

func (f *flaky) Revocations(ctx context.Context, after uint64, limit int) ([]sessions.Revocation, error) {
	if f.down.Load() {
		return nil, errDown
	}
	if f.hang.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return f.Store.Revocations(ctx, after, limit)
}

func (f *flaky) Get(ctx context.Context, id string) (sessions.Record, error) {
	if f.down.Load() {
		return sessions.Record{}, errDown
	}
	return f.Store.Get(ctx, id)
}

// live returns a session of subject created at now, live for a day.
func live(id, subject string, now time.Time) sessions.Record {
	return sessions.Record{
		ID: id, Subject: subject, Generation: 1, CreatedAt: now, LastUsed: now,
		IdleExpiresAt: now.Add(24 * time.Hour), ExpiresAt: now.Add(48 * time.Hour),
	}
}

// create stores live sessions of alice at now.
func create(t *testing.T, s sessions.Store, now time.Time, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := s.Create(bg, live(id, "alice", now)); err != nil {
			t.Fatalf("Create(%s): %v", id, err)
		}
	}
}

// revoke revokes one session at the given time.
func revoke(t *testing.T, s sessions.Store, id string, at time.Time) {
	t.Helper()
	if n, err := s.Revoke(bg, sessions.RevokeFilter{ID: id}, "admin", at); n != 1 || err != nil {
		t.Fatalf("Revoke(%s) = %d, %v; want 1", id, n, err)
	}
}

func newDenyList(t *testing.T, s sessions.Store, cfg sessions.DenyListConfig) *sessions.DenyList {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	d, err := sessions.NewDenyList(bg, s, cfg)
	if err != nil {
		t.Fatalf("NewDenyList: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// sess is a verified session of alice with this sid.
func sess(sid string) *core.Session {
	return &core.Session{Subject: "alice", Issuer: "https://sessions.example.test", SessionID: sid, Token: "eyJ.secret-token.sig"}
}

// eventually waits up to a second for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 1s: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDenyListRefusesRevokedSessionsAndPassesOthers(t *testing.T) {
	now := time.Now()
	s := memstore.New()
	defer s.Close()
	create(t, s, now, "before", "after", "other")
	revoke(t, s, "before", now)
	d := newDenyList(t, s, sessions.DenyListConfig{PollInterval: time.Hour}) // only memstore's push delivers

	if err := d.Revoked(bg, sess("before"), false); !errors.Is(err, core.ErrSessionRevoked) {
		t.Errorf("a session revoked before the list started: %v, want ErrSessionRevoked", err)
	}
	for _, sid := range []string{"after", "other", "never-created"} {
		if err := d.Revoked(bg, sess(sid), false); err != nil {
			t.Errorf("unrevoked %s: %v, want nil", sid, err)
		}
	}
	revoke(t, s, "after", now)
	eventually(t, "a session revoked after the list started is refused", func() bool {
		return errors.Is(d.Revoked(bg, sess("after"), false), core.ErrSessionRevoked)
	})
	if err := d.Revoked(bg, sess("other"), false); err != nil {
		t.Errorf("other: %v, want nil", err)
	}
	if err := d.Revoked(bg, &core.Session{Subject: "alice"}, false); err != nil {
		t.Errorf("a token without sid: %v, want nil (nothing to look up)", err)
	}
	if d.Len() != 2 {
		t.Errorf("Len = %d, want 2", d.Len())
	}
}

func TestDenyListWithIssuerChecksOnlyThatIssuersTokens(t *testing.T) {
	now := time.Now()
	s := memstore.New()
	defer s.Close()
	create(t, s, now, "x")
	revoke(t, s, "x", now)
	d := newDenyList(t, s, sessions.DenyListConfig{Issuer: "https://sessions.example.test"})
	if err := d.Revoked(bg, sess("x"), false); !errors.Is(err, core.ErrSessionRevoked) {
		t.Errorf("the manager's token: %v, want ErrSessionRevoked", err)
	}
	provider := &core.Session{Subject: "alice", Issuer: "https://provider.example.test", SessionID: "x"}
	for _, strict := range []bool{false, true} {
		if err := d.Revoked(bg, provider, strict); err != nil {
			t.Errorf("a provider's token whose own sid matches (strict %v): %v, want nil", strict, err)
		}
	}
}

func TestDenyListInitialLoadSkipsEntriesOlderThanKeep(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	s := memstore.New()
	defer s.Close()
	create(t, s, now.Add(-time.Hour), "old", "recent")
	revoke(t, s, "old", now.Add(-11*time.Minute))
	revoke(t, s, "recent", now.Add(-9*time.Minute))
	d := newDenyList(t, s, sessions.DenyListConfig{Keep: 10 * time.Minute, Clock: func() time.Time { return now }})
	if err := d.Revoked(bg, sess("old"), false); err != nil {
		t.Errorf("revoked 11 min ago with Keep 10 min: %v, want nil (its tokens have expired)", err)
	}
	if err := d.Revoked(bg, sess("recent"), false); !errors.Is(err, core.ErrSessionRevoked) {
		t.Errorf("revoked 9 min ago with Keep 10 min: %v, want ErrSessionRevoked", err)
	}
	if d.Len() != 1 {
		t.Errorf("Len = %d, want 1", d.Len())
	}
}

// TestDenyListDefaultKeepCoversTheLongestAccessToken: by default an entry
// lives as long as the longest access token the Manager can mint (1h) plus
// the most leeway a gate allows, so raising AccessTTL alone never lets a
// revoked session's tokens outlive their entry.
func TestDenyListDefaultKeepCoversTheLongestAccessToken(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	s := memstore.New()
	defer s.Close()
	create(t, s, now.Add(-2*time.Hour), "hour-ago", "too-old")
	revoke(t, s, "hour-ago", now.Add(-64*time.Minute))
	revoke(t, s, "too-old", now.Add(-66*time.Minute))
	d := newDenyList(t, s, sessions.DenyListConfig{Clock: func() time.Time { return now }})
	if err := d.Revoked(bg, sess("hour-ago"), false); !errors.Is(err, core.ErrSessionRevoked) {
		t.Errorf("revoked 64 min ago (a 1h token may still live): %v, want ErrSessionRevoked", err)
	}
	if err := d.Revoked(bg, sess("too-old"), false); err != nil {
		t.Errorf("revoked 66 min ago: %v, want nil (every token it had has expired)", err)
	}
}

func TestDenyListDropsEntriesAfterKeep(t *testing.T) {
	c := &mclock{t: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	s := memstore.New()
	defer s.Close()
	create(t, s, c.Now(), "a1", "a2")
	revoke(t, s, "a1", c.Now())
	const keep = 8 * time.Minute
	d := newDenyList(t, s, sessions.DenyListConfig{Keep: keep, PollInterval: 5 * time.Millisecond, Clock: c.Now})

	c.Add(keep - time.Second)
	revoke(t, s, "a2", c.Now())
	eventually(t, "a2 is listed", func() bool { return d.Len() == 2 })
	time.Sleep(20 * time.Millisecond) // several polls at Keep - 1s
	if err := d.Revoked(bg, sess("a1"), false); !errors.Is(err, core.ErrSessionRevoked) {
		t.Errorf("just before Keep: %v, want ErrSessionRevoked", err)
	}

	c.Add(time.Second + keep/8 + time.Second) // a1 is past Keep + Keep/8
	eventually(t, "a1 is dropped after Keep + Keep/8", func() bool { return d.Len() == 1 })
	if err := d.Revoked(bg, sess("a1"), false); err != nil {
		t.Errorf("after Keep: %v, want nil", err)
	}
	if err := d.Revoked(bg, sess("a2"), false); !errors.Is(err, core.ErrSessionRevoked) {
		t.Errorf("a2, revoked within Keep: %v, want ErrSessionRevoked", err)
	}
}

// staleList returns a list over a store whose feed fails from now on,
// once the list has turned stale.
func staleList(t *testing.T, failClosed bool, log *logs) (*sessions.DenyList, *flaky) {
	t.Helper()
	now := time.Now()
	f := &flaky{Store: memstore.New()}
	t.Cleanup(func() { f.Close() })
	create(t, f, now, "sid-gone-9c1e", "sid-fine-7f3a")
	revoke(t, f, "sid-gone-9c1e", now)
	d := newDenyList(t, f, sessions.DenyListConfig{
		PollInterval: 5 * time.Millisecond, StaleAfter: 30 * time.Millisecond, FailClosed: failClosed,
		Logger: slog.New(slog.NewTextHandler(log, nil)),
	})
	if d.Stale() {
		t.Fatal("the list is stale right after a successful load")
	}
	f.down.Store(true)
	eventually(t, "the list turns stale", d.Stale)
	return d, f
}

func TestDenyListStaleFeedFailsOpenWithARateLimitedWarning(t *testing.T) {
	var log logs
	d, f := staleList(t, false, &log)
	for range 100 {
		if err := d.Revoked(bg, sess("sid-fine-7f3a"), false); err != nil {
			t.Fatalf("an unlisted session on a stale, fail-open list: %v, want nil", err)
		}
	}
	if err := d.Revoked(bg, sess("sid-gone-9c1e"), false); !errors.Is(err, core.ErrSessionRevoked) {
		t.Errorf("a listed session on a stale list: %v, want ErrSessionRevoked", err)
	}
	out := log.String()
	if n := strings.Count(out, "letting sessions through unchecked"); n != 1 {
		t.Errorf("100 checks on a stale list logged %d fail-open warnings, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "the revocation feed is stale") || !strings.Contains(out, "store unavailable") {
		t.Errorf("the log does not say the feed turned stale and why:\n%s", out)
	}
	for _, secret := range []string{"secret-token", "sid-fine-7f3a", "sid-gone-9c1e"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q (a token or session ID):\n%s", secret, out)
		}
	}
	f.down.Store(false)
	eventually(t, "the list is current again once the feed reads", func() bool { return !d.Stale() })
}

func TestDenyListStaleFeedFailsClosedWith503ThroughAGate(t *testing.T) {
	var log logs
	d, _ := staleList(t, true, &log)
	if err := d.Revoked(bg, sess("sid-fine-7f3a"), false); !errors.Is(err, sessions.ErrFeedStale) {
		t.Errorf("Revoked on a stale, fail-closed list: %v, want ErrFeedStale", err)
	}
	iss, gate := issuerAndGate(t, d)
	tok := mint(t, iss, "sid-fine-7f3a")
	dec := gate.Check(bearer(tok), core.CheckOptions{})
	if got := core.ErrorResponse(dec.Err); !errors.Is(dec.Err, core.ErrRevocationsUnavailable) || got.Status != 503 {
		t.Errorf("gate on a stale, fail-closed list: %v (status %d), want ErrRevocationsUnavailable 503", dec.Err, got.Status)
	}
	if strings.Contains(log.String(), tok) {
		t.Error("the log holds the token")
	}
}

func TestDenyListReadThatHangsMakesTheListStaleAndIsRetried(t *testing.T) {
	var log logs
	f := &flaky{Store: memstore.New()}
	defer f.Close()
	d := newDenyList(t, f, sessions.DenyListConfig{
		PollInterval: 5 * time.Millisecond, StaleAfter: 30 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&log, nil)),
	})
	f.hang.Store(true)
	eventually(t, "a hanging read makes the list stale", d.Stale)
	if !strings.Contains(log.String(), "a read is taking longer than StaleAfter") {
		t.Errorf("the stale warning does not say a read hangs:\n%s", log.String())
	}
	f.hang.Store(false)
	eventually(t, "the hung read is given up and the next one succeeds", func() bool { return !d.Stale() })
}

// issuerAndGate returns a dev issuer and a gate that trusts it (static
// keys, no HTTP) and asks revs.
func issuerAndGate(t *testing.T, revs core.Revocations) (*devissuer.Issuer, *core.Gate) {
	t.Helper()
	iss, err := devissuer.New(devissuer.Config{Issuer: "https://sessions.example.test", TTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	g, err := core.New(core.Config{
		Issuers:     []core.Issuer{{Name: iss.URL(), JWKS: string(iss.JWKS())}},
		Revocations: revs, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return iss, g
}

// mint returns an access token of alice for session sid ("" for none).
func mint(t *testing.T, iss *devissuer.Issuer, sid string) string {
	t.Helper()
	extra := map[string]any{}
	if sid != "" {
		extra["sid"] = sid
	}
	tok, err := iss.Mint(devissuer.Claims{Subject: "alice", Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// bearer is a request carrying tok in the Authorization header.
func bearer(tok string) core.Request {
	r := httptest.NewRequest("GET", "https://api.example.test/orders", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return core.HTTPRequest(r)
}

func TestGateWithDenyListRefusesARevokedSessionsAccessToken(t *testing.T) {
	s := memstore.New()
	defer s.Close()
	create(t, s, time.Now(), "s1", "s2")
	d := newDenyList(t, s, sessions.DenyListConfig{PollInterval: time.Hour})
	iss, gate := issuerAndGate(t, d)
	tok1, tok2 := mint(t, iss, "s1"), mint(t, iss, "s2")
	if dec := gate.Check(bearer(tok1), core.CheckOptions{}); dec.Err != nil {
		t.Fatalf("before the revocation: %v", dec.Err)
	}
	revoke(t, s, "s1", time.Now())
	eventually(t, "the gate refuses s1's token once s1 is revoked", func() bool {
		return errors.Is(gate.Check(bearer(tok1), core.CheckOptions{}).Err, core.ErrSessionRevoked)
	})
	dec := gate.Check(bearer(tok1), core.CheckOptions{})
	if got := core.ErrorResponse(dec.Err); got.Status != 401 || dec.Session != nil {
		t.Errorf("revoked session's token: status %d, session %v; want 401 and no session", got.Status, dec.Session)
	}
	if dec := gate.Check(bearer(tok2), core.CheckOptions{}); dec.Err != nil || dec.Session.SessionID != "s2" {
		t.Errorf("another session's token: %v, want it through", dec.Err)
	}
}

func TestDenyListStrictCheckAsksTheStore(t *testing.T) {
	now := time.Now()
	f := &flaky{Store: memstore.New()}
	defer f.Close()
	create(t, f, now, "live", "late")
	idle := live("idle", "alice", now.Add(-48*time.Hour))
	if err := f.Create(bg, idle); err != nil {
		t.Fatal(err)
	}
	if err := f.Create(bg, live("bobs", "bob", now)); err != nil {
		t.Fatal(err)
	}
	d := newDenyList(t, f, sessions.DenyListConfig{PollInterval: time.Hour, StaleAfter: 2 * time.Hour})

	revoke(t, f, "late", now) // the list polls hourly: only the store knows yet
	if err := d.Revoked(bg, sess("late"), false); err != nil {
		t.Fatalf("not strict, before the feed delivered: %v, want nil (the test needs an undelivered revocation)", err)
	}
	rows := []struct {
		name string
		s    *core.Session
		want error // nil, core.ErrSessionRevoked, or sessions.ErrStoreUnavailable
		down bool
	}{
		{"a live session passes", sess("live"), nil, false},
		{"a revocation the feed has not delivered yet is refused", sess("late"), core.ErrSessionRevoked, false},
		{"an idle-expired session is refused", sess("idle"), core.ErrSessionRevoked, false},
		{"an unknown (swept) session is refused", sess("gone"), core.ErrSessionRevoked, false},
		{"a session of another subject than the token's is refused", sess("bobs"), core.ErrSessionRevoked, false},
		{"a token without sid is refused: there is nothing to look up", &core.Session{Subject: "alice"}, core.ErrSessionRevoked, false},
		{"an unreachable store is an error that is no revocation (503)", sess("live"), sessions.ErrStoreUnavailable, true},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			f.down.Store(row.down)
			defer f.down.Store(false)
			err := d.Revoked(bg, row.s, true)
			if (row.want == nil) != (err == nil) || (row.want != nil && !errors.Is(err, row.want)) {
				t.Errorf("Revoked(strict) = %v, want %v", err, row.want)
			}
			if row.want == sessions.ErrStoreUnavailable && errors.Is(err, core.ErrSessionRevoked) {
				t.Errorf("a store error reads as a revocation: %v", err)
			}
		})
	}
}

func TestDenyListStrictRouteThroughAGate(t *testing.T) {
	f := &flaky{Store: memstore.New()}
	defer f.Close()
	create(t, f, time.Now(), "s1")
	d := newDenyList(t, f, sessions.DenyListConfig{PollInterval: time.Hour, StaleAfter: 2 * time.Hour})
	iss, gate := issuerAndGate(t, d)
	tok := mint(t, iss, "s1")
	revoke(t, f, "s1", time.Now())
	if dec := gate.Check(bearer(tok), core.CheckOptions{}); dec.Err != nil {
		t.Fatalf("a lax route before the feed delivered: %v, want through", dec.Err)
	}
	dec := gate.Check(bearer(tok), core.CheckOptions{Strict: true}.WithContext(bg))
	if !errors.Is(dec.Err, core.ErrSessionRevoked) {
		t.Errorf("a strict route: %v, want ErrSessionRevoked", dec.Err)
	}
}

func TestDenyListCloseStopsItsGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, name := range []string{"memstore (push and poll)", "polling only"} {
		var s sessions.Store = memstore.New()
		if name == "polling only" {
			s = &flaky{Store: s}
		}
		d, err := sessions.NewDenyList(bg, s, sessions.DenyListConfig{PollInterval: time.Millisecond, StaleAfter: time.Second, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // let it poll
		if err := d.Close(); err != nil {
			t.Errorf("%s: Close: %v", name, err)
		}
		if err := d.Close(); err != nil {
			t.Errorf("%s: a second Close: %v", name, err)
		}
		if !d.Stale() {
			t.Errorf("%s: a closed list is not stale", name)
		}
		s.Close()
	}
}

func TestNewDenyListRefusesBadConfigAndAnUnreadableStore(t *testing.T) {
	s := memstore.New()
	defer s.Close()
	rows := []struct {
		name  string
		store sessions.Store
		cfg   sessions.DenyListConfig
		field string
	}{
		{"no store", nil, sessions.DenyListConfig{}, "store"},
		{"negative Keep", s, sessions.DenyListConfig{Keep: -time.Second}, "DenyListConfig.Keep"},
		{"negative PollInterval", s, sessions.DenyListConfig{PollInterval: -time.Second}, "DenyListConfig.PollInterval"},
		{"StaleAfter not longer than PollInterval", s, sessions.DenyListConfig{PollInterval: time.Second, StaleAfter: time.Second}, "DenyListConfig.StaleAfter"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			d, err := sessions.NewDenyList(bg, row.store, row.cfg)
			var ce *core.ConfigError
			if d != nil || !errors.As(err, &ce) || ce.Field != row.field {
				t.Errorf("NewDenyList = %v, %v; want a ConfigError naming %s", d, err, row.field)
			}
		})
	}
	t.Run("an unreadable store: the error, nothing started", func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		f := &flaky{Store: s}
		f.down.Store(true)
		d, err := sessions.NewDenyList(bg, f, sessions.DenyListConfig{})
		if d != nil || !errors.Is(err, sessions.ErrStoreUnavailable) {
			t.Errorf("NewDenyList = %v, %v; want ErrStoreUnavailable", d, err)
		}
	})
}

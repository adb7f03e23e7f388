// Package storetest is the conformance suite every sessions.Store driver
// runs: the one contract for what a store must do. It drives the store
// through its interface only: creation, the five rotation outcomes (each
// atomic, also under 100 concurrent calls spread over several handles on
// one database), revocation and its feed, listing, one-time keys, signing
// keys, the expiry sweep, a sessions.DenyList following the feed of another
// handle (by push or by polling), context cancellation and, when the driver
// can produce one, an unreachable server; and, through sessions.Manager
// instances sharing the database, what the app sees: one successor for
// 100 concurrent refreshes, one reuse alarm, a generation ahead refused
// without revocation, one signing key per slot.
//
// A driver module calls it from conformance_test.go:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			NewDatabase: func(tb testing.TB) storetest.Opener {
//				// create an empty database (a temp file, a schema, a key
//				// prefix) and return a function that opens a handle on it
//			},
//		})
//	}
//
//	func BenchmarkRotate(b *testing.B) { storetest.BenchmarkRotate(b, harness) }
//
// Every case is a subtest named by the behaviour it pins, and Run logs how
// many there are: go test -v -run 'TestConformance$' prints "storetest: N
// cases". A store that implements sessions.Notifier also gets the notify
// cases (others skip them). For a driver whose tests start a database
// server in TestMain, Server, FreePort and AfterExit do the common part. The
// suite uses only the standard library and its sibling modules (sessions,
// core; core's gate verifies the managers' tokens).
package storetest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// Harness is what a driver gives the suite.
type Harness struct {
	// NewDatabase prepares an empty database for one test and returns an
	// Opener for it.
	NewDatabase func(tb testing.TB) Opener
	// Unreachable, when not nil, opens a store whose server cannot be
	// reached (nothing listens where it points). The suite checks that
	// every method then fails promptly with sessions.ErrStoreUnavailable.
	Unreachable func(tb testing.TB) sessions.Store
}

// Opener opens one more handle on the database NewDatabase prepared: its own
// connections, as a second instance of the app would have. A store that
// serves a single process (memstore) returns the same value each time. The
// suite closes every handle it opens (once per distinct value).
type Opener func(tb testing.TB) sessions.Store

// Run runs every conformance case, each as a subtest named by the behaviour
// it pins.
func Run(t *testing.T, h Harness) {
	all := cases()
	t.Logf("storetest: %d cases", len(all))
	for _, c := range all {
		t.Run(c.name, func(t *testing.T) {
			if c.unreachable && h.Unreachable == nil {
				t.Skip("the harness has no unreachable store (Harness.Unreachable is nil)")
			}
			c.run(t, h)
		})
	}
}

// testCase is one named case of the suite.
type testCase struct {
	name        string
	unreachable bool // needs Harness.Unreachable
	run         func(t *testing.T, h Harness)
}

// cases lists the suite, group by group.
func cases() []testCase {
	var all []testCase
	for _, group := range [][]testCase{
		createCases(), rotateCases(), concurrencyCases(), revokeCases(), feedCases(),
		listCases(), onceCases(), keyCases(), sweepCases(), notifyCases(), denyListCases(), failureCases(), managerCases(),
	} {
		all = append(all, group...)
	}
	return all
}

// one opens a fresh database and one handle on it.
func one(tb testing.TB, h Harness) sessions.Store {
	return handles(tb, h, 1)[0]
}

// handles opens a fresh database and n handles on it, closed at cleanup.
func handles(tb testing.TB, h Harness, n int) []sessions.Store {
	tb.Helper()
	open := h.NewDatabase(tb)
	var out []sessions.Store
	for range n {
		s := open(tb)
		if s == nil {
			tb.Fatal("the Opener returned a nil store")
		}
		if !contains(out, s) {
			tb.Cleanup(func() {
				if err := s.Close(); err != nil {
					tb.Errorf("Close: %v", err)
				}
			})
		}
		out = append(out, s)
	}
	return out
}

func contains(list []sessions.Store, s sessions.Store) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The suite's clock: a fixed instant with a microsecond fraction, so a
// store that loses precision (or writes a Lua number as %.14g) shows it.
var t0 = time.Date(2031, 3, 4, 5, 6, 7, 891011000, time.UTC)

const (
	idle     = 14 * 24 * time.Hour
	lifetime = 30 * 24 * time.Hour
	grace    = 30 * time.Second
)

// session is a live session of subject created at t0 plus the given
// minutes, never rotated, with every field set.
func session(id, subject string, minutes int) sessions.Record {
	at := t0.Add(time.Duration(minutes) * time.Minute)
	return sessions.Record{
		ID: id, Subject: subject, Generation: 1, Seed: seed(id),
		CreatedAt: at, LastUsed: at, IdleExpiresAt: at.Add(idle), ExpiresAt: at.Add(lifetime),
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64) storetest", IP: "192.0.2.7",
		Claims: []byte(`{"roles":["admin"]}`), KeyBinding: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
	}
}

func seed(id string) sessions.Hash {
	var h sessions.Hash
	copy(h[:], "seed of "+id+" ..................................")
	return h
}

var bg = context.Background()

// mustCreate stores every record or fails the test.
func mustCreate(tb testing.TB, s sessions.Store, rs ...sessions.Record) {
	tb.Helper()
	for _, r := range rs {
		if err := s.Create(bg, r); err != nil {
			tb.Fatalf("Create(%s): %v", r.ID, err)
		}
	}
}

// mustGet returns the stored session or fails the test.
func mustGet(tb testing.TB, s sessions.Store, id string) sessions.Record {
	tb.Helper()
	r, err := s.Get(bg, id)
	if err != nil {
		tb.Fatalf("Get(%s): %v", id, err)
	}
	return r
}

// diffRecord describes how got differs from want ("" when equal): times by
// instant (a store may give another location), bytes by content.
func diffRecord(got, want sessions.Record) string {
	var d []string
	add := func(field string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s = %v, want %v", field, g, w))
		}
	}
	add("ID", got.ID == want.ID, got.ID, want.ID)
	add("Subject", got.Subject == want.Subject, got.Subject, want.Subject)
	add("Generation", got.Generation == want.Generation, got.Generation, want.Generation)
	add("Seed", got.Seed == want.Seed, got.Seed, want.Seed)
	for _, f := range [][3]any{
		{"RotatedAt", got.RotatedAt, want.RotatedAt}, {"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"LastUsed", got.LastUsed, want.LastUsed}, {"IdleExpiresAt", got.IdleExpiresAt, want.IdleExpiresAt},
		{"ExpiresAt", got.ExpiresAt, want.ExpiresAt}, {"RevokedAt", got.RevokedAt, want.RevokedAt},
	} {
		g, w := f[1].(time.Time), f[2].(time.Time)
		add(f[0].(string), g.Equal(w), g.Format(time.RFC3339Nano), w.Format(time.RFC3339Nano))
	}
	add("UserAgent", got.UserAgent == want.UserAgent, got.UserAgent, want.UserAgent)
	add("IP", got.IP == want.IP, got.IP, want.IP)
	add("Claims", bytes.Equal(got.Claims, want.Claims), string(got.Claims), string(want.Claims))
	add("KeyBinding", got.KeyBinding == want.KeyBinding, got.KeyBinding, want.KeyBinding)
	add("RevokeReason", got.RevokeReason == want.RevokeReason, got.RevokeReason, want.RevokeReason)
	if len(d) == 0 {
		return ""
	}
	return fmt.Sprint(d)
}

// sameRecord fails the test when got differs from want.
func sameRecord(tb testing.TB, what string, got, want sessions.Record) {
	tb.Helper()
	if d := diffRecord(got, want); d != "" {
		tb.Errorf("%s: %s", what, d)
	}
}

// feed returns the whole revocation feed.
func feed(tb testing.TB, s sessions.Store) []sessions.Revocation {
	tb.Helper()
	out, err := s.Revocations(bg, 0, 1<<20)
	if err != nil {
		tb.Fatalf("Revocations: %v", err)
	}
	return out
}

// parallel runs f(i) for i in [0, n) at once and waits for all.
func parallel(n int, f func(i int)) {
	start := make(chan struct{})
	done := make(chan struct{}, n)
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			f(i)
		}()
	}
	close(start)
	for range n {
		<-done
	}
}

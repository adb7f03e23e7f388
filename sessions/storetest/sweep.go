package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// The sweep cases run at now with keep = one hour: a session that ended
// before now-1h goes, one that ended since stays.
const keep = time.Hour

// ended returns a session of alice that ended ago before now, in the way
// named: "revoked", "idle" or "absolute".
func ended(id, how string, ago time.Duration) sessions.Record {
	r := session(id, "alice", 0)
	at := now.Add(-ago)
	switch how {
	case "revoked":
		r.RevokedAt, r.RevokeReason = at, "logout"
	case "idle":
		r.IdleExpiresAt = at
	case "absolute":
		r.IdleExpiresAt, r.ExpiresAt = at, at
	}
	return r
}

func sweep(t *testing.T, s sessions.Store, limit int) int {
	t.Helper()
	n, err := s.Sweep(bg, now, keep, limit)
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	return n
}

func sweepCases() []testCase {
	return []testCase{
		{name: "sweep/deletes sessions ended before now minus keep, up to limit per call", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			for i, how := range []string{"revoked", "idle", "absolute", "revoked", "idle"} {
				mustCreate(t, s, ended(fmt.Sprint("e", i), how, 2*time.Hour))
			}
			for i, want := range []int{2, 2, 1, 0} {
				if n := sweep(t, s, 2); n != want {
					t.Errorf("Sweep call %d deleted %d, want %d", i+1, n, want)
				}
			}
		}},
		{name: "sweep/each way of ending counts: revoked, idle-expired, absolutely expired; Get then gives ErrNotFound", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			mustCreate(t, s, ended("rev", "revoked", 2*time.Hour), ended("idl", "idle", 2*time.Hour), ended("abs", "absolute", 2*time.Hour))
			if n := sweep(t, s, 100); n != 3 {
				t.Errorf("Sweep deleted %d, want 3", n)
			}
			for _, id := range []string{"rev", "idl", "abs"} {
				if _, err := s.Get(bg, id); !errors.Is(err, sessions.ErrNotFound) {
					t.Errorf("Get(%s) after Sweep: %v, want ErrNotFound", id, err)
				}
			}
		}},
		{name: "sweep/keeps live sessions and sessions that ended within keep", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			keepers := []sessions.Record{
				session("live", "alice", 0), ended("rev", "revoked", 30*time.Minute),
				ended("idl", "idle", 30*time.Minute), ended("abs", "absolute", keep-time.Microsecond),
			}
			mustCreate(t, s, keepers...)
			if n := sweep(t, s, 100); n != 0 {
				t.Errorf("Sweep deleted %d, want 0", n)
			}
			for _, r := range keepers {
				sameRecord(t, r.ID, mustGet(t, s, r.ID), r)
			}
		}},
		{name: "sweep/a swept session no longer lists nor revokes", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			mustCreate(t, s, ended("gone", "revoked", 2*time.Hour), session("live", "alice", 1))
			sweep(t, s, 100)
			list, err := s.ListByUser(bg, "alice", now)
			if err != nil || len(list) != 1 || list[0].ID != "live" {
				t.Errorf("ListByUser after Sweep = %v, %v; want only live", list, err)
			}
			if n, err := s.Revoke(bg, sessions.RevokeFilter{ID: "gone"}, "admin", now); n != 0 || err != nil {
				t.Errorf("Revoke of a swept session = %d, %v; want 0", n, err)
			}
		}},
		{name: "sweep/feed entries older than keep go, newer ones stay", run: sweepFeed},
	}
}

func sweepFeed(t *testing.T, h Harness) {
	s := one(t, h)
	mustCreate(t, s, session("a", "alice", 0), session("b", "alice", 1))
	// In feed order, as a real clock writes them: a store may trim the feed
	// from its oldest entry and stop at the first one it keeps.
	for _, r := range []struct {
		id string
		at time.Time
	}{{"a", now.Add(-keep - time.Second)}, {"b", now.Add(-keep + time.Second)}} {
		if _, err := s.Revoke(bg, sessions.RevokeFilter{ID: r.id}, "admin", r.at); err != nil {
			t.Fatal(err)
		}
	}
	sweep(t, s, 100)
	if f := feed(t, s); len(f) != 1 || f[0].SessionID != "b" {
		t.Errorf("feed after Sweep = %+v, want b's entry only", f)
	}
}

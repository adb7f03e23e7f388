package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// The revoke rows run on one population: alice's live a1, a2, a3 (a3 the
// newest), her revoked a4 and idle-expired a5, and bob's live b1.
func population() []sessions.Record {
	a4 := session("a4", "alice", 4)
	a4.RevokedAt, a4.RevokeReason = now.Add(-time.Hour), "logout"
	a5 := session("a5", "alice", 5)
	a5.IdleExpiresAt = now.Add(-time.Minute)
	return []sessions.Record{
		session("a1", "alice", 1), session("a2", "alice", 2), session("a3", "alice", 3), a4, a5,
		session("b1", "bob", 6),
	}
}

// revokeRow is one filter applied to the population at now.
type revokeRow struct {
	name   string
	filter sessions.RevokeFilter
	want   []string // the sessions it revokes
}

var revokeRows = []revokeRow{
	{name: "by ID: that session only", filter: sessions.RevokeFilter{ID: "a2"}, want: []string{"a2"}},
	{name: "by ID of a revoked session: no-op, the first reason and time stay", filter: sessions.RevokeFilter{ID: "a4"}},
	{name: "by ID of an idle-expired session: no-op", filter: sessions.RevokeFilter{ID: "a5"}},
	{name: "by unknown ID: no-op, no error", filter: sessions.RevokeFilter{ID: "nope"}},
	{name: "by subject: every live session of the user", filter: sessions.RevokeFilter{Subject: "alice"}, want: []string{"a1", "a2", "a3"}},
	{name: "by subject except the current session: the others", filter: sessions.RevokeFilter{Subject: "alice", Except: "a2"}, want: []string{"a1", "a3"}},
	{name: "by subject except another user's session: every live session of the user", filter: sessions.RevokeFilter{Subject: "alice", Except: "b1"}, want: []string{"a1", "a2", "a3"}},
	{name: "by unknown subject: no-op", filter: sessions.RevokeFilter{Subject: "carol"}},
	{name: "all: every live session of every user", filter: sessions.RevokeFilter{All: true}, want: []string{"a1", "a2", "a3", "b1"}},
}

func (row revokeRow) run(t *testing.T, h Harness) {
	s := one(t, h)
	pop := population()
	mustCreate(t, s, pop...)
	n, err := s.Revoke(bg, row.filter, "admin", now)
	if err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if n != len(row.want) {
		t.Errorf("Revoke returned %d, want %d", n, len(row.want))
	}
	for _, r := range pop {
		if slices.Contains(row.want, r.ID) {
			r.RevokedAt, r.RevokeReason = now, "admin"
		}
		sameRecord(t, r.ID, mustGet(t, s, r.ID), r)
	}
	entries := feed(t, s)
	wantFeed(t, entries, pop, row.want)
	again, err := s.Revoke(bg, row.filter, "again", now.Add(time.Minute))
	if err != nil || again != 0 || len(feed(t, s)) != len(entries) {
		t.Errorf("the same Revoke again: %d, %v, feed %d entries; want 0, no error, feed unchanged", again, err, len(feed(t, s)))
	}
}

// wantFeed checks that the feed names exactly the sessions ids (in any
// order), in strictly increasing Seq, each revoked at now by "admin".
func wantFeed(t *testing.T, entries []sessions.Revocation, pop []sessions.Record, ids []string) {
	t.Helper()
	var got []string
	for i, e := range entries {
		got = append(got, e.SessionID)
		if i > 0 && e.Seq <= entries[i-1].Seq {
			t.Errorf("feed Seq %d follows %d: not strictly increasing", e.Seq, entries[i-1].Seq)
		}
		if !e.At.Equal(now) || e.Reason != "admin" || e.Subject != subjectOf(pop, e.SessionID) {
			t.Errorf("feed entry %+v: want At now, reason admin, the session's subject", e)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, ids) {
		t.Errorf("feed names %v, want %v", got, ids)
	}
}

func subjectOf(pop []sessions.Record, id string) string {
	for _, r := range pop {
		if r.ID == id {
			return r.Subject
		}
	}
	return ""
}

// badFilters break RevokeFilter's "exactly one of ID, Subject or All".
var badFilters = []struct {
	name   string
	filter sessions.RevokeFilter
}{
	{"empty filter", sessions.RevokeFilter{}},
	{"ID and All", sessions.RevokeFilter{ID: "a1", All: true}},
	{"ID and Subject", sessions.RevokeFilter{ID: "a1", Subject: "alice"}},
	{"Subject and All", sessions.RevokeFilter{Subject: "alice", All: true}},
	{"Except alone", sessions.RevokeFilter{Except: "a1"}},
	{"Except with All", sessions.RevokeFilter{All: true, Except: "a1"}},
}

func revokeCases() []testCase {
	var out []testCase
	for _, row := range revokeRows {
		out = append(out, testCase{name: "revoke/" + row.name, run: row.run})
	}
	for _, bad := range badFilters {
		out = append(out, testCase{name: "revoke/invalid filter, " + bad.name + ": ErrInvalidFilter, nothing changes", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			pop := population()
			mustCreate(t, s, pop...)
			if n, err := s.Revoke(bg, bad.filter, "admin", now); n != 0 || !errors.Is(err, sessions.ErrInvalidFilter) {
				t.Errorf("Revoke(%+v) = %d, %v; want 0, ErrInvalidFilter", bad.filter, n, err)
			}
			for _, r := range pop {
				sameRecord(t, r.ID, mustGet(t, s, r.ID), r)
			}
			if f := feed(t, s); len(f) != 0 {
				t.Errorf("feed = %v, want empty", f)
			}
		}})
	}
	return out
}

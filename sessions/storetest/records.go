package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

func createCases() []testCase {
	return []testCase{
		{name: "create/Get returns every field as created, times to the microsecond", run: func(t *testing.T, h Harness) {
			ss := handles(t, h, 2)
			r := session("s1", "alice", 0)
			r.RotatedAt = t0.Add(time.Microsecond) // a stored record may carry one
			mustCreate(t, ss[0], r)
			sameRecord(t, "Get on the handle that created it", mustGet(t, ss[0], "s1"), r)
			sameRecord(t, "Get on another handle", mustGet(t, ss[1], "s1"), r)
		}},
		{name: "create/a record without claims, key binding, user agent or IP comes back so", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			r := session("s1", "alice", 0)
			r.Claims, r.KeyBinding, r.UserAgent, r.IP = nil, "", "", ""
			mustCreate(t, s, r)
			got := mustGet(t, s, "s1")
			sameRecord(t, "Get", got, r)
			if len(got.Claims) != 0 {
				t.Errorf("Claims = %q, want none", got.Claims)
			}
		}},
		{name: "create/the caller's Claims slice changed after Create does not change the store", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			r := session("s1", "alice", 0)
			mustCreate(t, s, r)
			r.Claims[0] = 'X'
			got := mustGet(t, s, "s1")
			if string(got.Claims) != `{"roles":["admin"]}` {
				t.Errorf("Claims = %q after the caller changed its slice", got.Claims)
			}
		}},
		{name: "create/a taken ID: ErrExists, the first record unchanged", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			first := session("s1", "alice", 0)
			mustCreate(t, s, first)
			if err := s.Create(bg, session("s1", "mallory", 9)); !errors.Is(err, sessions.ErrExists) {
				t.Errorf("second Create with the same ID: %v, want ErrExists", err)
			}
			sameRecord(t, "Get", mustGet(t, s, "s1"), first)
		}},
		{name: "create/Get of an unknown ID: ErrNotFound", run: func(t *testing.T, h Harness) {
			if _, err := one(t, h).Get(bg, "nope"); !errors.Is(err, sessions.ErrNotFound) {
				t.Errorf("Get: %v, want ErrNotFound", err)
			}
		}},
	}
}

func listCases() []testCase {
	return []testCase{
		{name: "list/the user's live sessions, newest first, without revoked, expired or other users' sessions", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			gone := session("a6", "alice", 7)
			gone.ExpiresAt = now
			mustCreate(t, s, append(population(), gone)...)
			list, err := s.ListByUser(bg, "alice", now)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"a3", "a2", "a1"}
			if len(list) != len(want) {
				t.Fatalf("ListByUser gave %d sessions, want %v", len(list), want)
			}
			for i, r := range list {
				sameRecord(t, "entry "+want[i], r, session(want[i], "alice", 3-i))
			}
		}},
		{name: "list/a rotated session is listed as it is now", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			mustCreate(t, s, session("a1", "alice", 0))
			res, err := s.Rotate(bg, sessions.RotateRequest{ID: "a1", Generation: 1, Now: now, Grace: grace, IdleTimeout: idle, IP: "203.0.113.5"})
			if err != nil {
				t.Fatal(err)
			}
			list, err := s.ListByUser(bg, "alice", now)
			if err != nil || len(list) != 1 {
				t.Fatalf("ListByUser = %v, %v; want one session", list, err)
			}
			sameRecord(t, "listed", list[0], res.Record)
		}},
		{name: "list/a user without sessions: empty, no error", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			mustCreate(t, s, population()...)
			if list, err := s.ListByUser(bg, "carol", now); len(list) != 0 || err != nil {
				t.Errorf("ListByUser(carol) = %v, %v; want empty", list, err)
			}
		}},
	}
}

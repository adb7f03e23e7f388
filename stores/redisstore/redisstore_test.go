package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/stores/redisstore"
)

var bg = context.Background()

func TestNewRefuses(t *testing.T) {
	if _, err := redisstore.New(nil, redisstore.Options{}); err == nil {
		t.Error("New(nil client) succeeded")
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	for _, p := range []string{"a{b", "a}b", "{sg}"} {
		if _, err := redisstore.New(c, redisstore.Options{Prefix: p}); err == nil {
			t.Errorf("New with Prefix %q succeeded: a brace would move keys out of the store's hash tag", p)
		}
	}
}

func newSession(t *testing.T, s *redisstore.Store, id string, now time.Time) {
	t.Helper()
	err := s.Create(bg, sessions.Record{ID: id, Subject: "alice", Generation: 1, CreatedAt: now, LastUsed: now,
		IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLostWriteIsAhead: Redis acknowledged a rotation, then lost it (a
// failover to a replica that had not seen it, a restart without AOF): the
// browser holds a generation the store never reached. That refresh is
// refused as OutcomeAhead and the session stays live: no theft alarm.
func TestLostWriteIsAhead(t *testing.T) {
	server.Need(t)
	client := newClient(t, false)
	s := open(t, client, "lost-write")
	defer s.Close()
	now := time.Now()
	newSession(t, s, "lw", now)
	before, err := client.Dump(bg, "{lost-write}:s:lw").Result()
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Rotate(bg, sessions.RotateRequest{ID: "lw", Generation: 1, Now: now, Grace: time.Minute, IdleTimeout: time.Hour})
	if err != nil || res.Outcome != sessions.OutcomeRotated {
		t.Fatalf("Rotate: %v, %v", res.Outcome, err)
	}
	if err := client.RestoreReplace(bg, "{lost-write}:s:lw", 0, before).Err(); err != nil { // the write is lost
		t.Fatal(err)
	}
	res, err = s.Rotate(bg, sessions.RotateRequest{ID: "lw", Generation: 2, Now: now.Add(time.Minute), Grace: time.Minute, IdleTimeout: time.Hour})
	if err != nil || res.Outcome != sessions.OutcomeAhead || !res.Record.Live(now) {
		t.Errorf("the browser's generation 2 after the lost write: outcome %v, %v, live %v; want Ahead (%v), live",
			res.Outcome, err, res.Record.Live(now), sessions.OutcomeAhead)
	}
	if feed, _ := s.Revocations(bg, 0, 10); len(feed) != 0 {
		t.Errorf("feed = %v, want empty", feed)
	}
}

// TestPrefixesDoNotMix: two stores on one Redis with different prefixes
// see neither each other's sessions nor each other's feed.
func TestPrefixesDoNotMix(t *testing.T) {
	server.Need(t)
	client := newClient(t, false)
	a, b := open(t, client, "tenant-a"), open(t, client, "tenant-b")
	defer a.Close()
	defer b.Close()
	now := time.Now()
	newSession(t, a, "same-id", now)
	if _, err := b.Get(bg, "same-id"); err != sessions.ErrNotFound {
		t.Errorf("tenant-b sees tenant-a's session: %v", err)
	}
	newSession(t, b, "same-id", now)
	if n, err := a.Revoke(bg, sessions.RevokeFilter{All: true}, "admin", now); n != 1 || err != nil {
		t.Errorf("tenant-a Revoke All = %d, %v; want 1", n, err)
	}
	if r, _ := b.Get(bg, "same-id"); !r.RevokedAt.IsZero() {
		t.Error("tenant-a's Revoke All revoked tenant-b's session")
	}
	if feed, _ := b.Revocations(bg, 0, 10); len(feed) != 0 {
		t.Errorf("tenant-b's feed = %v, want empty", feed)
	}
}

// TestCloseLeavesTheClient: Close leaves the caller's client open (the
// suite checks that it ends Notify), and a closed store refuses to Notify.
func TestCloseLeavesTheClient(t *testing.T) {
	server.Need(t)
	client := newClient(t, false)
	s := open(t, client, "close")
	s.Close()
	if err := client.Ping(bg).Err(); err != nil {
		t.Errorf("the client after Close: %v, want it still open", err)
	}
	if _, err := s.Notify(bg); err == nil {
		t.Error("Notify on a closed store succeeded")
	}
}

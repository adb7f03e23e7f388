package sessions_test

import (
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// sid returns a random session ID shaped as the manager's: 128 bits,
// base64url.
func sid() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// BenchmarkDenyListLookup is the check a gate adds to every request
// (Config.Revocations), on a list of 100,000 revoked sessions: a listed
// session (hit) and an unlisted one (miss). Target: at most 100 ns and no
// allocation.
func BenchmarkDenyListLookup(b *testing.B) {
	s := memstore.New()
	defer s.Close()
	now := time.Now()
	const n = 100_000
	hits := make([]*core.Session, 0, n)
	for range n {
		id := sid()
		if err := s.Create(bg, live(id, "alice", now)); err != nil {
			b.Fatal(err)
		}
		hits = append(hits, &core.Session{Subject: "alice", SessionID: id})
	}
	if m, err := s.Revoke(bg, sessions.RevokeFilter{All: true}, "admin", now); m != n || err != nil {
		b.Fatalf("Revoke = %d, %v", m, err)
	}
	d, err := sessions.NewDenyList(bg, s, sessions.DenyListConfig{PollInterval: time.Hour, StaleAfter: 2 * time.Hour, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if d.Len() != n {
		b.Fatalf("Len = %d, want 100000", d.Len())
	}
	misses := make([]*core.Session, len(hits))
	for i := range misses {
		misses[i] = &core.Session{Subject: "alice", SessionID: sid()}
	}
	// hot cycles through 1,024 sessions, whose map entries stay in the CPU
	// cache, as a busy user's do; spread strides through all 100,000, so
	// most probes miss the cache (the session object and its sid, which a
	// real check finds in the cache, miss it here too: an upper bound).
	for _, bc := range []struct {
		name     string
		sessions []*core.Session
		span     int
		revoked  bool
	}{
		{"hit/hot", hits, 1024, true}, {"hit/spread", hits, n, true},
		{"miss/hot", misses, 1024, false}, {"miss/spread", misses, n, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				err := d.Revoked(bg, bc.sessions[i*7919%bc.span], false)
				if (err != nil) != bc.revoked {
					b.Fatalf("Revoked = %v, want revoked %v", err, bc.revoked)
				}
				i++
			}
		})
	}
}

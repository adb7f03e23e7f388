package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// callers is how many concurrent refreshes present one token: the issue's
// "100 concurrent refreshes with the same token".
const callers = 100

func concurrencyCases() []testCase {
	return []testCase{
		{name: "concurrency/100 rotations with one token on one handle: one rotated, 99 repeated, one successor",
			run: func(t *testing.T, h Harness) { sameToken(t, handles(t, h, 1)) }},
		{name: "concurrency/100 rotations with one token over 4 handles on one database: one rotated, 99 repeated, one successor",
			run: func(t *testing.T, h Harness) { sameToken(t, handles(t, h, 4)) }},
		{name: "concurrency/100 reuses of an old token over 4 handles: one reused, the rest ended, one feed entry",
			run: func(t *testing.T, h Harness) { sameOldToken(t, handles(t, h, 4)) }},
		{name: "concurrency/20 sessions rotated 5 times each at once over 4 handles: every session advances by exactly 5",
			run: func(t *testing.T, h Harness) { manySessions(t, handles(t, h, 4)) }},
	}
}

// rotateAll presents generation gen of session id at now from callers
// goroutines spread over the handles, and counts the outcomes.
func rotateAll(t *testing.T, ss []sessions.Store, id string, gen uint64, now time.Time) (map[sessions.Outcome]int, []sessions.RotateResult) {
	t.Helper()
	var mu sync.Mutex
	counts := map[sessions.Outcome]int{}
	results := make([]sessions.RotateResult, callers)
	parallel(callers, func(i int) {
		res, err := ss[i%len(ss)].Rotate(bg, sessions.RotateRequest{
			ID: id, Generation: gen, Now: now, Grace: grace, IdleTimeout: idle, UserAgent: fmt.Sprint("caller ", i), IP: "192.0.2.1",
		})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("caller %d: Rotate: %v", i, err)
			return
		}
		counts[res.Outcome]++
		results[i] = res
	})
	return counts, results
}

// wantCounts fails the test unless the outcomes are exactly want.
func wantCounts(t *testing.T, got map[sessions.Outcome]int, want map[sessions.Outcome]int) {
	t.Helper()
	for _, o := range []sessions.Outcome{sessions.OutcomeRotated, sessions.OutcomeRepeated, sessions.OutcomeReused, sessions.OutcomeAhead, sessions.OutcomeEnded} {
		if got[o] != want[o] {
			t.Errorf("%s: %d of %d callers, want %d", outcomeName(o), got[o], callers, want[o])
		}
	}
}

func sameToken(t *testing.T, ss []sessions.Store) {
	r := session("s-race", "alice", 0)
	r.Generation, r.RotatedAt = 5, now.Add(-time.Hour)
	mustCreate(t, ss[0], r)
	counts, results := rotateAll(t, ss, r.ID, 5, now)
	wantCounts(t, counts, map[sessions.Outcome]int{sessions.OutcomeRotated: 1, sessions.OutcomeRepeated: callers - 1})
	for i, res := range results {
		if res.Outcome != 0 && res.Record.Generation != 6 {
			t.Errorf("caller %d (%s) got generation %d, want the one successor 6", i, outcomeName(res.Outcome), res.Record.Generation)
		}
	}
	for i, s := range ss {
		if got := mustGet(t, s, r.ID); got.Generation != 6 || !got.RevokedAt.IsZero() {
			t.Errorf("handle %d: generation %d revoked %v, want generation 6, live", i, got.Generation, got.RevokedAt)
		}
	}
	if f := feed(t, ss[0]); len(f) != 0 {
		t.Errorf("feed = %v, want empty", f)
	}
}

func sameOldToken(t *testing.T, ss []sessions.Store) {
	r := session("s-race", "alice", 0)
	r.Generation, r.RotatedAt = 5, now.Add(-10*time.Minute)
	mustCreate(t, ss[0], r)
	counts, _ := rotateAll(t, ss, r.ID, 4, now)
	wantCounts(t, counts, map[sessions.Outcome]int{sessions.OutcomeReused: 1, sessions.OutcomeEnded: callers - 1})
	got := mustGet(t, ss[len(ss)-1], r.ID)
	if !got.RevokedAt.Equal(now) || got.RevokeReason != sessions.ReasonReuse || got.Generation != 5 {
		t.Errorf("session after reuse: generation %d revoked %v (%q), want generation 5 revoked at now (reuse)", got.Generation, got.RevokedAt, got.RevokeReason)
	}
	wantEntry(t, feed(t, ss[0]), sessions.Revocation{SessionID: r.ID, Subject: "alice", At: now, Reason: sessions.ReasonReuse})
}

func manySessions(t *testing.T, ss []sessions.Store) {
	const n, rounds = 20, 5
	for i := range n {
		mustCreate(t, ss[0], session(fmt.Sprint("s-many-", i), "alice", i))
	}
	parallel(n, func(i int) {
		s, id := ss[i%len(ss)], fmt.Sprint("s-many-", i)
		for g := uint64(1); g <= rounds; g++ {
			at := now.Add(time.Duration(g) * time.Minute)
			res, err := s.Rotate(bg, sessions.RotateRequest{ID: id, Generation: g, Now: at, Grace: grace, IdleTimeout: idle})
			if err != nil || res.Outcome != sessions.OutcomeRotated {
				t.Errorf("%s generation %d: %s, %v; want Rotated", id, g, outcomeName(res.Outcome), err)
				return
			}
		}
	})
	for i := range n {
		if got := mustGet(t, ss[0], fmt.Sprint("s-many-", i)); got.Generation != rounds+1 {
			t.Errorf("s-many-%d: generation %d, want %d", i, got.Generation, rounds+1)
		}
	}
}

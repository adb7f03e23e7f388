package sessions

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// t0 is the set tests' epoch.
var setT0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func entry(id string, at time.Duration) Revocation {
	return Revocation{SessionID: id, At: setT0.Add(at)}
}

// TestRevokedSetKeepsWhatIsWithinKeepAndNeverChangesAPublishedSet feeds
// random batches, with time moving on, through every path of with (copy of
// recent, merge into base, rebuild with pruning) and checks each result
// against a plain map, and that the set before it did not change.
func TestRevokedSetKeepsWhatIsWithinKeepAndNeverChangesAPublishedSet(t *testing.T) {
	const keep, slack = 100 * time.Second, 10 * time.Second
	rng := rand.New(rand.NewPCG(1, 2))
	added := map[string]time.Duration{} // every ID fed, with its time
	cur, paths := emptySet, map[string]int{}
	for step := range 1500 {
		now := time.Duration(step) * 200 * time.Millisecond
		var batch []Revocation
		for range rng.IntN(80) {
			id := fmt.Sprint("s", len(added))
			at := now - time.Duration(rng.IntN(120))*time.Second // some arrive already expired
			added[id] = at
			batch = append(batch, entry(id, at))
		}
		cutoff, prune := setT0.Add(now-keep).UnixNano(), setT0.Add(now-keep-slack).UnixNano()
		before, beforeSize := cur, cur.size()
		next := cur.with(batch, cutoff, prune)
		paths[path(cur, next, prune)]++
		if before.size() != beforeSize {
			t.Fatalf("step %d: with changed the published set (size %d -> %d)", step, beforeSize, before.size())
		}
		for _, r := range batch {
			if want := r.At.UnixNano() >= cutoff; next.has(r.SessionID) != want {
				t.Fatalf("step %d: %s revoked %v before now: listed %v, want %v", step, r.SessionID, now-added[r.SessionID], !want, want)
			}
		}
		for _, m := range []map[string]int64{next.base, next.recent} {
			for id, at := range m {
				if at < prune || at < next.oldest {
					t.Fatalf("step %d: %s is older than Keep + slack (or than oldest) and still listed", step, id)
				}
			}
		}
		for _, m := range []map[string]int64{before.base, before.recent} {
			for id, at := range m {
				if at >= cutoff && !next.has(id) {
					t.Fatalf("step %d: %s, within Keep, was dropped", step, id)
				}
			}
		}
		cur = next
	}
	for _, p := range []string{"recent", "merge", "rebuild", "unchanged"} {
		if paths[p] == 0 {
			t.Errorf("no step took the %s path (%v): the test does not cover it", p, paths)
		}
	}
	t.Logf("paths taken: %v", paths)
}

// path names what with did to go from cur to next.
func path(cur, next *revokedSet, prune int64) string {
	switch {
	case next == cur:
		return "unchanged"
	case cur.oldest < prune:
		return "rebuild"
	case len(next.recent) == 0:
		return "merge"
	}
	return "recent"
}

// base100k is a set of 100,000 session IDs (22 characters, as a 128-bit
// base64url ID) revoked within Keep, all in base.
func base100k() (*revokedSet, []Revocation) {
	var all []Revocation
	for i := range 100_000 {
		all = append(all, entry(fmt.Sprintf("%022d", i), time.Duration(i)*time.Millisecond))
	}
	s := &revokedSet{base: map[string]int64{}, oldest: setT0.UnixNano()}
	s.add(s.base, all)
	return s, all
}

// BenchmarkDenyListUpdate is what one feed batch of one revocation costs on
// a list of 100,000: recent=0 just after a merge, recent=10000 just before
// one (recent is copied), and merge when recent is folded into base.
func BenchmarkDenyListUpdate(b *testing.B) {
	base, _ := base100k()
	cutoff, prune := setT0.Add(-time.Hour).UnixNano(), setT0.Add(-2*time.Hour).UnixNano()
	withRecent := func(n int) *revokedSet {
		var batch []Revocation
		for i := range n {
			batch = append(batch, entry(fmt.Sprintf("r%021d", i), time.Minute))
		}
		return &revokedSet{base: base.base, recent: (&revokedSet{}).fill(batch), oldest: base.oldest}
	}
	one := []Revocation{entry("n000000000000000000000", 2*time.Minute)}
	for _, bc := range []struct {
		name string
		set  *revokedSet
	}{{"recent=0", withRecent(0)}, {"recent=10000", withRecent(10_000)}, {"merge", withRecent(max(minRecent, 100_000/8))}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.set.with(one, cutoff, prune)
			}
		})
	}
	b.Run("prune", func(b *testing.B) {
		b.ReportAllocs()
		// half the entries are older than the cutoff: a rebuild of 50,000
		pc := setT0.Add(50 * time.Second).UnixNano()
		for b.Loop() {
			base.with(nil, pc, pc)
		}
	})
}

// fill returns a new map with batch in it.
func (s *revokedSet) fill(batch []Revocation) map[string]int64 {
	m := map[string]int64{}
	s.add(m, batch)
	return m
}

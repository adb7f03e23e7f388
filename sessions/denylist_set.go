package sessions

import (
	"maps"
	"math"
)

// revokedSet is one immutable view of the deny-list: once published through
// DenyList.set it is never written again, so lookups need no lock. It is two
// maps, like a two-level LSM tree: base holds the bulk, recent what arrived
// since base was last rebuilt. A feed batch then copies only recent (small),
// and base is rebuilt (one maps.Clone) only when recent has grown to an
// eighth of it or when entries have expired, so the amortised cost of an
// insert stays constant while a lookup costs two map probes at most.
type revokedSet struct {
	base   map[string]int64 // session ID -> revoked at (Unix nanoseconds)
	recent map[string]int64 // the same, for entries added since base was built
	oldest int64            // the smallest revocation time in either map; MaxInt64 when empty
}

// minRecent is how large recent may grow before it is merged into base,
// however small base is: below it, copying recent costs less than a merge.
const minRecent = 1024

var emptySet = &revokedSet{oldest: math.MaxInt64}

// has reports whether id is in the set. No allocation, no lock.
func (s *revokedSet) has(id string) bool {
	if _, ok := s.base[id]; ok {
		return true
	}
	_, ok := s.recent[id]
	return ok
}

// size is how many session IDs the set holds.
func (s *revokedSet) size() int { return len(s.base) + len(s.recent) }

// with returns the set with batch added and, when the oldest entry was
// revoked before prune, every entry revoked before cutoff removed; entries
// of batch revoked before cutoff are not added. It returns s itself when
// nothing changes, so the caller publishes nothing. cutoff <= prune: the gap
// lets expired entries gather so that a rebuild is not paid on every poll.
func (s *revokedSet) with(batch []Revocation, cutoff, prune int64) *revokedSet {
	fresh := batch[:0:0]
	for _, r := range batch {
		if at := r.At.UnixNano(); at >= cutoff && !s.has(r.SessionID) {
			fresh = append(fresh, r)
		}
	}
	switch {
	case s.oldest < prune:
		return s.rebuild(fresh, cutoff)
	case len(fresh) == 0:
		return s
	case len(s.recent)+len(fresh) > max(minRecent, len(s.base)/8):
		return s.merge(fresh)
	}
	next := &revokedSet{base: s.base, recent: maps.Clone(s.recent), oldest: s.oldest}
	if next.recent == nil {
		next.recent = make(map[string]int64, len(fresh))
	}
	next.add(next.recent, fresh)
	return next
}

// merge folds recent and fresh into a new base.
func (s *revokedSet) merge(fresh []Revocation) *revokedSet {
	base := maps.Clone(s.base)
	if base == nil {
		base = make(map[string]int64, len(s.recent)+len(fresh))
	}
	maps.Copy(base, s.recent)
	next := &revokedSet{base: base, oldest: s.oldest}
	next.add(base, fresh)
	return next
}

// rebuild copies the entries revoked at or after cutoff, and fresh, into a
// new base.
func (s *revokedSet) rebuild(fresh []Revocation, cutoff int64) *revokedSet {
	next := &revokedSet{base: make(map[string]int64, s.size()+len(fresh)), oldest: math.MaxInt64}
	for _, m := range []map[string]int64{s.base, s.recent} {
		for id, at := range m {
			if at >= cutoff {
				next.base[id] = at
				next.oldest = min(next.oldest, at)
			}
		}
	}
	next.add(next.base, fresh)
	return next
}

// add puts fresh into m, one of s's own maps (s is not yet published).
func (s *revokedSet) add(m map[string]int64, fresh []Revocation) {
	for _, r := range fresh {
		at := r.At.UnixNano()
		m[r.SessionID] = at
		s.oldest = min(s.oldest, at)
	}
}

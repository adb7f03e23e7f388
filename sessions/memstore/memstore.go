package memstore

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// Store is an in-memory sessions.Store. The zero value is not usable; call
// New.
type Store struct {
	mu       sync.Mutex
	sessions map[string]sessions.Record
	byUser   map[string]map[string]struct{} // subject -> session IDs
	feed     []sessions.Revocation          // in Seq order
	seq      uint64                         // the last Seq handed out
	once     map[sessions.Hash]time.Time    // key -> until
	keys     map[int64]sessions.KeyRecord   // slot -> key
	watchers map[chan struct{}]struct{}     // Notify channels
}

var (
	_ sessions.Store    = (*Store)(nil)
	_ sessions.Notifier = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		sessions: map[string]sessions.Record{},
		byUser:   map[string]map[string]struct{}{},
		once:     map[sessions.Hash]time.Time{},
		keys:     map[int64]sessions.KeyRecord{},
		watchers: map[chan struct{}]struct{}{},
	}
}

// Create stores a new session; sessions.ErrExists when the ID is taken.
func (s *Store) Create(ctx context.Context, r sessions.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[r.ID]; ok {
		return sessions.ErrExists
	}
	s.put(r)
	if s.byUser[r.Subject] == nil {
		s.byUser[r.Subject] = map[string]struct{}{}
	}
	s.byUser[r.Subject][r.ID] = struct{}{}
	return nil
}

// put stores a copy of r, so the caller's Claims stay the caller's.
func (s *Store) put(r sessions.Record) {
	r.Claims = bytes.Clone(r.Claims)
	s.sessions[r.ID] = r
}

// get returns a copy of the stored session.
func (s *Store) get(id string) (sessions.Record, bool) {
	r, ok := s.sessions[id]
	r.Claims = bytes.Clone(r.Claims)
	return r, ok
}

// Get returns the session with this ID; sessions.ErrNotFound when none.
func (s *Store) Get(ctx context.Context, id string) (sessions.Record, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.get(id)
	if !ok {
		return sessions.Record{}, sessions.ErrNotFound
	}
	return r, nil
}

// Rotate applies sessions.Decide under the store's lock.
func (s *Store) Rotate(ctx context.Context, q sessions.RotateRequest) (sessions.RotateResult, error) {
	if err := ctx.Err(); err != nil {
		return sessions.RotateResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.get(q.ID)
	if !ok {
		return sessions.RotateResult{}, sessions.ErrNotFound
	}
	res := sessions.Decide(r, q)
	switch res.Outcome {
	case sessions.OutcomeRotated:
		s.put(res.Record)
	case sessions.OutcomeReused:
		s.put(res.Record)
		s.appendFeed(res.Record)
		s.wake()
	}
	return res, nil
}

// ListByUser returns the subject's live sessions, newest first.
func (s *Store) ListByUser(ctx context.Context, subject string, now time.Time) ([]sessions.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sessions.Record
	for id := range s.byUser[subject] {
		if r, _ := s.get(id); r.Live(now) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b sessions.Record) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Revoke revokes the live sessions f selects and appends them to the feed.
func (s *Store) Revoke(ctx context.Context, f sessions.RevokeFilter, reason string, now time.Time) (int, error) {
	if err := f.Check(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	switch {
	case f.ID != "":
		ids = []string{f.ID}
	case f.Subject != "":
		ids = keysOf(s.byUser[f.Subject])
	default:
		ids = keysOf(s.sessions)
	}
	slices.Sort(ids) // one feed order for one state
	n := 0
	for _, id := range ids {
		r, ok := s.get(id)
		if !ok || !f.Selects(r) || !r.Live(now) {
			continue
		}
		r.RevokedAt, r.RevokeReason = now, reason
		s.put(r)
		s.appendFeed(r)
		n++
	}
	if n > 0 {
		s.wake()
	}
	return n, nil
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// appendFeed adds r's revocation to the feed. The caller holds mu.
func (s *Store) appendFeed(r sessions.Record) {
	s.seq++
	s.feed = append(s.feed, sessions.Revocation{
		Seq: s.seq, SessionID: r.ID, Subject: r.Subject, At: r.RevokedAt, Reason: r.RevokeReason,
	})
}

// Revocations returns up to limit feed entries with Seq > after.
func (s *Store) Revocations(ctx context.Context, after uint64, limit int) ([]sessions.Revocation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, _ := slices.BinarySearchFunc(s.feed, after+1, func(e sessions.Revocation, seq uint64) int {
		return cmp.Compare(e.Seq, seq)
	})
	rest := s.feed[i:]
	if limit < len(rest) {
		rest = rest[:max(limit, 0)]
	}
	return slices.Clone(rest), nil
}

// UseOnce records key until the given time; true for the first use.
func (s *Store) UseOnce(ctx context.Context, key sessions.Hash, until time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.once[key]; ok && time.Now().Before(prev) {
		return false, nil
	}
	s.once[key] = until
	return true, nil
}

// PutKey inserts k unless its slot is taken and returns the slot's key.
func (s *Store) PutKey(ctx context.Context, k sessions.KeyRecord) (sessions.KeyRecord, error) {
	if err := ctx.Err(); err != nil {
		return sessions.KeyRecord{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.Slot]; !ok {
		s.keys[k.Slot] = cloneKey(k)
	}
	return cloneKey(s.keys[k.Slot]), nil
}

func cloneKey(k sessions.KeyRecord) sessions.KeyRecord {
	k.Sealed, k.Public = bytes.Clone(k.Sealed), bytes.Clone(k.Public)
	return k
}

// Keys returns every key record, oldest slot first.
func (s *Store) Keys(ctx context.Context) ([]sessions.KeyRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]sessions.KeyRecord, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, cloneKey(k))
	}
	slices.SortFunc(out, func(a, b sessions.KeyRecord) int { return cmp.Compare(a.Slot, b.Slot) })
	return out, nil
}

// DeleteKeys removes key records retired before now.
func (s *Store) DeleteKeys(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for slot, k := range s.keys {
		if k.RetireAt.Before(now) {
			delete(s.keys, slot)
			n++
		}
	}
	return n, nil
}

// Sweep deletes up to limit sessions that ended before now minus keep, the
// feed entries older than that, and expired one-time keys.
func (s *Store) Sweep(ctx context.Context, now time.Time, keep time.Duration, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := now.Add(-keep)
	n := 0
	for id, r := range s.sessions {
		if n >= limit {
			break
		}
		if endedBefore(r, cutoff) {
			delete(s.sessions, id)
			delete(s.byUser[r.Subject], id)
			if len(s.byUser[r.Subject]) == 0 {
				delete(s.byUser, r.Subject)
			}
			n++
		}
	}
	s.feed = slices.DeleteFunc(s.feed, func(e sessions.Revocation) bool { return e.At.Before(cutoff) })
	for k, until := range s.once {
		if !now.Before(until) {
			delete(s.once, k)
		}
	}
	return n, nil
}

// endedBefore reports whether r was revoked, idle-expired or absolutely
// expired before t.
func endedBefore(r sessions.Record, t time.Time) bool {
	return (!r.RevokedAt.IsZero() && r.RevokedAt.Before(t)) || r.IdleExpiresAt.Before(t) || r.ExpiresAt.Before(t)
}

// Notify returns a channel that receives a value soon after any revocation
// in this store, and is closed when ctx ends.
func (s *Store) Notify(ctx context.Context) (<-chan struct{}, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.watchers[ch] = struct{}{}
	s.mu.Unlock()
	context.AfterFunc(ctx, func() { s.unwatch(ch) })
	return ch, nil
}

// unwatch closes a Notify channel, once.
func (s *Store) unwatch(ch chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.watchers[ch]; ok {
		delete(s.watchers, ch)
		close(ch)
	}
}

// wake tells every watcher, without waiting: a pending value already says
// "read the feed". The caller holds mu.
func (s *Store) wake() {
	for ch := range s.watchers {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Close closes every Notify channel. The sessions stay: the store holds
// nothing but memory.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.watchers {
		delete(s.watchers, ch)
		close(ch)
	}
	return nil
}

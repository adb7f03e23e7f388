package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// UseOnce records key until the given time; true for the first use. One
// SET NX PX: Redis forgets the key when it expires.
func (s *Store) UseOnce(ctx context.Context, key sessions.Hash, until time.Time) (bool, error) {
	ttl := max(time.Until(until), time.Millisecond)
	first, err := s.client.SetNX(ctx, s.onceKey(key), 1, ttl).Result()
	return first, s.fail(ctx, err)
}

// PutKey inserts k unless its slot is taken and returns the slot's key.
func (s *Store) PutKey(ctx context.Context, k sessions.KeyRecord) (sessions.KeyRecord, error) {
	b, err := json.Marshal(k)
	if err != nil {
		return sessions.KeyRecord{}, err
	}
	slot := strconv.FormatInt(k.Slot, 10)
	stored, err := putKeyScript.Run(ctx, s.client, []string{s.keysKey(), s.retireKey()}, slot, string(b), micros(k.RetireAt)).Text()
	if err != nil {
		return sessions.KeyRecord{}, s.fail(ctx, err)
	}
	var out sessions.KeyRecord
	return out, s.fail(ctx, json.Unmarshal([]byte(stored), &out))
}

// Keys returns every key record, oldest slot first.
func (s *Store) Keys(ctx context.Context) ([]sessions.KeyRecord, error) {
	all, err := s.client.HVals(ctx, s.keysKey()).Result()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := make([]sessions.KeyRecord, 0, len(all))
	for _, v := range all {
		var k sessions.KeyRecord
		if err := json.Unmarshal([]byte(v), &k); err != nil {
			return nil, s.fail(ctx, err)
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b sessions.KeyRecord) int { return cmp.Compare(a.Slot, b.Slot) })
	return out, nil
}

// DeleteKeys removes key records retired before now.
func (s *Store) DeleteKeys(ctx context.Context, now time.Time) (int, error) {
	n, err := deleteKeysScript.Run(ctx, s.client, []string{s.keysKey(), s.retireKey()}, micros(now)).Int()
	return n, s.fail(ctx, err)
}

// Sweep deletes up to limit sessions that ended before now minus keep and
// up to limit feed entries older than that (from the oldest on); one-time
// keys expire by themselves.
func (s *Store) Sweep(ctx context.Context, now time.Time, keep time.Duration, limit int) (int, error) {
	if limit <= 0 {
		return 0, ctx.Err()
	}
	n, err := sweepScript.Run(ctx, s.client, []string{s.allKey(), s.feedKey()},
		micros(now.Add(-keep)), limit, s.sessionBase(), s.userBase()).Int()
	return n, s.fail(ctx, err)
}

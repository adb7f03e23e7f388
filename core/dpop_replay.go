package core

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ReplayCache remembers DPoP proofs the gate accepted, so that each is
// used once (DPoPConfig.Replay). The sessions module's stores and the Redis
// replay module implement it for several instances; MemoryReplayCache for
// one.
type ReplayCache interface {
	// UseOnce records key until the given time and reports whether this
	// call was the first to do so; a key recorded before and not yet past
	// its time gives false. It must be atomic: of concurrent calls with one
	// key, exactly one gets true. An error refuses the request with
	// ErrDPoPReplayUnavailable (503): a cache that cannot answer never lets
	// a proof through.
	UseOnce(ctx context.Context, key [32]byte, until time.Time) (first bool, err error)
}

// ErrReplayCacheFull is what MemoryReplayCache.UseOnce returns when it
// holds its maximum of unexpired proofs: it refuses (the request gets 503)
// rather than forget a proof that could then be replayed.
var ErrReplayCacheFull = errors.New("sessiongate: DPoP replay cache is full")

// replayShards spreads keys (SHA-256 digests, so uniform) over this many
// locks.
const replayShards = 64

// MemoryReplayCache is the in-memory ReplayCache of one process. It is
// bounded in time (a key is dropped once its time has passed; the gate
// asks for a proof's MaxAge plus Leeway) and in memory (at most the
// maxEntries given to NewMemoryReplayCache, about 55 bytes each): when that
// many unexpired keys are held, UseOnce answers ErrReplayCacheFull. Safe
// for concurrent use.
type MemoryReplayCache struct {
	clock    func() time.Time
	perShard int
	shards   [replayShards]replayShard
}

type replayShard struct {
	mu sync.Mutex
	// until holds each key's time in unix nanoseconds, under the key's
	// first 128 bits: half the memory of the whole key, and a collision
	// (a genuine proof taken for a replay) is as likely as guessing a
	// 128-bit secret.
	until     map[[16]byte]int64
	nextSweep int64
}

// NewMemoryReplayCache returns a cache of at most maxEntries keys (at least
// replayShards; DefaultReplayEntries when 0 or less), judged by clock
// (time.Now when nil).
func NewMemoryReplayCache(maxEntries int, clock func() time.Time) *MemoryReplayCache {
	if maxEntries <= 0 {
		maxEntries = DefaultReplayEntries
	}
	if clock == nil {
		clock = time.Now
	}
	c := &MemoryReplayCache{clock: clock, perShard: max(1, (maxEntries+replayShards-1)/replayShards)}
	for i := range c.shards {
		c.shards[i].until = make(map[[16]byte]int64)
	}
	return c
}

// UseOnce records key until the given time; true for the first use. Each
// shard drops its expired keys at most once a second: a full shard is not
// swept on every call, so a flood of proofs costs no more per call than a
// map lookup.
func (c *MemoryReplayCache) UseOnce(_ context.Context, key [32]byte, until time.Time) (bool, error) {
	now := c.clock().UnixNano()
	s := &c.shards[key[16]%replayShards] // not key[0]: the map is keyed by key[:16]
	k := [16]byte(key[:16])
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.until[k]; ok && t > now {
		return false, nil
	}
	if now >= s.nextSweep {
		s.sweep(now)
	}
	if len(s.until) >= c.perShard {
		return false, ErrReplayCacheFull
	}
	s.until[k] = until.UnixNano()
	return true, nil
}

// sweep drops every key whose time has passed.
func (s *replayShard) sweep(now int64) {
	for k, t := range s.until {
		if t <= now {
			delete(s.until, k)
		}
	}
	s.nextSweep = now + int64(time.Second)
}

// Len drops the expired keys and returns the number of keys left.
func (c *MemoryReplayCache) Len() int {
	now := c.clock().UnixNano()
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.sweep(now)
		n += len(s.until)
		s.mu.Unlock()
	}
	return n
}

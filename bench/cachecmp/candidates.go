// Package cachecmp compares candidate designs for core's verified-token
// cache: two hand-written sharded maps (CLOCK and random eviction) and
// github.com/maypok86/otter/v2. It is a benchmark record, not a library:
// core implements the winner itself (see core/tokencache.go) and this
// package keeps the comparison reproducible (go test -bench . ./cachecmp).
package cachecmp

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/maypok86/otter/v2"
)

// Cache is what core needs of a token cache.
type Cache interface {
	Get(key string) (*Entry, bool)
	Set(key string, e *Entry)
	Len() int
}

// Entry stands for a verified session: about the size of core's.
type Entry struct {
	key string
	ref atomic.Bool
	_   [24]uint64 // the size of a cached session
}

// NewEntry returns an entry for key.
func NewEntry(key string) *Entry { return &Entry{key: key} }

const shardCount = 64

// Clock is a sharded map, an RWMutex per shard, evicting by CLOCK (second
// chance): a hit sets the entry's reference bit (if unset) under the read
// lock; an insert into a full shard sweeps the ring, clearing bits, and
// replaces the first entry whose bit was clear.
type Clock struct {
	seed   maphash.Seed
	shards [shardCount]clockShard
}

type clockShard struct {
	mu   sync.RWMutex
	m    map[string]*Entry
	ring []*Entry
	hand int
	cap  int
	_    [40]byte
}

// NewClock returns a CLOCK cache of about size entries.
func NewClock(size int) *Clock {
	c := &Clock{seed: maphash.MakeSeed()}
	per := max(1, size/shardCount)
	for i := range c.shards {
		c.shards[i] = clockShard{m: make(map[string]*Entry, per), ring: make([]*Entry, 0, per), cap: per}
	}
	return c
}

func (c *Clock) shard(key string) *clockShard {
	return &c.shards[maphash.String(c.seed, key)%shardCount]
}

// Get returns key's entry.
func (c *Clock) Get(key string) (*Entry, bool) {
	s := c.shard(key)
	s.mu.RLock()
	e := s.m[key]
	s.mu.RUnlock()
	if e == nil {
		return nil, false
	}
	if !e.ref.Load() {
		e.ref.Store(true)
	}
	return e, true
}

// Set stores e under key.
func (c *Clock) Set(key string, e *Entry) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; ok {
		return
	}
	if len(s.ring) < s.cap {
		s.ring = append(s.ring, e)
		s.m[key] = e
		return
	}
	for {
		old := s.ring[s.hand]
		if old.ref.Load() {
			old.ref.Store(false)
			s.hand = (s.hand + 1) % len(s.ring)
			continue
		}
		delete(s.m, old.key)
		s.ring[s.hand] = e
		s.m[key] = e
		s.hand = (s.hand + 1) % len(s.ring)
		return
	}
}

// Len counts the entries.
func (c *Clock) Len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.RLock()
		n += len(c.shards[i].m)
		c.shards[i].mu.RUnlock()
	}
	return n
}

// Random is the same sharded map evicting a random entry (the first one a
// range over the shard's map yields, whose start Go randomises).
type Random struct {
	seed   maphash.Seed
	shards [shardCount]randomShard
}

type randomShard struct {
	mu  sync.RWMutex
	m   map[string]*Entry
	cap int
	_   [40]byte
}

// NewRandom returns a random-eviction cache of about size entries.
func NewRandom(size int) *Random {
	c := &Random{seed: maphash.MakeSeed()}
	per := max(1, size/shardCount)
	for i := range c.shards {
		c.shards[i] = randomShard{m: make(map[string]*Entry, per), cap: per}
	}
	return c
}

// Get returns key's entry.
func (c *Random) Get(key string) (*Entry, bool) {
	s := &c.shards[maphash.String(c.seed, key)%shardCount]
	s.mu.RLock()
	e := s.m[key]
	s.mu.RUnlock()
	return e, e != nil
}

// Set stores e under key.
func (c *Random) Set(key string, e *Entry) {
	s := &c.shards[maphash.String(c.seed, key)%shardCount]
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.cap {
		for k := range s.m {
			delete(s.m, k)
			break
		}
	}
	s.m[key] = e
}

// Len counts the entries.
func (c *Random) Len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.RLock()
		n += len(c.shards[i].m)
		c.shards[i].mu.RUnlock()
	}
	return n
}

// Otter wraps github.com/maypok86/otter/v2 (W-TinyLFU, lock-free reads).
type Otter struct{ c *otter.Cache[string, *Entry] }

// NewOtter returns an otter cache of size entries. With sync, its
// maintenance runs on the calling goroutine instead of a new one (core's
// rule: every goroutine is owned by a value with Close).
func NewOtter(size int, sync bool) *Otter {
	o := &otter.Options[string, *Entry]{MaximumSize: size}
	if sync {
		o.Executor = func(fn func()) { fn() }
	}
	return &Otter{c: otter.Must(o)}
}

// Get returns key's entry.
func (o *Otter) Get(key string) (*Entry, bool) { return o.c.GetIfPresent(key) }

// Set stores e under key.
func (o *Otter) Set(key string, e *Entry) { o.c.Set(key, e) }

// Len counts the entries.
func (o *Otter) Len() int { return o.c.EstimatedSize() }

package cachecmp

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
)

const size = 10_000

var candidates = []struct {
	name string
	make func(int) Cache
	// bounded: never more entries than its size. otter with its own
	// goroutines evicts behind the writers, so it may exceed its size for a
	// while: the reason core runs otter's maintenance on the caller's.
	bounded bool
}{
	{"clock", func(n int) Cache { return NewClock(n) }, true},
	{"random", func(n int) Cache { return NewRandom(n) }, true},
	{"otter", func(n int) Cache { return NewOtter(n, false) }, false},
	{"otter-sync", func(n int) Cache { return NewOtter(n, true) }, true},
}

// tokens returns n distinct token-sized keys (about 600 bytes, like an
// ES256 session JWT with a few claims).
func tokens(n int) []string {
	pad := strings.Repeat("x", 580)
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("eyJ%s.%08d", pad, i)
	}
	return out
}

// TestBounded: 100,000 distinct tokens never grow a bounded cache past its
// size.
func TestBounded(t *testing.T) {
	for _, c := range candidates {
		t.Run(c.name, func(t *testing.T) {
			cache := c.make(size)
			most := 0
			for _, k := range tokens(100_000) {
				cache.Set(k, NewEntry(k))
				most = max(most, cache.Len())
			}
			t.Logf("at most %d entries", most)
			if c.bounded && most > size {
				t.Fatalf("%d entries, want at most %d", most, size)
			}
		})
	}
}

// BenchmarkHitSameToken: every goroutine asks for one token (one user
// hammering the API from every core): the worst case for a per-shard lock.
func BenchmarkHitSameToken(b *testing.B) {
	for _, c := range candidates {
		b.Run(c.name, func(b *testing.B) {
			cache := c.make(size)
			k := tokens(1)[0]
			cache.Set(k, NewEntry(k))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, ok := cache.Get(k); !ok {
						b.Error("miss")
						return
					}
				}
			})
		})
	}
}

// BenchmarkHitSpread: goroutines walk 5,000 cached tokens.
func BenchmarkHitSpread(b *testing.B) {
	for _, c := range candidates {
		b.Run(c.name, func(b *testing.B) {
			cache := c.make(size)
			keys := tokens(size / 2)
			for _, k := range keys {
				cache.Set(k, NewEntry(k))
			}
			var start atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := int(start.Add(7919))
				for pb.Next() {
					cache.Get(keys[i%len(keys)])
					i++
				}
			})
		})
	}
}

// BenchmarkChurn: inserting distinct tokens into a full cache.
func BenchmarkChurn(b *testing.B) {
	for _, c := range candidates {
		b.Run(c.name, func(b *testing.B) {
			cache := c.make(size)
			keys := tokens(4 * size)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[i%len(keys)]
				cache.Set(k, NewEntry(k))
				i++
			}
		})
	}
}

// BenchmarkHitRatio replays traffic over a cache smaller than the set of
// live tokens and reports the hit ratio; ns/op is per request, misses
// included (a miss inserts, as core does after a verification).
//   - zipf: 50,000 users, a few very active (Zipf s=1.1);
//   - zipf+scan: the same, every other request a token seen once (a bot,
//     or users who make one call): it must not flush the active users.
func BenchmarkHitRatio(b *testing.B) {
	users := tokens(50_000)
	for _, mix := range []string{"zipf", "zipf+scan"} {
		for _, c := range candidates {
			b.Run(mix+"/"+c.name, func(b *testing.B) {
				cache := c.make(size)
				r := rand.New(rand.NewPCG(1, 2))
				z := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 1, uint64(len(users)-1))
				once := tokens(1 << 16)
				for i := range once {
					once[i] += "s" // distinct from every user's token
				}
				hits, total := 0, 0
				n := 0
				for b.Loop() {
					k := users[z.Uint64()]
					if mix == "zipf+scan" && r.IntN(2) == 0 {
						k = once[n%len(once)]
						n++
					}
					total++
					if _, ok := cache.Get(k); ok {
						hits++
						continue
					}
					cache.Set(k, NewEntry(k))
				}
				b.ReportMetric(100*float64(hits)/float64(total), "hit%")
			})
		}
	}
}

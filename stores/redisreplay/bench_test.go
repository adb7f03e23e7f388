package redisreplay_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"
)

// BenchmarkUseOnce is the replay check the gate adds to every DPoP request:
// one SET NX PX round trip to a redis-server on loopback. "serial" is the
// latency of one call; "parallel" (8 goroutines per core) the throughput.
func BenchmarkUseOnce(b *testing.B) {
	for _, s := range setups {
		b.Run(s.name+"/serial", func(b *testing.B) {
			c := newCache(b, newClient(b, s.cluster), "")
			until, key := time.Now().Add(time.Hour), newKey(b)
			b.ReportAllocs()
			for seq := uint64(0); b.Loop(); seq++ {
				binary.LittleEndian.PutUint64(key[:], seq)
				if first, err := c.UseOnce(context.Background(), key, until); err != nil || !first {
					b.Fatalf("UseOnce = %v, %v", first, err)
				}
			}
		})
		b.Run(s.name+"/parallel", func(b *testing.B) {
			c := newCache(b, newClient(b, s.cluster), "")
			until := time.Now().Add(time.Hour)
			b.SetParallelism(8)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				key := newKey(b) // random per goroutine; a counter in its first bytes
				for seq := uint64(0); pb.Next(); seq++ {
					binary.LittleEndian.PutUint64(key[:], seq)
					if first, err := c.UseOnce(context.Background(), key, until); err != nil || !first {
						b.Errorf("UseOnce = %v, %v", first, err)
					}
				}
			})
		})
	}
}

package storetest

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// BenchmarkRotate measures Rotate of the store under 8 goroutines, each
// refreshing its own session over and over (generation n, then n+1, ...),
// and reports the per-call latency at the 50th and 99th percentile
// (p50-ms, p99-ms) beside ns/op (which is throughput: 8 callers share it).
func BenchmarkRotate(b *testing.B, h Harness) {
	s := handles(b, h, 1)[0]
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((8 + procs - 1) / procs)
	var (
		mu     sync.Mutex
		all    []time.Duration
		worker atomic.Int64
	)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		lat := rotateLoop(b, s, fmt.Sprint("bench-", worker.Add(1)), pb)
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	at := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / 1e6 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// rotateLoop creates session id and rotates it while pb says so, returning
// each call's latency.
func rotateLoop(b *testing.B, s sessions.Store, id string, pb *testing.PB) []time.Duration {
	r := session(id, "bench", 0)
	r.ExpiresAt = t0.Add(100 * 365 * 24 * time.Hour)
	if err := s.Create(bg, r); err != nil {
		b.Error(err)
		return nil
	}
	q := sessions.RotateRequest{ID: id, Generation: 1, Now: t0, Grace: grace, IdleTimeout: idle}
	var lat []time.Duration
	for pb.Next() {
		q.Now = q.Now.Add(time.Second)
		start := time.Now()
		res, err := s.Rotate(bg, q)
		lat = append(lat, time.Since(start))
		if err != nil || res.Outcome != sessions.OutcomeRotated {
			b.Errorf("Rotate(%s, %d) = %s, %v; want Rotated", id, q.Generation, outcomeName(res.Outcome), err)
			return lat
		}
		q.Generation = res.Record.Generation
	}
	return lat
}

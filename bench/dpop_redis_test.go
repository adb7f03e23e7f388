package bench

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/stores/redisreplay"
	"github.com/sessiongate/sessiongate/stores/redisstore/redistest"
)

// BenchmarkDPoPReplay is a DPoP check (ES256 token from the token cache, a
// fresh ES256 proof) with the replay cache in memory (one instance) and in
// Redis (several instances: stores/redisreplay, one SET NX PX round trip
// to a redis-server on loopback). "serial" is the latency of one check;
// "parallel" (8 goroutines per core) the throughput of one process. It
// starts redis-server itself and skips the Redis rows without one (fails
// under CI=true).
func BenchmarkDPoPReplay(b *testing.B) {
	caches := []struct {
		name string
		new  func(b *testing.B) core.ReplayCache
	}{
		{"memory", func(*testing.B) core.ReplayCache { return core.NewMemoryReplayCache(0, nil) }},
		{"redis", func(b *testing.B) core.ReplayCache { return redisCache(b) }},
	}
	for _, c := range caches {
		for _, mode := range []string{"serial", "parallel"} {
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				g := replayGate(b, c.new(b))
				client := newDPoPClient("ES256")
				tok := Token("ES256", time.Hour, func(m jwt.MapClaims) { m["cnf"] = map[string]any{"jkt": client.thumbprint()} })
				proofs := client.proofs(b, tok, b.N+1)
				// One request per goroutine, its proof swapped per check.
				request := func() *http.Request {
					r := httptest.NewRequest(http.MethodGet, "http://"+Host+"/me", nil)
					r.Header.Set("Authorization", "DPoP "+tok)
					r.Header["Dpop"] = []string{""}
					return r
				}
				r := request()
				r.Header["Dpop"][0] = proofs[b.N]
				if d := g.Check(core.HTTPRequest(r), core.CheckOptions{}); d.Err != nil { // fills the token cache
					b.Fatal(d.Err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				if mode == "serial" {
					for i := range b.N {
						r.Header["Dpop"][0] = proofs[i]
						if d := g.Check(core.HTTPRequest(r), core.CheckOptions{}); d.Err != nil {
							b.Fatal(d.Err)
						}
					}
					return
				}
				var next atomic.Int64
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					r := request()
					for pb.Next() {
						r.Header["Dpop"][0] = proofs[next.Add(1)-1]
						if d := g.Check(core.HTTPRequest(r), core.CheckOptions{}); d.Err != nil {
							b.Error(d.Err)
							return
						}
					}
				})
			})
		}
	}
}

// replayGate is dpopGate with the replay cache given.
func replayGate(b *testing.B, replay core.ReplayCache) *core.Gate {
	k := KeyFor("ES256")
	g, err := core.New(core.Config{
		Issuers:    []core.Issuer{{Name: Issuer, PublicKeyPEM: k.PEM}},
		Algorithms: []string{"ES256"},
		Audiences:  []string{Audience},
		DPoP:       core.DPoPConfig{URLs: []string{"https://" + Host}, Replay: replay},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	return g
}

// redisCache starts redis-server on loopback for this benchmark (skipping
// without one, failing under CI=true) and returns a replay cache on it.
func redisCache(b *testing.B) core.ReplayCache {
	srv, stop := redistest.Start("--appendonly", "no")
	b.Cleanup(stop)
	srv.Need(b)
	client := redis.NewClient(&redis.Options{Addr: srv.Standalone, PoolSize: 64})
	b.Cleanup(func() { client.Close() })
	c, err := redisreplay.New(client, redisreplay.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

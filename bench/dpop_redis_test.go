package bench

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/stores/redisreplay"
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

// redisCache starts a redis-server on a free loopback port for this
// benchmark (skipping without one) and returns a replay cache on it.
func redisCache(b *testing.B) core.ReplayCache {
	bin, err := exec.LookPath("redis-server")
	switch {
	case err != nil && os.Getenv("CI") == "true":
		b.Fatal("no redis-server under CI=true (apt-get install redis-server)")
	case err != nil:
		b.Skip("no redis-server (apt-get install redis-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	dir := b.TempDir()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	client := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 64})
	b.Cleanup(func() { client.Close() })
	for start := time.Now(); client.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			b.Fatalf("redis-server on %s did not answer", addr)
		}
	}
	c, err := redisreplay.New(client, redisreplay.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

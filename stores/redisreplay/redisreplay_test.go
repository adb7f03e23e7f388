package redisreplay_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/sessions/storetest"
	"github.com/sessiongate/sessiongate/stores/redisreplay"
)

var prefixes atomic.Int64

// setup is one run's server: the standalone one, or the one-node Cluster
// through a ClusterClient.
type setup struct {
	name    string
	cluster bool
}

var setups = []setup{{"standalone", false}, {"cluster", true}}

// newClient connects to a test server, closed when the test ends.
func newClient(tb testing.TB, cluster bool) redis.UniversalClient {
	tb.Helper()
	server.Need(tb)
	var c redis.UniversalClient = redis.NewClient(&redis.Options{Addr: server.Standalone})
	if cluster {
		c = redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{server.Cluster}})
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// newCache returns a cache with a prefix of its own on client.
func newCache(tb testing.TB, client redis.UniversalClient, prefix string) *redisreplay.Cache {
	tb.Helper()
	if prefix == "" {
		prefix = fmt.Sprintf("t%d:", prefixes.Add(1))
	}
	c, err := redisreplay.New(client, redisreplay.Options{Prefix: prefix})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func newKey(tb testing.TB) [32]byte {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		tb.Fatal(err)
	}
	return k
}

func useOnce(tb testing.TB, c *redisreplay.Cache, key [32]byte, until time.Time) bool {
	tb.Helper()
	first, err := c.UseOnce(context.Background(), key, until)
	if err != nil {
		tb.Fatalf("UseOnce: %v", err)
	}
	return first
}

// forEach runs f against the standalone server and the Cluster.
func forEach(t *testing.T, f func(t *testing.T, cluster bool)) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) { f(t, s.cluster) })
	}
}

func TestUseOnceFirstUseThenReplay(t *testing.T) {
	forEach(t, func(t *testing.T, cluster bool) {
		c := newCache(t, newClient(t, cluster), "")
		key, other := newKey(t), newKey(t)
		until := time.Now().Add(time.Minute)
		if !useOnce(t, c, key, until) {
			t.Fatal("first use of a key: false, want true")
		}
		for range 3 {
			if useOnce(t, c, key, until) {
				t.Fatal("replay of a key: true, want false")
			}
		}
		if !useOnce(t, c, other, until) {
			t.Fatal("first use of another key: false, want true")
		}
	})
}

// TestUseOnceKeepsTheKeyUntilItsTime: the key's expiry is until, to the
// millisecond, judged from the caller's clock.
func TestUseOnceKeepsTheKeyUntilItsTime(t *testing.T) {
	forEach(t, func(t *testing.T, cluster bool) {
		client := newClient(t, cluster)
		prefix := fmt.Sprintf("ttl%d:", prefixes.Add(1))
		c := newCache(t, client, prefix)
		key := newKey(t)
		useOnce(t, c, key, time.Now().Add(time.Hour))
		name := prefix + base64.RawURLEncoding.EncodeToString(key[:])
		ttl, err := client.PTTL(context.Background(), name).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl > time.Hour || ttl < time.Hour-5*time.Second {
			t.Fatalf("PTTL %s = %v, want just under an hour", name, ttl)
		}
	})
}

// TestUseOnceForgetsAfterExpiry: a time already past is still kept, for
// one second, then the key is new again.
func TestUseOnceForgetsAfterExpiry(t *testing.T) {
	forEach(t, func(t *testing.T, cluster bool) {
		t.Parallel()
		c := newCache(t, newClient(t, cluster), "")
		key := newKey(t)
		past := time.Now().Add(-time.Minute)
		if !useOnce(t, c, key, past) {
			t.Fatal("first use with a past time: false, want true")
		}
		if useOnce(t, c, key, past) {
			t.Fatal("replay right after, with a past time: true, want false (kept for a second)")
		}
		deadline := time.Now().Add(3 * time.Second)
		for !useOnce(t, c, key, past) {
			if time.Now().After(deadline) {
				t.Fatal("the key was still remembered 3s after its time")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func TestUseOnceConcurrentCallsHaveOneWinner(t *testing.T) {
	forEach(t, func(t *testing.T, cluster bool) {
		// Each goroutine is another instance: its own client and Cache.
		prefix := fmt.Sprintf("race%d:", prefixes.Add(1))
		caches := make([]*redisreplay.Cache, 4)
		for i := range caches {
			caches[i] = newCache(t, newClient(t, cluster), prefix)
		}
		for round := range 5 {
			key, until := newKey(t), time.Now().Add(time.Minute)
			var wins, fails atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 100 {
				wg.Go(func() {
					<-start
					first, err := caches[i%len(caches)].UseOnce(context.Background(), key, until)
					if err != nil {
						fails.Add(1)
					}
					if first {
						wins.Add(1)
					}
				})
			}
			close(start)
			wg.Wait()
			if wins.Load() != 1 || fails.Load() != 0 {
				t.Fatalf("round %d: %d of 100 concurrent calls were first (%d failed), want exactly 1", round, wins.Load(), fails.Load())
			}
		}
	})
}

func TestUseOnceInstancesShareTheirProofs(t *testing.T) {
	forEach(t, func(t *testing.T, cluster bool) {
		prefix := fmt.Sprintf("shared%d:", prefixes.Add(1))
		a := newCache(t, newClient(t, cluster), prefix)
		b := newCache(t, newClient(t, cluster), prefix)
		key, until := newKey(t), time.Now().Add(time.Minute)
		if !useOnce(t, a, key, until) {
			t.Fatal("instance A, first use: false")
		}
		if useOnce(t, b, key, until) {
			t.Fatal("instance B accepted the proof instance A had used")
		}
		other := newCache(t, newClient(t, cluster), "") // another prefix: another service
		if !useOnce(t, other, key, until) {
			t.Fatal("a cache with another prefix saw the key")
		}
	})
}

// TestUseOnceWithoutServerIsAnError: a Redis that cannot answer is an
// error wrapping ErrUnavailable, never a first use; a cancelled context
// is the context's error.
func TestUseOnceWithoutServerIsAnError(t *testing.T) {
	server.Need(t)
	port, err := storetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// One dial, no retry: the call fails at once rather than after
	// go-redis's backoff.
	client := redis.NewClient(&redis.Options{Addr: fmt.Sprint("127.0.0.1:", port), MaxRetries: -1, DialerRetries: 1})
	defer client.Close()
	c := newCache(t, client, "")
	first, err := c.UseOnce(context.Background(), newKey(t), time.Now().Add(time.Minute))
	if first || !errors.Is(err, redisreplay.ErrUnavailable) {
		t.Fatalf("UseOnce with no server = %v, %v; want false, ErrUnavailable", first, err)
	}

	live := newCache(t, newClient(t, false), "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	first, err = live.UseOnce(ctx, newKey(t), time.Now().Add(time.Minute))
	if first || !errors.Is(err, context.Canceled) {
		t.Fatalf("UseOnce with a cancelled context = %v, %v; want false, context.Canceled", first, err)
	}
}

// TestUseOnceServerGoneMidway: a server that stops answering after a first
// use gives errors, never a second "first".
func TestUseOnceServerGoneMidway(t *testing.T) {
	prefix := fmt.Sprintf("gone%d:", prefixes.Add(1))
	c := newCache(t, newClient(t, false), prefix)
	key, until := newKey(t), time.Now().Add(time.Minute)
	useOnce(t, c, key, until)
	// A client whose every command times out stands for a server that
	// hangs: CLIENT PAUSE would stop the shared test server for everyone.
	slow := redis.NewClient(&redis.Options{Addr: server.Standalone, ReadTimeout: time.Nanosecond, WriteTimeout: time.Nanosecond,
		MaxRetries: -1})
	defer slow.Close()
	hung := newCache(t, slow, prefix)
	for range 3 {
		first, err := hung.UseOnce(context.Background(), key, until)
		if first || err == nil {
			t.Fatalf("UseOnce on a hung server = %v, %v; want false and an error", first, err)
		}
	}
}

func TestNewRefusesANilClient(t *testing.T) {
	if c, err := redisreplay.New(nil, redisreplay.Options{}); err == nil || c != nil {
		t.Fatalf("New(nil) = %v, %v; want an error", c, err)
	}
}

func TestDefaultPrefix(t *testing.T) {
	client := newClient(t, false)
	c, err := redisreplay.New(client, redisreplay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	useOnce(t, c, key, time.Now().Add(time.Minute))
	name := redisreplay.DefaultPrefix + base64.RawURLEncoding.EncodeToString(key[:])
	if n, err := client.Exists(context.Background(), name).Result(); err != nil || n != 1 {
		t.Fatalf("EXISTS %s = %d, %v; want the key under the default prefix", name, n, err)
	}
}

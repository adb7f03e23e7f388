package redisstore_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/endpointtest"
	"github.com/sessiongate/sessiongate/sessions/storetest"
	"github.com/sessiongate/sessiongate/stores/redisstore"
)

var prefixes atomic.Int64

// harness: a key prefix per test; every handle is a client of its own, as
// another instance of the app would have. cluster picks the one-node
// Cluster (a ClusterClient) over the standalone server.
func harness(cluster bool) storetest.Harness {
	return storetest.Harness{
		NewDatabase: func(tb testing.TB) storetest.Opener {
			server.Need(tb)
			prefix := fmt.Sprint("t", prefixes.Add(1))
			return func(tb testing.TB) sessions.Store { return open(tb, newClient(tb, cluster), prefix) }
		},
		Unreachable: func(tb testing.TB) sessions.Store {
			server.Need(tb)
			port, err := storetest.FreePort()
			if err != nil {
				tb.Fatal(err)
			}
			// One dial, no retry: every call fails at once instead of after
			// go-redis's backoff (half a second each), and the case stays short.
			client := redis.NewClient(&redis.Options{Addr: fmt.Sprint("127.0.0.1:", port), MaxRetries: -1, DialerRetries: 1})
			tb.Cleanup(func() { client.Close() })
			return open(tb, client, "gone")
		},
	}
}

// newClient connects to a test server, closed when the test ends.
func newClient(tb testing.TB, cluster bool) redis.UniversalClient {
	var c redis.UniversalClient = redis.NewClient(&redis.Options{Addr: server.Standalone})
	if cluster {
		c = redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{server.Cluster}})
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func open(tb testing.TB, client redis.UniversalClient, prefix string) *redisstore.Store {
	tb.Helper()
	s, err := redisstore.New(client, redisstore.Options{Prefix: prefix})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, harness(false)) }

// TestConformanceCluster: every script stays inside the store's one slot.
func TestConformanceCluster(t *testing.T) { storetest.Run(t, harness(true)) }

func BenchmarkRotate(b *testing.B) { storetest.BenchmarkRotate(b, harness(false)) }

// BenchmarkRefreshHTTP: POST /refresh over loopback HTTP with 8 clients on
// this store (issue 10's performance targets), p50 and p99 as metrics.
func BenchmarkRefreshHTTP(b *testing.B) {
	endpointtest.BenchmarkRefreshHTTP(b, harness(false).NewDatabase(b)(b))
}

package pgstore_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/endpointtest"
	"github.com/sessiongate/sessiongate/sessions/storetest"
	"github.com/sessiongate/sessiongate/stores/pgstore"
)

// harness: a schema per test; every handle is a pool of its own on it, as
// another instance of the app would have.
var harness = storetest.Harness{
	NewDatabase: func(tb testing.TB) storetest.Opener {
		cfg := newSchema(tb)
		return func(tb testing.TB) sessions.Store { return open(tb, newPool(tb, cfg)) }
	},
	Unreachable: unreachable,
}

func open(tb testing.TB, pool *pgxpool.Pool) *pgstore.Store {
	tb.Helper()
	s, err := pgstore.New(context.Background(), pool)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// unreachable opens a store, then sends every new connection of its pool
// to a port where nothing listens and drops the ones it had: the server is
// gone as far as the store can tell.
func unreachable(tb testing.TB) sessions.Store {
	cfg := newSchema(tb)
	dead := uint16(freePort(tb))
	var gone atomic.Bool
	cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
		if gone.Load() {
			cc.Port = dead
		}
		return nil
	}
	pool := newPool(tb, cfg)
	s := open(tb, pool)
	gone.Store(true)
	pool.Reset()
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, harness) }

func BenchmarkRotate(b *testing.B) { storetest.BenchmarkRotate(b, harness) }

// BenchmarkRefreshHTTP: POST /refresh over loopback HTTP with 8 clients on
// this store (issue 10's performance targets), p50 and p99 as metrics.
func BenchmarkRefreshHTTP(b *testing.B) {
	endpointtest.BenchmarkRefreshHTTP(b, harness.NewDatabase(b)(b))
}

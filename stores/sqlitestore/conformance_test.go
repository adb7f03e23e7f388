package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/endpointtest"
	"github.com/sessiongate/sessiongate/sessions/storetest"
	"github.com/sessiongate/sessiongate/stores/sqlitestore"
)

// harness: a new file per test; every handle is its own Open of that file,
// as a second process would open it.
var harness = storetest.Harness{
	NewDatabase: func(tb testing.TB) storetest.Opener {
		path := filepath.Join(tb.TempDir(), "sessions.db")
		return func(tb testing.TB) sessions.Store { return open(tb, path) }
	},
}

func open(tb testing.TB, path string) *sqlitestore.Store {
	tb.Helper()
	s, err := sqlitestore.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, harness) }

func BenchmarkRotate(b *testing.B) { storetest.BenchmarkRotate(b, harness) }

// BenchmarkRefreshHTTP: POST /refresh over loopback HTTP with 8 clients on
// this store (issue 10's performance targets), p50 and p99 as metrics.
func BenchmarkRefreshHTTP(b *testing.B) {
	endpointtest.BenchmarkRefreshHTTP(b, harness.NewDatabase(b)(b))
}

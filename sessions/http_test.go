package sessions_test

import (
	"testing"

	"github.com/sessiongate/sessiongate/sessions/endpointtest"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// TestEndpointsSuite runs the endpoint suite on the reference mount
// (net/http) against itself: every row's expectations hold, and two runs of
// a row answer alike once tokens and times are blanked.
func TestEndpointsSuite(t *testing.T) {
	endpointtest.Run(t, endpointtest.Reference)
}

// BenchmarkRefreshHTTP: POST /refresh over loopback HTTP with 8 clients on
// memstore (issue 10's target: p99 at most 1 ms).
func BenchmarkRefreshHTTP(b *testing.B) {
	endpointtest.BenchmarkRefreshHTTP(b, memstore.New())
}

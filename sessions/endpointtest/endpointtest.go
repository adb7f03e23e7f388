// Package endpointtest is the conformance suite of the sessions endpoints
// (sessions.Endpoints) mounted through an adapter: the one contract for
// what mounting a core.Endpoint must preserve. Every row is a short story
// (sign in through the exchange, refresh, reuse, revoke, ...) told in real
// HTTP requests on loopback; each answer is checked against the row's
// expectations (status, error code, cookies set and cleared, headers) and,
// normalised (tokens, IDs and times blanked), compared with the answer the
// reference mount gives, sessions.Endpoints served by net/http: status,
// body, the headers that matter and every Set-Cookie line.
//
// An adapter's tests call it (from the tests module, so the adapter's own
// go.mod never requires the sessions module):
//
//	func TestEndpoints(t *testing.T) {
//		endpointtest.Run(t, func(t *testing.T, e core.Endpoint) string {
//			// serve e for every method and path with the adapter's
//			// Endpoint function on 127.0.0.1:0, stop it with t.Cleanup,
//			// return the base URL
//		})
//	}
//
// BenchmarkRefreshHTTP measures refresh over loopback HTTP on any store.
package endpointtest

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// Mount serves e under the adapter's framework on loopback, routing every
// method and every path to it, and returns the base URL
// ("http://127.0.0.1:port"). It stops the server with t.Cleanup.
type Mount func(t *testing.T, e core.Endpoint) (baseURL string)

// Reference is the reference mount: e as an http.Handler (its ServeHTTP
// when it has one, else through core.Response.Write) on net/http.
func Reference(t *testing.T, e core.Endpoint) string {
	h, ok := e.(http.Handler)
	if !ok {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			e.ServeEndpoint(r.Context(), core.EndpointRequest{Request: core.HTTPRequest(r), RemoteAddr: r.RemoteAddr, Body: r.Body}).Write(w)
		})
	}
	return Serve(t, h)
}

// Serve serves h on a loopback port until the test ends and returns the
// base URL.
func Serve(tb testing.TB, h http.Handler) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// Run runs every row through mount and through the reference mount and
// compares the two.
func Run(t *testing.T, mount Mount) {
	t.Helper()
	rs := rows()
	t.Logf("endpointtest: %d rows", len(rs))
	for _, r := range rs {
		t.Run(r.name, func(t *testing.T) {
			want := r.play(t, Reference)
			got := r.play(t, mount)
			for i := range min(len(want), len(got)) {
				if d := want[i].diff(got[i]); d != "" {
					t.Errorf("step %d (%s): the adapter answers differently from net/http: %s", i+1, r.steps[i].describe(), d)
				}
			}
		})
	}
}

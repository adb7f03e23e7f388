// Package bench measures sessiongate against its peers: the same requests
// (ES256, RS256, EdDSA and HS256 tokens; bearer, cookie and duplicated
// cookie) through each adapter with the verified-token cache on and off,
// through the peer middleware of each framework, and through golang-jwt's
// Parse alone (the floor). It is a module of its own so that the peers'
// libraries never enter a user's go.sum.
//
// make bench (go run ./cmd/benchreport) runs the benchmarks in interleaved
// rounds, a loopback load test, and writes RESULTS.md and results.svg.
package bench

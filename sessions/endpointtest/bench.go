package endpointtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// BenchClients is how many clients BenchmarkRefreshHTTP runs at once.
const BenchClients = 8

// BenchmarkRefreshHTTP measures POST /refresh (header transport) over
// loopback HTTP on store, as the performance target states it: 8
// concurrent clients, each with its own session, each refreshing with the
// token its last refresh returned. It reports the latency's p50 and p99 in
// milliseconds (p50-ms, p99-ms) beside ns/op, which is wall time per
// refresh across all clients. A store module calls it from a benchmark:
//
//	func BenchmarkRefreshHTTP(b *testing.B) { endpointtest.BenchmarkRefreshHTTP(b, openStore(b)) }
func BenchmarkRefreshHTTP(b *testing.B, store sessions.Store) {
	f := newFixture(b, store)
	base := Serve(b, f.ep) + Base
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: BenchClients}}
	b.Cleanup(client.CloseIdleConnections)
	refresh := make([]string, BenchClients)
	for i := range refresh {
		is, err := f.m.Create(context.Background(), sessions.Identity{Subject: "bench"}, sessions.Meta{})
		if err != nil {
			b.Fatal(err)
		}
		refresh[i] = is.RefreshToken
	}
	var next atomic.Int64
	lat := make([][]time.Duration, BenchClients)
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := range BenchClients {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				start := time.Now()
				tok, err := refreshOnce(client, base, refresh[c])
				lat[c] = append(lat[c], time.Since(start))
				if err != "" {
					b.Error(err)
					return
				}
				refresh[c] = tok
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(ms(all[len(all)/2]), "p50-ms")
		b.ReportMetric(ms(all[min(len(all)-1, len(all)*99/100)]), "p99-ms")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// refreshOnce refreshes tok and returns its successor, or a description of
// what went wrong.
func refreshOnce(client *http.Client, base, tok string) (string, string) {
	req, err := http.NewRequest(http.MethodPost, base+"/refresh", nil)
	if err != nil {
		return "", err.Error()
	}
	req.Host = Host
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	if err != nil {
		return "", err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out struct {
		RefreshToken string `json:"refresh_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil || out.RefreshToken == "" {
		return "", "refresh answered " + resp.Status + ": " + strings.TrimSpace(string(body))
	}
	return out.RefreshToken, ""
}

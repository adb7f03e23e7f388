package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadVariants are the net/http apps a load test compares.
var LoadVariants = []string{None, Peer, Cached, Uncached}

// ServeLoopback serves the net/http app of variant (ES256 tokens) on a
// loopback port, writes "listening <addr>" to out, and stops when stop is
// closed or after limit, whichever comes first: a server of a load test
// never outlives it.
func ServeLoopback(variant string, out io.Writer, stop <-chan struct{}, limit time.Duration) error {
	t, ok, err := NewTarget("nethttp", variant, "ES256")
	if err != nil || !ok {
		return fmt.Errorf("building %s: %v", variant, err)
	}
	defer t.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: t.HTTP, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(out, "listening %s\n", ln.Addr())
	go func() {
		select {
		case <-stop:
		case <-time.After(limit):
		}
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// LoadResult is what one load run measured.
type LoadResult struct {
	Variant  string
	Requests int
	Failed   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	// ServerCPU is the server's CPU time (user and system) over the run,
	// 0 when it could not be read.
	ServerCPU time.Duration
}

// RPS is the requests answered per second.
func (r LoadResult) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// CPUPerRequest is the server's CPU time per request.
func (r LoadResult) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.ServerCPU / time.Duration(r.Requests)
}

// Load sends GET /me to addr, which must be on loopback, from clients
// goroutines, each with a token of its own (a user), for d or until max
// requests were sent, whichever comes first.
func Load(addr string, clients int, d time.Duration, max int64) (LoadResult, error) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return LoadResult{}, fmt.Errorf("load tests only target loopback, not %q", addr)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var sent, failed atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range clients {
		tok := Token("ES256", time.Minute)
		wg.Go(func() {
			for ctx.Err() == nil && sent.Add(1) <= max {
				t0 := time.Now()
				if !get(client, "http://"+addr+"/me", tok) {
					failed.Add(1)
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	return summarize(lat, int(failed.Load()), time.Since(start)), nil
}

// get sends one request with tok and reports whether it got 200.
func get(c *http.Client, url, tok string) bool {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Host = Host
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func summarize(lat [][]time.Duration, failed int, elapsed time.Duration) LoadResult {
	all := slices.Concat(lat...)
	slices.Sort(all)
	r := LoadResult{Requests: len(all), Failed: failed, Elapsed: elapsed}
	if len(all) > 0 {
		r.P50, r.P99 = all[len(all)/2], all[len(all)*99/100]
	}
	return r
}

// ProcessCPU returns the CPU time (user and system) process pid has used,
// from /proc (Linux); ok is false elsewhere.
func ProcessCPU(pid int) (d time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the command name (which may hold spaces), from field 3.
	_, rest, found := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !found || len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond, true
}

package main

import (
	"bufio"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/bench"
)

// sample is one benchmark result line.
type sample struct{ ns, allocs float64 }

// results holds every round's samples by benchmark name (without the
// Benchmark prefix and the -N suffix), and the load runs by variant.
type results struct {
	bench map[string][]sample
	load  map[string][]bench.LoadResult
	raw   strings.Builder // the benchmark output, for benchstat
}

func newResults() *results {
	return &results{bench: map[string][]sample{}, load: map[string][]bench.LoadResult{}}
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op(?:.*?\s([0-9.]+) allocs/op)?`)

// parse reads go test -bench output, echoing it to stderr.
func (r *results) parse(out io.Reader) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		os.Stderr.WriteString(line + "\n")
		r.raw.WriteString(line + "\n")
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		allocs, _ := strconv.ParseFloat(m[3], 64)
		r.bench[m[1]] = append(r.bench[m[1]], sample{ns, allocs})
	}
}

// median returns the median time and allocations of a benchmark; ok is
// false when it did not run.
func (r *results) median(name string) (ns, allocs float64, ok bool) {
	s := r.bench[name]
	if len(s) == 0 {
		return 0, 0, false
	}
	return medianOf(s, func(x sample) float64 { return x.ns }), medianOf(s, func(x sample) float64 { return x.allocs }), true
}

func medianOf[T any](xs []T, f func(T) float64) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// serveName is the benchmark name of a case.
func serveName(fw, variant, alg, transport string) string {
	return "Serve/" + fw + "/" + variant + "/" + alg + "/" + transport
}

// added is a case's cost over its framework's baseline (no auth, same
// request): time in ns and allocations; ok is false when either is missing.
func (r *results) added(fw, variant, alg, transport string) (ns, allocs float64, ok bool) {
	ns, allocs, ok1 := r.median(serveName(fw, variant, alg, transport))
	bns, ballocs, ok2 := r.median(serveName(fw, bench.None, "ES256", transport))
	return ns - bns, allocs - ballocs, ok1 && ok2
}

// floor is golang-jwt's Parse of alg: time and allocations.
func (r *results) floor(alg string) (ns, allocs float64, ok bool) {
	return r.median("Floor/" + alg)
}

// loadMedian is the median of the load runs of variant.
func (r *results) loadMedian(variant string) (rps float64, p50, p99, cpu time.Duration, ok bool) {
	runs := r.load[variant]
	if len(runs) == 0 {
		return 0, 0, 0, 0, false
	}
	rps = medianOf(runs, bench.LoadResult.RPS)
	d := func(f func(bench.LoadResult) time.Duration) time.Duration {
		return time.Duration(medianOf(runs, func(x bench.LoadResult) float64 { return float64(f(x)) }))
	}
	p50 = d(func(x bench.LoadResult) time.Duration { return x.P50 })
	p99 = d(func(x bench.LoadResult) time.Duration { return x.P99 })
	cpu = d(bench.LoadResult.CPUPerRequest)
	return rps, p50, p99, cpu, true
}

// machine describes where the numbers came from.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return cpu + ", " + strconv.Itoa(runtime.NumCPU()) + " vCPU, " + runtime.GOOS + "/" + runtime.GOARCH + ", " +
		runtime.Version() + ", " + time.Now().UTC().Format("2006-01-02")
}

// Command benchreport runs the bench module's benchmarks in interleaved
// rounds and a loopback load test, then prints one table of added cost,
// allocations and ratios and writes RESULTS.md and results.svg (make bench).
//
//	go run ./cmd/benchreport [-rounds 6] [-benchtime 200ms] [-load 3s] [-out .]
//
// Run from the bench module's directory. It is bounded: each benchmark
// runs for -benchtime per round, each load run for -load (at most
// -maxreq requests), and every server it starts listens on loopback and
// stops by itself.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/bench"
)

func main() {
	rounds := flag.Int("rounds", 6, "interleaved rounds of every benchmark")
	benchtime := flag.String("benchtime", "200ms", "go test -benchtime for each benchmark in a round")
	filter := flag.String("bench", ".", "go test -bench pattern")
	loadFor := flag.Duration("load", 3*time.Second, "length of one load run (0: no load test)")
	loadRounds := flag.Int("loadrounds", 2, "interleaved rounds of the load test")
	clients := flag.Int("clients", 32, "concurrent clients of the load test")
	maxReq := flag.Int64("maxreq", 2_000_000, "most requests of one load run")
	out := flag.String("out", ".", "directory for RESULTS.md and results.svg")
	serve := flag.String("serve", "", "internal: serve this variant on loopback for a load run")
	flag.Parse()
	if *serve != "" {
		if err := serveUntilStdinCloses(*serve); err != nil {
			log.Fatal(err)
		}
		return
	}
	res := newResults()
	if err := runBenchmarks(res, *rounds, *benchtime, *filter); err != nil {
		log.Fatal(err)
	}
	for round := range *loadRounds {
		for _, v := range bench.LoadVariants {
			if *loadFor <= 0 {
				break
			}
			r, err := loadRun(v, *clients, *loadFor, *maxReq)
			if err != nil {
				log.Fatalf("load %s: %v", v, err)
			}
			fmt.Fprintf(os.Stderr, "load round %d %-22s %8.0f req/s\n", round+1, v, r.RPS())
			res.load[v] = append(res.load[v], r)
		}
	}
	if err := writeReport(res, *out); err != nil {
		log.Fatal(err)
	}
}

// runBenchmarks builds the benchmark binary once and runs it rounds
// times, each round every benchmark once, so that a change in the
// machine's load spreads over all of them instead of landing on some.
func runBenchmarks(res *results, rounds int, benchtime, filter string) error {
	dir, err := os.MkdirTemp("", "benchreport")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the benchmarks: %w", err)
	}
	for round := range rounds {
		fmt.Fprintf(os.Stderr, "benchmark round %d of %d\n", round+1, rounds)
		cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", filter, "-test.benchmem", "-test.benchtime", benchtime)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		res.parse(stdout)
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("benchmark round %d: %w", round+1, err)
		}
	}
	return nil
}

// loadRun starts a server of variant as a child process (so that its CPU
// time is its own), loads it, and stops it.
func loadRun(variant string, clients int, d time.Duration, maxReq int64) (bench.LoadResult, error) {
	self, err := os.Executable()
	if err != nil {
		return bench.LoadResult{}, err
	}
	cmd := exec.Command(self, "-serve", variant)
	cmd.Env = append(os.Environ(), bench.KeysEnv+"="+bench.ExportKeys())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return bench.LoadResult{}, err
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		return bench.LoadResult{}, fmt.Errorf("server did not start: %q %v", line, err)
	}
	bench.Load(addr, clients, d/6, maxReq) // warm-up: connections, caches
	before, okBefore := bench.ProcessCPU(cmd.Process.Pid)
	r, err := bench.Load(addr, clients, d, maxReq)
	after, okAfter := bench.ProcessCPU(cmd.Process.Pid)
	if okBefore && okAfter {
		r.ServerCPU = after - before
	}
	r.Variant = variant
	if err == nil && r.Failed > 0 {
		err = fmt.Errorf("%d of %d requests failed", r.Failed, r.Requests)
	}
	return r, err
}

// serveUntilStdinCloses is the child of loadRun: it serves until its
// parent closes stdin (or exits), and at most a few minutes.
func serveUntilStdinCloses(variant string) error {
	stop := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	return bench.ServeLoopback(variant, os.Stdout, stop, 5*time.Minute)
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sessiongate/sessiongate/bench"
)

// writeReport prints the tables and writes RESULTS.md, results.svg and
// results.txt (the raw benchmark output, for benchstat) to dir.
func writeReport(r *results, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmark results\n\nMachine: %s. Medians of %d interleaved rounds (`make bench`).\n\n", machine(), r.rounds())
	b.WriteString("![added cost per request](results.svg)\n\n")
	mainTable(&b, r)
	transportTable(&b, r)
	loadTable(&b, r)
	targets(&b, r)
	peerNotes(&b)
	fmt.Print(b.String())
	if err := os.WriteFile(filepath.Join(dir, "RESULTS.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.txt"), []byte(r.raw.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "results.svg"), []byte(chart(r)), 0o644)
}

// rounds is how many samples the floor got: the rounds that ran.
func (r *results) rounds() int { return len(r.bench["Floor/ES256"]) }

// cell formats an added cost: time and allocations.
func cell(ns, allocs float64, ok bool) string {
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%s, %.0f allocs", dur(ns), allocs)
}

// dur formats nanoseconds in µs.
func dur(ns float64) string {
	if ns < 10_000 && ns > -10_000 {
		return fmt.Sprintf("%.2f µs", ns/1000)
	}
	return fmt.Sprintf("%.1f µs", ns/1000)
}

func mainTable(b *strings.Builder, r *results) {
	b.WriteString("## Added cost over each framework's no-auth baseline, bearer token\n\n")
	b.WriteString("Time and allocations a request costs more than the same request through the framework without auth. " +
		"The floor is golang-jwt's Parse alone, with the same key and checks.\n\n")
	b.WriteString("| Framework | Alg | sessiongate, cached | sessiongate, uncached | peer | floor | uncached − floor | uncached ÷ peer |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, fw := range bench.Frameworks {
		for _, alg := range bench.Algs {
			cns, ca, cok := r.added(fw, bench.Cached, alg, "bearer")
			uns, ua, uok := r.added(fw, bench.Uncached, alg, "bearer")
			pns, pa, pok := r.added(fw, bench.Peer, alg, "bearer")
			fns, fa, fok := r.floor(alg)
			overFloor, vsPeer := "—", "—"
			if uok && fok {
				overFloor = dur(uns - fns)
			}
			if uok && pok {
				vsPeer = fmt.Sprintf("%.2f× time, %.0f vs %.0f allocs", uns/pns, ua, pa)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", bench.FrameworkTitle[fw], alg,
				cell(cns, ca, cok), cell(uns, ua, uok), cell(pns, pa, pok), cell(fns, fa, fok), overFloor, vsPeer)
		}
	}
	b.WriteString("\n")
}

func transportTable(b *strings.Builder, r *results) {
	b.WriteString("## By transport (ES256)\n\n")
	b.WriteString("`cookie`: the token in a cookie among others; `dupcookie`: the session cookie twice (an older domain's copy), " +
		"both verified and the older one cleared. Peers read one cookie value, so duplicated cookies are sessiongate's alone.\n\n")
	b.WriteString("| Framework | Transport | sessiongate, cached | sessiongate, uncached | peer |\n|---|---|---|---|---|\n")
	for _, fw := range bench.Frameworks {
		for _, tr := range bench.Transports {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", bench.FrameworkTitle[fw], tr,
				cell(r.added(fw, bench.Cached, "ES256", tr)), cell(r.added(fw, bench.Uncached, "ES256", tr)),
				cell(r.added(fw, bench.Peer, "ES256", tr)))
		}
	}
	b.WriteString("\n")
}

func loadTable(b *strings.Builder, r *results) {
	base, _, _, _, ok := r.loadMedian(bench.None)
	if !ok {
		return
	}
	b.WriteString("## Over loopback HTTP (net/http, ES256 bearer, 32 clients with a token each)\n\n")
	b.WriteString("Client and server share the machine's cores, so throughput is comparable only within this table.\n\n")
	b.WriteString("| App | req/s | of no auth | p50 | p99 | server CPU per request |\n|---|---|---|---|---|---|\n")
	for _, v := range bench.LoadVariants {
		rps, p50, p99, cpu, ok := r.loadMedian(v)
		if !ok {
			continue
		}
		fmt.Fprintf(b, "| %s | %.0f | %.0f %% | %v | %v | %s |\n", variantTitle(v), rps, 100*rps/base,
			p50.Round(1000), p99.Round(1000), dur(float64(cpu.Nanoseconds())))
	}
	b.WriteString("\n")
}

func variantTitle(v string) string {
	switch v {
	case bench.None:
		return "no auth"
	case bench.Peer:
		return "peer (" + bench.Peers["nethttp"].Name + ")"
	case bench.Cached:
		return "sessiongate, cached"
	}
	return "sessiongate, uncached"
}

func peerNotes(b *strings.Builder) {
	b.WriteString("## Peers\n\n| Framework | Peer | Checks besides signature and exp |\n|---|---|---|\n")
	for _, fw := range bench.Frameworks {
		p, ok := bench.Peers[fw]
		if !ok {
			p = bench.PeerInfo{Name: "none on the module proxy (gofiber/contrib's v3 jwt module is not served)", Checks: "—"}
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", bench.FrameworkTitle[fw], p.Name, p.Checks)
	}
	b.WriteString("\nsessiongate checks issuer, audience, exp, nbf, iat, typ rules and canonical encoding on every request, cached or not.\n")
}

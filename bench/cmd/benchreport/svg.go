package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/sessiongate/sessiongate/bench"
)

// The chart: per framework, the added cost of an ES256 bearer request
// with sessiongate cached and uncached and with the peer, on a log scale,
// and golang-jwt's Parse as a dashed line.
const (
	chartWidth = 820
	labelWidth = 120
	plotWidth  = 560
	barHeight  = 13
	groupGap   = 14
	top        = 56
	minNS      = 100.0     // 0.1 µs, the left edge
	maxNS      = 300_000.0 // 300 µs, the right edge
)

var series = []struct {
	variant, label, color string
}{
	{bench.Cached, "sessiongate, cached", "#2a9d5c"},
	{bench.Uncached, "sessiongate, uncached", "#3465a4"},
	{bench.Peer, "peer", "#999999"},
}

// x maps nanoseconds to a horizontal position.
func x(ns float64) float64 {
	ns = math.Min(math.Max(ns, minNS), maxNS)
	return labelWidth + plotWidth*math.Log10(ns/minNS)/math.Log10(maxNS/minNS)
}

func chart(r *results) string {
	groupH := len(series)*(barHeight+3) + groupGap
	height := top + len(bench.Frameworks)*groupH + 60
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="15" font-weight="bold">Added cost per request over the framework without auth (ES256 bearer, log scale)</text>`+"\n")
	legend(&b)
	axis(&b, top+len(bench.Frameworks)*groupH)
	if fns, _, ok := r.floor("ES256"); ok {
		fx := x(fns)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c0392b" stroke-dasharray="4 3"/>`+"\n", fx, top-6, fx, top+len(bench.Frameworks)*groupH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#c0392b" text-anchor="middle">golang-jwt Parse %s</text>`+"\n", fx, top-10, dur(fns))
	}
	for i, fw := range bench.Frameworks {
		y := top + i*groupH
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+barHeight+6, bench.FrameworkTitle[fw])
		for j, s := range series {
			ns, allocs, ok := r.added(fw, s.variant, "ES256", "bearer")
			by := y + j*(barHeight+3)
			if !ok {
				fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#666">no %s</text>`+"\n", labelWidth+4, by+barHeight-2, s.label)
				continue
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", labelWidth, by, x(ns)-labelWidth, barHeight, s.color)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s, %.0f allocs</text>`+"\n", x(ns)+4, by+barHeight-2, dur(ns), allocs)
		}
	}
	fmt.Fprintf(&b, `<text x="10" y="%d" fill="#444">%s</text>`+"\n", height-10, escape(machine()))
	b.WriteString("</svg>\n")
	return b.String()
}

func legend(b *strings.Builder) {
	for i, s := range series {
		lx := 10 + i*190
		fmt.Fprintf(b, `<rect x="%d" y="30" width="12" height="12" fill="%s"/><text x="%d" y="40">%s</text>`+"\n", lx, s.color, lx+16, s.label)
	}
}

// axis draws the log-scale ticks below the bars at y.
func axis(b *strings.Builder, y int) {
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", labelWidth, y, labelWidth+plotWidth, y)
	for _, t := range []struct {
		ns    float64
		label string
	}{{100, "0.1 µs"}, {1000, "1 µs"}, {10_000, "10 µs"}, {100_000, "100 µs"}} {
		tx := x(t.ns)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", tx, top-4, tx, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", tx, y+16, t.label)
	}
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

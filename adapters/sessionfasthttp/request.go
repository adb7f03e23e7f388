package sessionfasthttp

import (
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/core"
)

// Request views r as a core.Request, for adapters of frameworks built on
// fasthttp (Fiber v2 and v3). Every string it returns is a copy
// (string(b)): fasthttp reuses its buffers after the handler returns, and
// the token core puts in a Session must outlive them.
func Request(r *fasthttp.Request) core.Request { return request{r} }

// request is pointer-shaped, so converting it to core.Request does not
// allocate.
type request struct{ r *fasthttp.Request }

// Method is the method on the wire, not the framework's c.Method(): an
// override set by an earlier middleware must not turn a cross-site POST into
// a safe GET.
func (v request) Method() string { return string(v.r.Header.Method()) }

// Host is the Host header as sent, port included.
func (v request) Host() string { return string(v.r.Header.Host()) }

func (v request) Query(name string) string {
	return string(v.r.URI().QueryArgs().Peek(name))
}

// Header returns every line of the named header, in arrival order. It walks
// VisitAll instead of PeekAll for two reasons:
//   - names compare case-insensitively, as HTTP requires, even when the
//     server keeps them as sent (fiber's DisableHeaderNormalizing; PeekAll
//     then misses "authorization" and a second Authorization line in other
//     case);
//   - fasthttp parses Cookie lines lazily into one list, and after that
//     PeekAll("Cookie") returns one rebuilt line instead of the lines as
//     sent. VisitAll always yields that rebuilt "k=v; k2=v2" line, which
//     keeps every pair, duplicates and pairs of later lines included, so core
//     sees the same cookies whether or not a middleware read them first.
//
// VisitAll, not its newer replacement All: fiber v2 asks only for fasthttp
// v1.51, which has no All.
func (v request) Header(name string) []string {
	var out []string
	//lint:ignore SA1019 All does not exist in fasthttp v1.51, the version this module supports.
	v.r.Header.VisitAll(func(k, val []byte) {
		if len(k) == len(name) && strings.EqualFold(string(k), name) {
			out = append(out, string(val))
		}
	})
	return out
}

package sessionfasthttp

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/core"
)

// Request views r as a core.Request, for adapters of frameworks built on
// fasthttp (Fiber v2 and v3), to be used within the handler. fasthttp
// reuses its buffers after the handler returns, and core.Request's
// contract asks only that the strings stay unchanged until Check returns
// (core copies the token it keeps): so header values other than Cookie
// and the query parameter are returned without a copy (a request's token
// is hundreds of bytes, copied on every request), while the method, the
// host and the Cookie line, which fasthttp may rebuild in a shared buffer
// on the next VisitAll, are copied.
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

func (v request) Path() string {
	p := v.r.URI().PathOriginal()
	if i := bytes.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if len(p) == 0 {
		return "/"
	}
	return inPlace(p)
}

func (v request) Query(name string) string {
	return inPlace(v.r.URI().QueryArgs().Peek(name))
}

// inPlace returns b as a string without copying it: valid while fasthttp
// leaves b alone, which is for the rest of the handler for parsed header
// values and query arguments (nothing in Check changes the request).
func inPlace(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

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
	//lint:ignore SA1019 All is missing from fasthttp v1.51, which fiber v2 asks for (see above)
	v.r.Header.VisitAll(func(k, val []byte) {
		if len(k) == len(name) && strings.EqualFold(string(k), name) {
			if len(name) == len(fasthttp.HeaderCookie) && strings.EqualFold(name, fasthttp.HeaderCookie) {
				out = append(out, string(val)) // rebuilt in a buffer VisitAll reuses
			} else {
				out = append(out, inPlace(val))
			}
		}
	})
	return out
}

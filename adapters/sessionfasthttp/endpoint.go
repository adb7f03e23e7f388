package sessionfasthttp

import (
	"bytes"

	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/core"
)

// EndpointRequest views r as what a core.Endpoint reads, for the Endpoint
// functions of fasthttp-based adapters: the request view, the peer's
// address, and the body fasthttp has already read (bounded by the server's
// MaxRequestBodySize, Fiber's BodyLimit; the endpoint bounds what it reads
// again).
func EndpointRequest(r *fasthttp.Request, remoteAddr string) core.EndpointRequest {
	return core.EndpointRequest{Request: Request(r), RemoteAddr: remoteAddr, Body: bytes.NewReader(r.Body())}
}

// WriteResponse writes a core.Endpoint's answer to resp as
// core.Response.Write does for a net/http ResponseWriter: every header line
// added in order (Set-Cookie lines verbatim, one each), then the status and
// body (fasthttp leaves it out of a HEAD answer). An answer without a body
// and without Content-Type (a redirect) gets no Content-Type, as from
// net/http: fasthttp writes its default only with a body.
func WriteResponse(resp *fasthttp.Response, r core.Response) {
	for _, h := range r.Header {
		resp.Header.Add(h[0], h[1])
	}
	resp.SetStatusCode(r.Status)
	resp.SetBodyRaw(r.Body)
}

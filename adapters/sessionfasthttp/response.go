package sessionfasthttp

import (
	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/core"
)

// WriteError writes core's default answer to err (core.ErrorResponse:
// status, headers in order, JSON body) to resp, as core.Response.Write does
// for a net/http ResponseWriter, so every fasthttp adapter refuses byte for
// byte like the others. fasthttp leaves the body out of a HEAD answer.
func WriteError(resp *fasthttp.Response, err error) {
	r := core.ErrorResponse(err)
	for _, h := range r.Header {
		resp.Header.Add(h[0], h[1])
	}
	resp.SetStatusCode(r.Status)
	resp.SetBodyRaw(r.Body)
}

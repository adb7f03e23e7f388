package sessionfasthttp

import (
	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/core"
)

// AddSetCookies adds the Set-Cookie lines of a core.Decision to resp
// verbatim, one header line each. Not with SetCookie (which Fiber's c.Cookie
// calls): fasthttp keeps one response cookie per name, and the line that
// clears sid on the older domain shares its name with the live sid cookie.
func AddSetCookies(resp *fasthttp.Response, lines []string) {
	for _, line := range lines {
		resp.Header.Add(fasthttp.HeaderSetCookie, line)
	}
}

// AddHeaders adds the other header lines of a core.Decision (Header:
// DPoP-Nonce) to resp, one line each.
func AddHeaders(resp *fasthttp.Response, lines [][2]string) {
	for _, h := range lines {
		resp.Header.Add(h[0], h[1])
	}
}

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

// SetChallenge sets core's WWW-Authenticate, Retry-After and Cache-Control
// headers for err on resp, but not Content-Type, which goes with the body the
// framework's error handler writes: an adapter's ReturnError calls it before
// returning the framework's error. It replaces earlier values rather than
// adding to them, so a handler run twice (a retry) sends one challenge.
func SetChallenge(resp *fasthttp.Response, err error) {
	for _, h := range core.ErrorResponse(err).ChallengeHeader() {
		resp.Header.Set(h[0], h[1])
	}
}

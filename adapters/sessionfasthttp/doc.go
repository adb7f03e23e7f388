// Package sessionfasthttp views a fasthttp request as a core.Request and
// writes core's cookies and refusals to a fasthttp response, so that every
// sessiongate adapter for a framework built on fasthttp (Fiber v2 and v3)
// hands core the same headers, cookies, host and method, and answers the
// same bytes, from one place:
//
//	d := gate.Check(sessionfasthttp.Request(c.Request()), opts)
//	sessionfasthttp.AddSetCookies(c.Response(), d.SetCookies)
//	if d.Err != nil {
//		sessionfasthttp.WriteError(c.Response(), d.Err)
//	}
//
// The view hands core header values and query arguments without copying
// them (valid until Check returns; core copies the token it keeps), copies
// the method, the host and the Cookie line, matches header names without
// regard to case and reports the method on the wire. It is for adapter
// authors; applications use an adapter such as sessionfiber.
package sessionfasthttp

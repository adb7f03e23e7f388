// Package sessionfasthttp views a fasthttp request as a core.Request, so
// that every sessiongate adapter for a framework built on fasthttp (Fiber)
// hands core the same headers, cookies, host and method, read the
// same way, from one place:
//
//	d := gate.Check(sessionfasthttp.Request(c.Request()), opts)
//
// The view copies every value it returns, matches header names without
// regard to case and reports the method on the wire. It is for adapter
// authors; applications use an adapter such as sessionfiber.
package sessionfasthttp

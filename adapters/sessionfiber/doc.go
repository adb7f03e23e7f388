// Package sessionfiber is Fiber (v2) middleware for sessiongate, native on
// fasthttp: it finds the session token of a request (Authorization header or
// cookie), verifies it with a core.Gate and stores the verified session in
// the request's Locals and its user context.
//
//	gate, err := core.New(core.Config{Issuers: ...})
//	mw, err := sessionfiber.New(gate, sessionfiber.Config{})
//	app.Use(mw)
//
// Handlers read the session with FromContext(c) or
// core.SessionFromContext(c.UserContext()).
//
// fasthttp reuses a request's buffers once its handler returns. Core copies
// the token a Session keeps, so the Session stays valid after the request,
// whatever fiber.Config.Immutable says.
package sessionfiber

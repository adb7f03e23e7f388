// Package sessionfiberv3 is Fiber v3 middleware for sessiongate, native on
// fasthttp: it finds the session token of a request (Authorization header or
// cookie), verifies it with a core.Gate and stores the verified session in
// the request's Locals and its context.Context (c.Context()).
//
//	gate, err := core.New(core.Config{Issuers: ...})
//	mw, err := sessionfiberv3.New(gate, sessionfiberv3.Config{})
//	app.Use(mw)
//
// Handlers read the session with FromContext(c) or
// core.SessionFromContext(c.Context()). Not with c itself: a fiber.Ctx is a
// context.Context too, but its Value reads Locals, where core's key is not.
//
// Core copies the token a Session keeps: a Session outlives the request,
// whatever fiber.Config.Immutable says.
package sessionfiberv3

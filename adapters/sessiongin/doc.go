// Package sessiongin is Gin middleware for sessiongate: it finds the session
// token of a request (Authorization header or cookie), verifies it with a
// core.Gate and stores the verified session for the handlers.
//
//	gate, err := core.New(core.Config{Issuers: ...})
//	mw, err := sessiongin.New(gate, sessiongin.Config{})
//	r := gin.New()
//	r.Use(mw)
//
// Handlers read the session with FromContext(c), or with
// core.SessionFromContext(c.Request.Context()). Passing c itself to
// core.SessionFromContext finds the session only when the engine has
// ContextWithFallback set, so prefer c.Request.Context().
//
// The middleware only translates: every rule about tokens, cookies and
// claims lives in core.
package sessiongin

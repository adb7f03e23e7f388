// Package sessionhttp is net/http middleware for sessiongate: it finds the
// session token of a request (Authorization header or cookie), verifies it
// with a core.Gate and puts the verified session in the request context.
//
//	gate, err := core.New(core.Config{Issuers: ...})
//	mw, err := sessionhttp.New(gate, sessionhttp.Config{})
//	http.ListenAndServe(addr, mw(mux))
//
// Handlers read the session with FromRequest or core.SessionFromContext.
//
// The middleware is a plain func(http.Handler) http.Handler, so it also
// serves chi (r.Use(mw)), gorilla/mux and any router built on net/http
// handlers; no separate adapter is needed for them.
package sessionhttp

// Package sessionecho is Echo (github.com/labstack/echo/v4) middleware for
// sessiongate: it finds the session token of a request (Authorization header
// or cookie), verifies it with a core.Gate and puts the verified session in
// the echo.Context and in the request's context.Context.
//
//	gate, err := core.New(core.Config{Issuers: ...})
//	mw, err := sessionecho.New(gate, sessionecho.Config{})
//	e.Use(mw)
//
// Handlers read the session with FromContext(c) or
// core.SessionFromContext(c.Request().Context()).
//
// Register it with e.Use (or on a group or route), not e.Pre: e.Use
// middleware also runs for requests Echo's router answers 404 or 405, so
// unknown paths and methods are refused like any other.
//
// Refusals are written as core.ErrorResponse by default. To hand them to the
// app's e.HTTPErrorHandler instead, set Config.ErrorHandler
// to ReturnError.
package sessionecho

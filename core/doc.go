// Package core decides whether a request carries a valid session token: it
// finds the token (Authorization header or cookie, with explicit
// precedence), applies the browser's cookie-domain rules, cleans up cookies
// left on an older domain, and verifies the JWT against the issuer's keys
// (its own strict parsing, golang-jwt for the signature, cached JWKS, and a
// cache of verified tokens). It imports no web framework.
//
// # Using it
//
// Build one Gate with New from a Config (or a preset: CorbadoConfig,
// SuperTokensConfig, OIDCConfig), hand it to the adapter for your framework
// (sessionhttp, sessiongin, sessionecho, sessionfiber, sessionfiberv3), and
// read the verified Session in handlers with SessionFromContext or the
// adapter's accessor. Every refusal is an *Error whose Kind is one of the
// Err* sentinels (errors.Is); ErrorResponse(err) gives the status, headers
// and body adapters answer with. Gate.Cookies writes session cookies with
// the same rules. Close the gate when done.
//
// # Writing an adapter
//
// The adapter API is Request, HTTPRequest, Gate.Check, CheckOptions,
// Decision and WithSession, all in adapter.go: view the framework's request
// as a Request, call Gate.Check, add Decision.SetCookies to the response
// verbatim, then either store Decision.Session (WithSession and the
// framework's own store) or answer Decision.Err with ErrorResponse. An
// adapter holds no rule of its own; core/adaptertest is the conformance
// suite that proves it.
package core

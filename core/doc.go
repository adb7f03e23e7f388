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
// # DPoP
//
// With Config.DPoP.URLs set, the gate also accepts sender-constrained
// tokens (RFC 9449): "Authorization: DPoP <token>" with a DPoP proof the
// client signs for every request. It checks the proof's form, typ, alg
// (asymmetric), public jwk, signature, htm, htu (against the configured
// URLs, never the Host header alone), iat window, ath, jti (once, in a
// ReplayCache: MemoryReplayCache for one instance, a shared one for
// several) and, when asked, a server nonce; and the token's cnf.jkt against
// the proof key's thumbprint. A bound token never passes as a bearer token.
// Gate.Proof checks the proof of a token endpoint, to bind the tokens it
// issues. Decision.Header carries DPoP-Nonce.
//
// # Writing an adapter
//
// The adapter API is Request, HTTPRequest, Gate.Check, CheckOptions,
// Decision and WithSession, all in adapter.go: view the framework's request
// as a Request, call Gate.Check, add Decision.SetCookies and
// Decision.Header to the response verbatim, then either store Decision.Session (WithSession and the
// framework's own store) or answer Decision.Err with ErrorResponse. An
// adapter holds no rule of its own; core/adaptertest is the conformance
// suite that proves it.
package core

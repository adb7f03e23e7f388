// Package dpop is the client side of DPoP (RFC 9449): it signs the proofs a
// client sends with a sender-constrained access token.
//
// A Key holds the client's private key (any crypto.Signer: ECDSA P-256,
// P-384 or P-521, Ed25519 or RSA of at least 2048 bits, so a key in a
// hardware module works) with the JWS algorithm it signs with. Its
// Thumbprint is the RFC 7638 value an authorization server puts in the
// token's cnf.jkt. Key.Proof signs one proof for one request; a Transport
// is an http.RoundTripper that signs a fresh proof for every request it
// sends, computes ath from the request's "Authorization: DPoP" token,
// remembers the server nonces (DPoP-Nonce) per origin, and retries once
// when a server asks for a nonce.
//
// The package never logs, and none of its errors contain a token, a proof
// or a nonce.
package dpop

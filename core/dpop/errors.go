package dpop

import "errors"

// Sentinel errors; every error this package returns matches one of them
// with errors.Is, or is the base transport's own error.
var (
	// ErrKey: the key cannot sign DPoP proofs (a nil signer, an unsupported
	// key type or curve, an RSA key under 2048 bits, or an algorithm that
	// does not fit the key).
	ErrKey = errors.New("dpop: unusable key")
	// ErrURL: the request URL cannot be a proof's htu (not absolute, not
	// http or https, no host, or an opaque URL).
	ErrURL = errors.New("dpop: request URL cannot be a proof's htu")
	// ErrMethod: the request method is empty or not an HTTP token.
	ErrMethod = errors.New("dpop: invalid request method")
	// ErrNonce: a nonce passed to Proof is not a valid DPoP nonce: it has
	// characters outside RFC 9449's NQCHAR, or is over 1024 bytes.
	ErrNonce = errors.New("dpop: invalid nonce")
	// ErrToken: the access token passed to Proof, or TransportConfig.Token,
	// is not a valid token68 (RFC 9449 §7.1).
	ErrToken = errors.New("dpop: invalid access token")
	// ErrSign: the signer failed or returned a malformed signature.
	ErrSign = errors.New("dpop: signing failed")
	// ErrConfig: NewTransport was given an invalid TransportConfig.
	ErrConfig = errors.New("dpop: invalid transport configuration")
)

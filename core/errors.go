package core

import (
	"errors"
	"fmt"
)

// Sentinel errors, one per failure kind. Every error a Gate returns from a
// request matches exactly one of them with errors.Is. None of their messages,
// nor the messages of the errors that wrap them, ever contain a token.
var (
	// ErrNoToken: the request carried no session token in any enabled source.
	ErrNoToken = errors.New("no session token")
	// ErrMalformedRequest: the request itself is malformed, e.g. it carries
	// more than one Authorization header (RFC 6750 invalid_request, 400).
	ErrMalformedRequest = errors.New("malformed authorization request")
	// ErrMalformed: the token is not a well-formed JWS compact JWT, or it
	// names a critical header extension this verifier does not understand.
	ErrMalformed = errors.New("malformed session token")
	// ErrTokenTooLarge: the token is longer than Config.MaxTokenSize; it was
	// rejected before any parsing.
	ErrTokenTooLarge = errors.New("session token too large")
	// ErrAlgorithm: the token's alg is not allowed (including "none"), or does
	// not fit the type of the key it names.
	ErrAlgorithm = errors.New("session token algorithm not allowed")
	// ErrSignature: the signature does not verify.
	ErrSignature = errors.New("session token signature invalid")
	// ErrUnknownKey: no key of the token's issuer matches its kid, even after
	// a permitted refresh of the issuer's key set.
	ErrUnknownKey = errors.New("session token signed by an unknown key")
	// ErrExpired: exp is in the past (beyond the leeway).
	ErrExpired = errors.New("session token expired")
	// ErrNotYetValid: nbf is in the future (beyond the leeway).
	ErrNotYetValid = errors.New("session token not yet valid")
	// ErrIssuedInFuture: iat is in the future (beyond the leeway).
	ErrIssuedInFuture = errors.New("session token issued in the future")
	// ErrTokenType: Config.Types is set and the token's typ header is
	// missing or not one of them.
	ErrTokenType = errors.New("session token type not accepted")
	// ErrIssuer: iss is missing or not one of the configured issuers.
	ErrIssuer = errors.New("session token issuer not accepted")
	// ErrAudience: aud does not name any configured audience.
	ErrAudience = errors.New("session token audience not accepted")
	// ErrClaims: a required claim is missing or has the wrong type, or the
	// Config.ValidateClaims hook refused the session.
	ErrClaims = errors.New("session token claims invalid")
	// ErrKeysUnavailable: the issuer's keys could not be fetched and none
	// are cached, or the token names a kid that could not be checked while
	// the key server is failing; the request may succeed later (503).
	ErrKeysUnavailable = errors.New("session keys unavailable")
	// ErrCrossSite: a cookie-borne token arrived on an unsafe method from a
	// cross-site origin that is not trusted (403).
	ErrCrossSite = errors.New("cross-site request refused")
	// ErrSessionConflict: the session cookie carried valid tokens of
	// different subjects (issuer and sub), as when a sibling subdomain plants
	// its own valid session beside the user's. Core refuses rather than pick
	// one (401).
	ErrSessionConflict = errors.New("session cookie carries sessions of different subjects")
	// ErrSessionRevoked: the token is genuine, but Config.Revocations says
	// its session was revoked (logout, theft detected, an admin's revoke)
	// before the token expired (401).
	ErrSessionRevoked = errors.New("session revoked")
	// ErrRevocationsUnavailable: Config.Revocations could not tell whether
	// the session was revoked (a stale revocation feed configured to fail
	// closed, or a strict lookup whose store is unreachable); the request
	// may succeed later (503).
	ErrRevocationsUnavailable = errors.New("session revocations unavailable")
	// ErrDPoPProof: the request's DPoP proof (RFC 9449) is missing,
	// malformed or wrong: its typ, alg, key, signature, htm, htu, iat or
	// ath (401 invalid_dpop_proof).
	ErrDPoPProof = errors.New("DPoP proof invalid")
	// ErrDPoPReplay: the DPoP proof was used before, within the time it
	// passes (401 invalid_dpop_proof).
	ErrDPoPReplay = errors.New("DPoP proof replayed")
	// ErrDPoPBinding: the proof is valid, but the access token is not bound
	// to its key: its cnf.jkt is another key's thumbprint, or it has none
	// (401 invalid_dpop_proof).
	ErrDPoPBinding = errors.New("DPoP proof key does not match the token's binding")
	// ErrDPoPNonce: DPoPConfig.RequireNonce is set and the proof carries no
	// nonce or a stale one; the answer carries a fresh one in DPoP-Nonce
	// (401 use_dpop_nonce).
	ErrDPoPNonce = errors.New("DPoP proof needs the server's current nonce")
	// ErrDPoPRequired: DPoPConfig.Mode is DPoPRequired and the token came
	// without a proof (Bearer, a cookie, the custom header or the query
	// parameter) (401).
	ErrDPoPRequired = errors.New("DPoP proof required")
	// ErrTokenBound: the token is bound to a key (cnf.jkt) and came without
	// a proof of it, as a bearer token or in a cookie: whoever copied it
	// does not hold the key (401).
	ErrTokenBound = errors.New("session token is DPoP-bound and came without a proof")
	// ErrDPoPReplayUnavailable: DPoPConfig.Replay could not tell whether the
	// proof was used before; the request may succeed later (503).
	ErrDPoPReplayUnavailable = errors.New("DPoP replay protection unavailable")
	// ErrConfig: a configuration value is invalid. Returned only by
	// constructors, never from a request.
	ErrConfig = errors.New("invalid sessiongate configuration")
)

// Error is the typed error a Gate returns for a refused request. Kind is one
// of the sentinel errors above; errors.Is(err, Kind) holds. Err, when set, is
// the underlying cause (never containing the token).
type Error struct {
	Kind   error
	Source Source
	Err    error
	// unsigned: the token was refused before any signature check (it never
	// reached a key), so it cost no signature check.
	unsigned bool
	// dpop, when set, makes the answer's challenge DPoP's (the token came
	// with the DPoP scheme, or DPoP is what the request lacks).
	dpop *challenge
	// desc replaces the kind's description in the answer.
	desc string
	// nonce is a fresh DPoP nonce the answer carries (ErrDPoPNonce).
	nonce string
}

// Error returns the kind's message and the cause, if any.
func (e *Error) Error() string {
	if e.Err == nil {
		return "sessiongate: " + e.Kind.Error()
	}
	return "sessiongate: " + e.Kind.Error() + ": " + e.Err.Error()
}

// Is reports whether target is this error's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func newError(kind error, cause error) *Error { return &Error{Kind: kind, Err: cause} }

// ConfigError names the configuration field and value that New refused.
// errors.Is(err, ErrConfig) holds; Err, when set, is the reason as an error.
type ConfigError struct {
	Field  string
	Value  string
	Reason string
	Err    error
}

// Unwrap returns the reason as an error, if any.
func (e *ConfigError) Unwrap() error { return e.Err }

func (e *ConfigError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("sessiongate: config %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("sessiongate: config %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is reports whether target is ErrConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

func configErr(field, value, reason string, args ...any) error {
	return &ConfigError{Field: field, Value: value, Reason: fmt.Sprintf(reason, args...)}
}

// kindOf finds the sentinel err is or wraps: through *Error, or through any
// other wrapping (fmt.Errorf("...: %w", ErrExpired)) a custom handler added.
func kindOf(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	for _, k := range sentinels {
		if errors.Is(err, k) {
			return k
		}
	}
	return err
}

var sentinels = []error{
	ErrNoToken, ErrMalformedRequest, ErrMalformed, ErrTokenTooLarge, ErrAlgorithm, ErrSignature,
	ErrUnknownKey, ErrExpired, ErrNotYetValid, ErrIssuedInFuture, ErrTokenType, ErrIssuer, ErrAudience,
	ErrClaims, ErrKeysUnavailable, ErrCrossSite, ErrSessionConflict, ErrSessionRevoked, ErrRevocationsUnavailable,
	ErrDPoPProof, ErrDPoPReplay, ErrDPoPBinding, ErrDPoPNonce, ErrDPoPRequired, ErrTokenBound, ErrDPoPReplayUnavailable,
}

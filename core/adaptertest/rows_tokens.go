package adaptertest

import "github.com/sessiongate/sessiongate/core"

// One token, one string form; exact dates; exact claim names; explicit
// typing. Core's own tests hold the full tables; these rows prove every
// adapter hands the token to core untouched.
var tokenFormRows = []row{
	{
		name:   "one string form: a signature whose last character has non-zero padding bits is malformed",
		tokens: []tok{{sub: "alice", mangle: loosePadding}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrMalformed, "the session token is malformed"),
	},
	{
		name:   "one string form: the same padding defect in a cookie is malformed too",
		tokens: []tok{{sub: "alice", mangle: loosePadding}},
		header: headers{{"Cookie", "sid={token}"}},
		want:   invalid(core.ErrMalformed, "the session token is malformed"),
	},
	{
		name:   "an ECDSA high-S twin of a valid token is accepted (interoperability with signers that do not normalise)",
		tokens: []tok{{sub: "alice", mangle: highS}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "claim names are exact: sub and SUB in one payload is malformed",
		tokens: []tok{{sub: "alice", extra: map[string]any{"SUB": "mallory"}}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrMalformed, "the session token is malformed"),
	},
	{
		name:   "a sub that is not a string is a claims error",
		tokens: []tok{{sub: "alice", extra: map[string]any{"sub": 42}}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrClaims, "the session token claims are invalid"),
	},
	{
		name:   "exact dates: exp 0 is 1970, expired, never 'no expiry'",
		tokens: []tok{{sub: "alice", extra: map[string]any{"exp": 0}}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   expiredToken,
	},
	{
		name:   "exact dates: an nbf far beyond int64 is refused, not wrapped into the past",
		tokens: []tok{{sub: "alice", extra: map[string]any{"nbf": 1e300}}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrNotYetValid, "the session token is not valid yet"),
	},
	{
		name:   "exact dates: an exp far beyond int64 is far future, not wrapped into the past",
		tokens: []tok{{sub: "alice", extra: map[string]any{"exp": 1e300}}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "explicit typing: with Types set, a typ not listed is refused",
		config: core.Config{Types: []string{"at+jwt"}},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrTokenType, "the session token type is not accepted"),
	},
	{
		name:   "explicit typing: typ is compared as a media type (JWT matches application/jwt)",
		config: core.Config{Types: []string{"application/JWT"}},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
}

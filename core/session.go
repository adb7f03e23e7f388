package core

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Token is a raw session token. It prints as "[redacted]" with fmt and slog
// so that logging a Session, an error or a token by mistake never leaks it;
// convert with string(tok) where the token must be sent on (forwarding it as
// a bearer header to another backend).
type Token string

// String returns "[redacted]".
func (Token) String() string { return "[redacted]" }

// GoString returns "[redacted]", for %#v.
func (Token) GoString() string { return "[redacted]" }

// Format prints "[redacted]" for every verb and flag. Without it, a verb
// fmt finds wrong for a string (%d, %t, %c) takes fmt's bad-verb path,
// which skips String and prints the raw token, and %x prints the hex of
// "[redacted]". Only %p on the Token value itself never reaches a method
// (fmt prints the raw string; go vet reports the call).
func (Token) Format(f fmt.State, _ rune) { io.WriteString(f, "[redacted]") }

// LogValue returns "[redacted]", for log/slog.
func (Token) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// MarshalJSON writes "[redacted]", so a Session encoded to JSON does not leak it.
func (Token) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

// Session is a verified session: the registered claims, the token and
// where it came from. Each request gets a Session of its own (a token
// answered from the gate's cache too), so a handler may change it without
// touching another request's; the claim set and the header are decoded
// from the token when asked for, with Claims, Header or ClaimsAs.
type Session struct {
	Subject  string
	Issuer   string
	Audience []string
	ID       string // jti
	// SessionID is the sid claim (OpenID Connect): the long-term session
	// the token belongs to, which revocation lists key on; "" when absent.
	SessionID string
	// KeyBinding is the cnf.jkt claim (RFC 9449 §6.1): the RFC 7638
	// thumbprint of the key the token is bound to; "" for a bearer token.
	// A session with a KeyBinding passed a DPoP proof of that key: the
	// gate accepts a bound token in no other way.
	KeyBinding string
	ExpiresAt  time.Time
	IssuedAt   time.Time // zero when the token has no iat
	NotBefore  time.Time // zero when the token has no nbf
	// Token is the raw token; string(s.Token) to forward it.
	Token Token
	// Source is where the token was found; CookieName is set for cookies.
	Source     Source
	CookieName string
}

// Claims decodes the whole claim set as JSON into a new map (numbers as
// float64), for a look at claims Session has no field for; nil if the
// token is not a JWS (a Session the gate did not make). Each call decodes
// the token again: keep the map, or decode into a struct with ClaimsAs.
func (s *Session) Claims() map[string]any { return s.segment(1) }

// Header decodes the token's JOSE header (alg, kid, typ, ...) into a new
// map, for ValidateClaims hooks that decide on it; nil as for Claims.
func (s *Session) Header() map[string]any { return s.segment(0) }

// segment decodes segment i of the token as a JSON object.
func (s *Session) segment(i int) map[string]any {
	var m map[string]any
	if s == nil || decodeSegment(s.Token, i, &m) != nil {
		return nil
	}
	return m
}

// ClaimsAs decodes the session's claim set into a T of the caller's own,
// e.g. a struct with the provider's custom claims. It uses encoding/json,
// which matches struct fields to names case-insensitively; the gate refuses
// claim sets that name a member twice or in two cases (at any depth) or
// spell a registered claim in another case, so ClaimsAs never picks one of
// two values and its registered claims are Session's.
func ClaimsAs[T any](s *Session) (T, error) {
	var out T
	if s == nil {
		return out, errors.New("sessiongate: no session")
	}
	return out, decodeSegment(s.Token, 1, &out)
}

// decodeSegment decodes segment i (0 the header, 1 the claim set) of tok
// as JSON into out.
func decodeSegment(tok Token, i int, out any) error {
	parts := strings.Split(string(tok), ".")
	if len(parts) != 3 {
		return newError(ErrMalformed, nil)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		return newError(ErrMalformed, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		// A fixed cause: encoding/json's message can quote claim values.
		return newError(ErrClaims, fmt.Errorf("the token's JSON does not decode into %T", out))
	}
	return nil
}

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

// Session is a verified session: the registered claims, the raw claim set,
// the token and where it came from. It is read-only once a Gate returns it.
type Session struct {
	Subject   string
	Issuer    string
	Audience  []string
	ID        string // jti
	ExpiresAt time.Time
	IssuedAt  time.Time // zero when the token has no iat
	NotBefore time.Time // zero when the token has no nbf
	// Header is the token's JOSE header as decoded JSON (alg, kid, typ,
	// ...), for ValidateClaims hooks that decide on it. Read-only.
	Header map[string]any
	// Claims is the whole claim set as decoded JSON. Read-only.
	Claims map[string]any
	// Token is the raw token; string(s.Token) to forward it.
	Token Token
	// Source is where the token was found; CookieName is set for cookies.
	Source     Source
	CookieName string
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
	parts := strings.Split(string(s.Token), ".")
	if len(parts) != 3 {
		return out, newError(ErrMalformed, nil)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return out, newError(ErrMalformed, err)
	}
	if err := json.Unmarshal(payload, &out); err != nil {
		return out, newError(ErrClaims, err)
	}
	return out, nil
}

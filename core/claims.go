package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// session checks the registered claims of c against now, in the order exp,
// nbf, iat, aud, and returns the session they describe. Every registered
// claim must have its RFC 7519 type: Session shows them typed and ClaimsAs
// fails on a wrong type, so a numeric sub that Session showed as "" would
// let the two disagree.
func (v *verifier) session(c *compact, now time.Time) (*Session, *Error) {
	s := &Session{}
	if c.claims[cExp] == "" {
		return nil, newError(ErrClaims, errors.New("exp is required"))
	}
	for _, d := range [...]struct {
		claim int
		t     *time.Time
	}{{cExp, &s.ExpiresAt}, {cNbf, &s.NotBefore}, {cIat, &s.IssuedAt}} {
		raw := c.claims[d.claim]
		if raw == "" {
			continue
		}
		if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
			return nil, newError(ErrClaims, fmt.Errorf("%s is not a number", claimNames[d.claim]))
		}
		*d.t = numericDate(raw)
		if e := v.dateRule(d.claim, *d.t, now); e != nil {
			return nil, e
		}
	}
	var e *Error
	if s.Audience, e = v.audience(c.claims[cAud]); e != nil {
		return nil, e
	}
	s.Issuer, _ = jsonString(c.claims[cIss]) // a string: the issuer was found by it
	if s.Subject, e = stringClaim(c.claims[cSub], "sub"); e != nil {
		return nil, e
	}
	if s.ID, e = stringClaim(c.claims[cJti], "jti"); e != nil {
		return nil, e
	}
	if s.SessionID, e = stringClaim(c.claims[cSid], "sid"); e != nil {
		return nil, e
	}
	if s.KeyBinding, e = keyBinding(c.claims[cCnf]); e != nil {
		return nil, e
	}
	return s, nil
}

// keyBinding reads cnf (RFC 7800), the text raw, for its jkt (RFC 9449
// §6.1): the base64url SHA-256 thumbprint of the key the token is bound
// to. A cnf with no jkt names a confirmation method this gate cannot check
// (mTLS's x5t#S256, a jwk): such a token is not a bearer token either, so
// it is refused rather than accepted without its proof.
func keyBinding(raw string) (string, *Error) {
	if raw == "" {
		return "", nil
	}
	var cnf map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal([]byte(raw), &cnf) != nil {
		return "", newError(ErrClaims, errors.New("cnf is not an object"))
	}
	jkt, ok := jsonString(string(cnf["jkt"]))
	if !ok {
		return "", newError(ErrClaims, errors.New("cnf has no jkt, the only confirmation method this gate checks"))
	}
	if len(jkt) != 43 || !canonicalBase64URL(jkt) {
		return "", newError(ErrClaims, errors.New("cnf.jkt is not a base64url SHA-256 thumbprint"))
	}
	return jkt, nil
}

// dateRule applies the clock to the date claim (cExp, cNbf or cIat) at t:
// exp must be after now, nbf and iat not after it, each give or take the
// leeway.
func (v *verifier) dateRule(claim int, t, now time.Time) *Error {
	switch {
	case claim == cExp && !t.After(now.Add(-v.leeway)):
		return newError(ErrExpired, nil)
	case claim == cNbf && t.After(now.Add(v.leeway)):
		return newError(ErrNotYetValid, nil)
	case claim == cIat && t.After(now.Add(v.leeway)):
		return newError(ErrIssuedInFuture, nil)
	}
	return nil
}

// dateRules applies dateRule to the dates of s, a session verified before,
// in the order session does: what verifying its token again would answer
// at now. An absent nbf or iat is the zero time, which no rule refuses.
func (v *verifier) dateRules(s *Session, now time.Time) *Error {
	if e := v.dateRule(cExp, s.ExpiresAt, now); e != nil {
		return e
	}
	if e := v.dateRule(cNbf, s.NotBefore, now); e != nil {
		return e
	}
	return v.dateRule(cIat, s.IssuedAt, now)
}

var errAudType = errors.New("aud is not a string or an array of strings")

// jsonString reads raw, the text of a JSON value, as a string; ok is false
// when it is not one. Plain ASCII without escapes is a substring of raw;
// anything else goes through encoding/json, so the value is what ClaimsAs
// sees (escapes resolved, invalid UTF-8 replaced).
func jsonString(raw string) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	for i := 0; i < len(inner); i++ {
		if c := inner[i]; c == '\\' || c >= utf8.RuneSelf {
			var s string
			if json.Unmarshal([]byte(raw), &s) != nil {
				return "", false
			}
			return s, true
		}
	}
	return inner, true
}

// stringClaim reads the optional string claim name from its text raw.
func stringClaim(raw, name string) (string, *Error) {
	if raw == "" {
		return "", nil
	}
	s, ok := jsonString(raw)
	if !ok {
		return "", newError(ErrClaims, fmt.Errorf("%s is not a string", name))
	}
	return s, nil
}

// audience reads aud from its text raw (a string or an array of strings)
// and, when audiences are configured, requires it to name one of them.
func (v *verifier) audience(raw string) ([]string, *Error) {
	var aud []string
	switch {
	case raw == "":
	case raw[0] == '"':
		a, _ := jsonString(raw)
		aud = []string{a}
	case raw[0] == '[':
		var list []any
		json.Unmarshal([]byte(raw), &list) // valid JSON: json.Valid accepted the claim set
		aud = make([]string, len(list))
		for i, x := range list {
			var ok bool
			if aud[i], ok = x.(string); !ok {
				return nil, newError(ErrClaims, errAudType)
			}
		}
	default:
		return nil, newError(ErrClaims, errAudType)
	}
	if len(v.audiences) == 0 {
		return aud, nil
	}
	if len(aud) == 0 || len(aud) == 1 && aud[0] == "" {
		return nil, newError(ErrClaims, errors.New("aud is required"))
	}
	for _, a := range aud {
		if slices.Contains(v.audiences, a) {
			return aud, nil
		}
	}
	return nil, newError(ErrAudience, nil)
}

// The instants a NumericDate saturates to: time.Time writes years 0 to 9999
// in RFC 3339 and JSON, and no clock comes near either end, so replacing a
// value beyond them by the bound changes no decision.
const (
	minDateUnix = -62167219200 // 0000-01-01T00:00:00Z
	maxDateUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// numericDate is the instant lit names: lit is a JSON number (as
// encoding/json validated it) of seconds since 1970-01-01T00:00:00Z. The
// value is read exactly from its decimal digits, never through a float, so
// no fraction is truncated and no huge value wraps around (converting an
// out-of-range float to int64 gives MinInt64 on amd64 and MaxInt64 on
// arm64). It is rounded up to the nanosecond: the clock is an integer of
// nanoseconds, so "now is before exp" and "now is not before nbf" compare
// the same either way. Beyond years 0 and 9999 it saturates to them: a huge
// exp is far future, a huge nbf or iat far future and so refused, a hugely
// negative one far past. Zero and negative values are read literally, as
// 1970 and before: exp 0 has expired, and is never taken to mean "no exp".
func numericDate(lit string) time.Time {
	neg := strings.HasPrefix(lit, "-")
	d := splitDecimal(strings.TrimPrefix(lit, "-"))
	sec, nsec, over := d.secondsCeil(!neg)
	switch {
	case !neg && (over || sec > maxDateUnix):
		return time.Unix(maxDateUnix, 999999999)
	case neg && (over || sec > -minDateUnix || sec == -minDateUnix && nsec > 0):
		return time.Unix(minDateUnix, 0)
	case neg:
		return time.Unix(-sec, -nsec)
	}
	return time.Unix(sec, nsec)
}

// decimal is a non-negative decimal number: the digits of its integer and
// fraction parts, with the point moved right by exp.
type decimal struct {
	intPart, frac string
	exp           int64
}

// splitDecimal splits the text of a non-negative JSON number.
func splitDecimal(s string) decimal {
	mant, e, _ := strings.Cut(strings.ReplaceAll(s, "E", "e"), "e")
	var d decimal
	d.intPart, d.frac, _ = strings.Cut(mant, ".")
	neg := strings.HasPrefix(e, "-")
	for _, c := range strings.TrimLeft(e, "+-") {
		if d.exp < 1e15 { // any larger exponent decides the same
			d.exp = d.exp*10 + int64(c-'0')
		}
	}
	if neg {
		d.exp = -d.exp
	}
	return d
}

// digit is the i-th digit of intPart followed by frac, '0' outside them.
func (d decimal) digit(i int64) int64 {
	switch {
	case i < 0:
		return 0
	case i < int64(len(d.intPart)):
		return int64(d.intPart[i] - '0')
	case i-int64(len(d.intPart)) < int64(len(d.frac)):
		return int64(d.frac[i-int64(len(d.intPart))] - '0')
	}
	return 0
}

// secondsCeil returns the value as whole seconds and nanoseconds, with
// anything below a nanosecond rounded up (roundUp) or dropped; over reports
// a value of 10^12 seconds or more, beyond any date this gate keeps.
func (d decimal) secondsCeil(roundUp bool) (sec, nsec int64, over bool) {
	n := int64(len(d.intPart) + len(d.frac))
	first, last := int64(-1), int64(-1) // the first and last non-zero digit
	for i := range n {
		if d.digit(i) != 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0, 0, false
	}
	point := int64(len(d.intPart)) + d.exp // digits before the point
	if point-first > 12 {
		return 0, 0, true
	}
	for i := first; i < point; i++ {
		sec = sec*10 + d.digit(i)
	}
	for i := point; i < point+9; i++ {
		nsec = nsec*10 + d.digit(i)
	}
	if roundUp && last >= point+9 {
		if nsec++; nsec == 1e9 {
			sec, nsec = sec+1, 0
		}
	}
	return sec, nsec, false
}

package core

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// dateLiterals are the top-level exp, nbf and iat members of a claim set as
// written; "" when absent or not a number.
type dateLiterals struct{ exp, nbf, iat string }

// set records the literal of a number that starts rest (after white space
// and the colon), when name is one of the date claims.
func (d *dateLiterals) set(name, rest []byte) {
	var lit *string
	switch string(name) {
	case "exp":
		lit = &d.exp
	case "nbf":
		lit = &d.nbf
	case "iat":
		lit = &d.iat
	default:
		return
	}
	rest = bytes.TrimLeft(rest, " \t\r\n:")
	n := 0
	for n < len(rest) && strings.IndexByte("+-.0123456789eE", rest[n]) >= 0 {
		n++
	}
	*lit = string(rest[:n]) // "" when the value is not a number
}

// session checks the registered claims of c against now, in the order exp,
// nbf, iat, aud, and returns the session they describe. Every registered
// claim must have its RFC 7519 type: Session shows them typed and ClaimsAs
// fails on a wrong type, so a numeric sub that Session showed as "" would
// let the two disagree.
func (v *verifier) session(c *compact, now time.Time) (*Session, *Error) {
	s := &Session{Header: c.header, Claims: c.claims}
	var e *Error
	var has bool
	if s.ExpiresAt, has, e = dateClaim(c.claims, "exp", c.dates.exp); e != nil {
		return nil, e
	}
	if !has {
		return nil, newError(ErrClaims, errors.New("exp is required"))
	}
	if !s.ExpiresAt.After(now.Add(-v.leeway)) {
		return nil, newError(ErrExpired, nil)
	}
	later := now.Add(v.leeway)
	if s.NotBefore, e = notAfter(c.claims, "nbf", c.dates.nbf, later, ErrNotYetValid); e != nil {
		return nil, e
	}
	if s.IssuedAt, e = notAfter(c.claims, "iat", c.dates.iat, later, ErrIssuedInFuture); e != nil {
		return nil, e
	}
	if s.Audience, e = v.audience(c.claims); e != nil {
		return nil, e
	}
	s.Issuer, _ = c.claims["iss"].(string) // a string: the issuer was found by it
	if s.Subject, e = stringClaim(c.claims, "sub"); e != nil {
		return nil, e
	}
	if s.ID, e = stringClaim(c.claims, "jti"); e != nil {
		return nil, e
	}
	return s, nil
}

// dateClaim reads the NumericDate claim name, whose literal text is lit:
// its exact instant and whether it is present.
func dateClaim(claims map[string]any, name, lit string) (time.Time, bool, *Error) {
	if _, ok := claims[name]; !ok {
		return time.Time{}, false, nil
	}
	if lit == "" {
		return time.Time{}, true, newError(ErrClaims, fmt.Errorf("%s is not a number", name))
	}
	return numericDate(lit), true, nil
}

var errAudType = errors.New("aud is not a string or an array of strings")

// notAfter reads the optional NumericDate claim name, whose literal text is
// lit, and refuses it with kind when it is after limit.
func notAfter(claims map[string]any, name, lit string, limit time.Time, kind error) (time.Time, *Error) {
	t, has, e := dateClaim(claims, name, lit)
	if e == nil && has && t.After(limit) {
		e = newError(kind, nil)
	}
	return t, e
}

// stringClaim reads the optional string claim name.
func stringClaim(claims map[string]any, name string) (string, *Error) {
	raw, ok := claims[name]
	if !ok {
		return "", nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", newError(ErrClaims, fmt.Errorf("%s is not a string", name))
	}
	return s, nil
}

// audience reads aud (a string or an array of strings) and, when audiences
// are configured, requires it to name one of them.
func (v *verifier) audience(claims map[string]any) ([]string, *Error) {
	var aud []string
	switch a := claims["aud"].(type) {
	case nil:
		if _, ok := claims["aud"]; ok {
			return nil, newError(ErrClaims, errAudType)
		}
	case string:
		aud = []string{a}
	case []any:
		aud = make([]string, len(a))
		for i, x := range a {
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

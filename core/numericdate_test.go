package core

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nowPlus writes testNow+sec+frac as a JSON number: sec whole seconds and
// frac the digits after the point ("" for none).
func nowPlus(sec int64, frac string) json.Number {
	n := strconv.FormatInt(testNow.Unix()+sec, 10)
	if frac != "" {
		n += "." + frac
	}
	return json.Number(n)
}

func TestVerifyNumericDatesExact(t *testing.T) {
	g := sourcesGate(t)
	gLeeway := newGate(t, Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(testKeys().ec256)}}, Leeway: 30 * time.Second})
	unix := testNow.Unix()
	rows := []struct {
		name   string
		claim  string
		value  any // nil removes the claim
		leeway bool
		want   error
	}{
		// Fractions are compared exactly, not truncated to the second.
		{"exp 0.5s in the future: accepted (not truncated to now)", "exp", nowPlus(0, "5"), false, nil},
		{"exp 0.5s in the past: ErrExpired", "exp", nowPlus(-1, "5"), false, ErrExpired},
		{"exp one nanosecond in the future: accepted", "exp", nowPlus(0, "000000001"), false, nil},
		{"exp a tenth of a nanosecond in the future: accepted (later than now, however little)", "exp", nowPlus(0, "0000000001"), false, nil},
		{"exp exactly now written with a fraction of zeros: ErrExpired", "exp", nowPlus(0, "000000000000"), false, ErrExpired},
		{"exp a minute ahead in exponent form: accepted", "exp", json.Number(strconv.FormatInt(unix+60, 10)[:1] + "." + strconv.FormatInt(unix+60, 10)[1:] + "e9"), false, nil},
		{"exp a minute ago in exponent form with a negative exponent: ErrExpired", "exp", json.Number(strconv.FormatInt(unix-60, 10) + "000e-3"), false, ErrExpired},
		{"nbf 0.5s in the future: ErrNotYetValid (not truncated to now)", "nbf", nowPlus(0, "5"), false, ErrNotYetValid},
		{"nbf a tenth of a nanosecond in the future: ErrNotYetValid", "nbf", nowPlus(0, "0000000001"), false, ErrNotYetValid},
		{"nbf 0.5s in the past: accepted", "nbf", nowPlus(-1, "5"), false, nil},
		{"iat 0.5s in the future: ErrIssuedInFuture (not truncated to now)", "iat", nowPlus(0, "5"), false, ErrIssuedInFuture},
		{"iat 0.5s in the past: accepted", "iat", nowPlus(-1, "5"), false, nil},
		{"nbf 30.5s in the future, leeway 30s: ErrNotYetValid", "nbf", nowPlus(30, "5"), true, ErrNotYetValid},
		{"nbf 29.5s in the future, leeway 30s: accepted", "nbf", nowPlus(29, "5"), true, nil},
		{"iat 30.5s in the future, leeway 30s: ErrIssuedInFuture", "iat", nowPlus(30, "5"), true, ErrIssuedInFuture},
		{"exp 30.5s in the past, leeway 30s: ErrExpired", "exp", nowPlus(-31, "5"), true, ErrExpired},
		{"exp 29.5s in the past, leeway 30s: accepted", "exp", nowPlus(-30, "5"), true, nil},

		// Far outside int64 and time.Time: saturated in the safe direction,
		// never wrapped by a float-to-integer conversion.
		{"exp 1e300: accepted (far future)", "exp", json.Number("1e300"), false, nil},
		{"exp 2^63 as an integer: accepted (far future)", "exp", json.Number("9223372036854775808"), false, nil},
		{"exp 10^30 written out in 31 digits: accepted (far future)", "exp", json.Number("1" + zeros(30)), false, nil},
		{"nbf 10^30 written out in 31 digits: ErrNotYetValid (far future)", "nbf", json.Number("1" + zeros(30)), false, ErrNotYetValid},
		{"exp -1e300: ErrExpired (far past)", "exp", json.Number("-1e300"), false, ErrExpired},
		{"nbf 1e300: ErrNotYetValid (far future)", "nbf", json.Number("1e300"), false, ErrNotYetValid},
		{"nbf 9.3e18, just above int64: ErrNotYetValid", "nbf", json.Number("9.3e18"), false, ErrNotYetValid},
		{"nbf 2^63 as an integer: ErrNotYetValid", "nbf", json.Number("9223372036854775808"), false, ErrNotYetValid},
		{"nbf year 10000 (253402300800): ErrNotYetValid", "nbf", json.Number("253402300800"), false, ErrNotYetValid},
		{"nbf -1e300: accepted (far past)", "nbf", json.Number("-1e300"), false, nil},
		{"iat 1e300: ErrIssuedInFuture (far future)", "iat", json.Number("1e300"), false, ErrIssuedInFuture},
		{"iat 1.8e19: ErrIssuedInFuture", "iat", json.Number("1.8e19"), false, ErrIssuedInFuture},
		{"iat -9.3e18: accepted (far past)", "iat", json.Number("-9.3e18"), false, nil},
		{"exp 1e400, beyond float64: ErrMalformed (the claim set cannot hold it)", "exp", json.Number("1e400"), false, ErrMalformed},
		{"nbf with an exponent of 12 digits: ErrMalformed (beyond float64)", "nbf", json.Number("1e999999999999"), false, ErrMalformed},
		{"nbf 1e-999999999999, a hair after 1970: accepted", "nbf", json.Number("1e-999999999999"), false, nil},
		{"exp 1e-400, a hair after 1970: ErrExpired", "exp", json.Number("1e-400"), false, ErrExpired},

		// Zero and negative values are dates at or before 1970, read literally.
		{"exp 0: ErrExpired (1970, not 'no expiry')", "exp", json.Number("0"), false, ErrExpired},
		{"exp -0: ErrExpired", "exp", json.Number("-0"), false, ErrExpired},
		{"exp -1: ErrExpired", "exp", json.Number("-1"), false, ErrExpired},
		{"nbf 0: accepted (1970 is in the past)", "nbf", json.Number("0"), false, nil},
		{"iat -1: accepted (1969 is in the past)", "iat", json.Number("-1"), false, nil},
		{"iat -0.5: accepted", "iat", json.Number("-0.5"), false, nil},

		// Numeric dates are JSON numbers.
		{"exp as a numeric string: ErrClaims", "exp", strconv.FormatInt(unix+60, 10), false, ErrClaims},
		{"exp null: ErrClaims", "exp", json.RawMessage("null"), false, ErrClaims},
		{"nbf as a string: ErrClaims", "nbf", "0", false, ErrClaims},
		{"iat true: ErrClaims", "iat", true, false, ErrClaims},
		{"exp missing: ErrClaims", "exp", nil, false, ErrClaims},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tok := sign(t, "ES256", "", testKeys().ec256, claimsFor(issA, withClaim(row.claim, row.value)), nil)
			if row.leeway {
				s, err := gLeeway.Verify(tok, SourceAuthorization)
				checkResult(t, "Verify", s, err, tok, row.want)
				return
			}
			checkEverySource(t, g, tok, row.want)
		})
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// Session's times are the exact values, rounded up to the nanosecond (the
// clock's precision, so comparisons with it stay exact), and saturated to
// the years 0 to 9999 that time.Time's text and JSON forms can write.
func TestVerifySessionTimesExact(t *testing.T) {
	g := sourcesGate(t)
	rows := []struct {
		name  string
		claim string
		value json.Number
		get   func(*Session) time.Time
		want  time.Time
	}{
		{"ExpiresAt keeps half a second", "exp", nowPlus(60, "5"), func(s *Session) time.Time { return s.ExpiresAt }, testNow.Add(60*time.Second + 500*time.Millisecond)},
		{"ExpiresAt rounds a tenth of a nanosecond up", "exp", nowPlus(60, "0000000001"), func(s *Session) time.Time { return s.ExpiresAt }, testNow.Add(60*time.Second + time.Nanosecond)},
		{"IssuedAt of a negative fraction rounds up towards zero", "iat", json.Number("-0.0000000015"), func(s *Session) time.Time { return s.IssuedAt }, time.Unix(0, -1)},
		{"ExpiresAt of 1e300 is the last instant of year 9999", "exp", json.Number("1e300"), func(s *Session) time.Time { return s.ExpiresAt }, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"NotBefore of -1e300 is the first instant of year 0", "nbf", json.Number("-1e300"), func(s *Session) time.Time { return s.NotBefore }, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tok := sign(t, "ES256", "", testKeys().ec256, claimsFor(issA, withClaim(row.claim, row.value)), nil)
			s, err := g.Verify(tok, SourceAuthorization)
			if err != nil {
				t.Fatal(err)
			}
			if got := row.get(s); !got.Equal(row.want) {
				t.Errorf("got %v, want %v", got, row.want)
			}
		})
	}
}

// numericDateByRat is numericDate computed with math/big, for numbers whose
// exponent is small enough for big.Rat to expand.
func numericDateByRat(lit string) (time.Time, bool) {
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		return time.Time{}, false
	}
	ns := new(big.Rat).Mul(r, new(big.Rat).SetInt64(1e9))
	q, m := new(big.Int).QuoRem(ns.Num(), ns.Denom(), new(big.Int)) // truncated towards zero
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1)) // ceiling of a positive value
	}
	lo, hi := big.NewInt(minDateUnix), big.NewInt(maxDateUnix)
	lo.Mul(lo, big.NewInt(1e9))
	hi.Mul(hi, big.NewInt(1e9)).Add(hi, big.NewInt(999999999))
	if q.Cmp(lo) < 0 {
		q = lo
	}
	if q.Cmp(hi) > 0 {
		q = hi
	}
	sec, nsec := new(big.Int).DivMod(q, big.NewInt(1e9), new(big.Int))
	return time.Unix(sec.Int64(), nsec.Int64()), true
}

func FuzzNumericDateAgreesWithBigRat(f *testing.F) {
	for _, s := range []string{"0", "-0", "1", "-1", "0.5", "-0.5", "1898942400.0000000001", "-0.0000000015", "1e300", "-1e300",
		"9223372036854775808", "253402300799.9999999991", "253402300800", "-62167219200", "-62167219200.0000000001", "1.5E+3", "25e-1", "0.000e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lit string) {
		var n json.Number
		if json.Unmarshal([]byte(lit), &n) != nil || string(n) != lit {
			return // not a JSON number literal
		}
		if i := strings.IndexAny(lit, "eE"); i >= 0 {
			if e, err := strconv.Atoi(lit[i+1:]); err != nil || e > 400 || e < -400 {
				return // too large for big.Rat to expand quickly
			}
		}
		want, ok := numericDateByRat(lit)
		if !ok {
			t.Fatalf("big.Rat cannot read %q", lit)
		}
		if got := numericDate(lit); !got.Equal(want) {
			t.Fatalf("numericDate(%q) = %v, want %v", lit, got, want)
		}
	})
}

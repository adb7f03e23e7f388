package core

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// tossingTokens are cookie values a sibling subdomain could plant ahead of
// the user's real session cookie.
type tossingTokens struct {
	real string
	// Junk that fails before any signature check, by kind.
	malformed, oversize, wrongAlg, unknownIssuer, unknownKey func(i int) string
	// Values that reach a signature check and fail it or a later check.
	forged, expired func(i int) string
}

func newTossingTokens(t *testing.T) tossingTokens {
	k := testKeys()
	jti := func(i int) func(c map[string]any) { return func(c map[string]any) { c["jti"] = fmt.Sprint("j-", i) } }
	signed := func(alg, kid string, key any, iss string, i int, mods ...func(map[string]any)) string {
		c := claimsFor(iss)
		jti(i)(c)
		for _, m := range mods {
			m(c)
		}
		return sign(t, alg, kid, key, c, nil)
	}
	return tossingTokens{
		real:          signed("ES256", "ec-1", k.ec256, issA, -1),
		malformed:     func(i int) string { return fmt.Sprint("junk-", i) },
		oversize:      func(i int) string { return fmt.Sprint(i, strings.Repeat("x", 9000)) },
		wrongAlg:      func(i int) string { return signed("HS256", "ec-1", testSecret, issA, i) },
		unknownIssuer: func(i int) string { return signed("ES256", "ec-1", k.ec256, "https://evil.example", i) },
		unknownKey:    func(i int) string { return signed("ES256", "nope", k.attacker, issA, i) },
		forged:        func(i int) string { return signed("ES256", "ec-1", k.attacker, issA, i) },
		expired: func(i int) string {
			return signed("ES256", "ec-1", k.ec256, issA, i, func(c map[string]any) { c["exp"] = testNow.Add(-time.Minute).Unix() })
		},
	}
}

// cookieLine joins values of name into one Cookie header line.
func cookieLine(name string, vals ...string) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = name + "=" + v
	}
	return strings.Join(parts, "; ")
}

// TestCheckCookieTossing pins that junk planted ahead of the real session
// cookie does not lock the user out: values that fail before any signature
// check do not count toward the maxCookieVerifications values verified, while
// at most maxCookieValues values are parsed at all.
func TestCheckCookieTossing(t *testing.T) {
	tk := newTossingTokens(t)
	n := func(count int, f func(int) string) []string {
		out := make([]string, count)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	var everyKind []string
	for _, f := range []func(int) string{tk.malformed, tk.oversize, tk.wrongAlg, tk.unknownIssuer, tk.unknownKey} {
		everyKind = append(everyKind, n(5, f)...)
	}
	rows := []struct {
		name    string
		values  []string // sid values in arrival order
		wantErr error    // nil: the real session
	}{
		{"25 junk values of every kind failing before the signature, then the real one: the real one wins",
			append(everyKind, tk.real), nil},
		{"31 junk values then the real one: the 32nd value is parsed and wins",
			append(n(maxCookieValues-1, tk.malformed), tk.real), nil},
		{"32 junk values then the real one: the 33rd value is never parsed",
			append(n(maxCookieValues, tk.malformed), tk.real), ErrMalformed},
		{"the same junk value a hundred times takes one place: the real one wins",
			append(n(100, func(int) string { return tk.malformed(0) }), tk.real), nil},
		{"five forged signatures then the real one: the sixth signature check finds it",
			append(n(maxCookieVerifications-1, tk.forged), tk.real), nil},
		{"six forged signatures then the real one: no seventh signature check, refused",
			append(n(maxCookieVerifications, tk.forged), tk.real), ErrSignature},
		{"six expired values then the real one: they reached a signature check and count, refused",
			append(n(maxCookieVerifications, tk.expired), tk.real), ErrExpired},
		{"junk before the signature interleaved with five forged values: the real one still wins",
			append(append(n(10, tk.unknownKey), n(maxCookieVerifications-1, tk.forged)...), append(n(10, tk.wrongAlg), tk.real)...), nil},
	}
	g := newGate(t, Config{Issuers: staticIssuers(), CookieNames: []string{"sid"}})
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			d := g.Check(cookieRequest([]string{cookieLine("sid", row.values...)}, ""), CheckOptions{})
			if row.wantErr == nil {
				if d.Err != nil || d.Session == nil || string(d.Session.Token) != tk.real {
					t.Fatalf("decision error %v; want the real session", d.Err)
				}
				return
			}
			if d.Session != nil || !errors.Is(d.Err, row.wantErr) {
				t.Fatalf("decision: session %v, error %v; want refused with %v", d.Session != nil, d.Err, row.wantErr)
			}
		})
	}
}

// TestCheckCookieTossingWithTypes: with Config.Types set, values refused
// for their typ never reached a key either, so they do not use up the
// signature checks (the typ rule runs before any key lookup).
func TestCheckCookieTossingWithTypes(t *testing.T) {
	tk := newTossingTokens(t)
	k := testKeys()
	var vals []string
	for i := range maxCookieVerifications + 2 {
		c := claimsFor(issA, withClaim("jti", fmt.Sprint("t-", i)))
		vals = append(vals, sign(t, "ES256", "ec-1", k.attacker, c, map[string]any{"typ": "logout+jwt"}))
	}
	g := newGate(t, Config{Issuers: staticIssuers(), CookieNames: []string{"sid"}, Types: []string{"JWT"}})
	d := g.Check(cookieRequest([]string{cookieLine("sid", append(vals, tk.real)...)}, ""), CheckOptions{})
	if d.Err != nil || d.Session == nil || string(d.Session.Token) != tk.real {
		t.Fatalf("decision error %v; want the real session after %d values of another typ", d.Err, len(vals))
	}
}

// TestCheckSessionSwap pins that valid cookie values of different subjects
// are refused, not decided by iat: an attacker's own valid token planted from
// a sibling subdomain must not replace the user's session.
func TestCheckSessionSwap(t *testing.T) {
	k := testKeys()
	tok := func(iss, sub string, iat time.Duration) string {
		key, kid := k.ec256, "ec-1"
		if iss == issB {
			key, kid = k.ec256b, "ec-b"
		}
		return sign(t, "ES256", kid, key, claimsFor(iss, withClaim("sub", sub), atOffset("iat", iat), atOffset("exp", time.Hour)), nil)
	}
	alice := tok(issA, "alice", -time.Hour)
	aliceNew := tok(issA, "alice", -time.Minute)
	aliceOfB := tok(issB, "alice", -time.Minute)
	mallory := tok(issA, "mallory", -time.Minute)
	malloryOld := tok(issA, "mallory", -2*time.Hour)
	expiredMallory := sign(t, "ES256", "ec-1", k.ec256, claimsFor(issA, withClaim("sub", "mallory"), atOffset("exp", -time.Minute)), nil)
	bearer := tok(issA, "bearer", -time.Minute)
	const clearOlder = "sid=; Path=/; Domain=api.example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax"

	rows := []struct {
		name     string
		cookies  []string
		authz    string
		wantSub  string // "" means refused with ErrSessionConflict
		wantSet  []string
		wantWarn string // the cookie name the warning names; "" for no warning
	}{
		{name: "two valid values of different subjects: refused, older-domain copy cleared, warning logged",
			cookies: []string{cookieLine("sid", alice, mallory)}, wantSet: []string{clearOlder}, wantWarn: "sid"},
		{name: "the other subject's value is older by iat: refused just the same, iat does not pick between subjects",
			cookies: []string{cookieLine("sid", alice, malloryOld)}, wantSet: []string{clearOlder}, wantWarn: "sid"},
		{name: "the other subject's value comes first in the header: refused just the same",
			cookies: []string{cookieLine("sid", mallory, alice)}, wantSet: []string{clearOlder}, wantWarn: "sid"},
		{name: "the same sub from two issuers is two subjects: refused",
			cookies: []string{cookieLine("sid", aliceNew, aliceOfB)}, wantSet: []string{clearOlder}, wantWarn: "sid"},
		{name: "different subjects under the current and a former cookie name: refused, nothing to clear",
			cookies: []string{cookieLine("sid", alice) + "; " + cookieLine("old_sid", mallory)}, wantWarn: "old_sid"},
		{name: "two valid values of the same subject: the newest by iat wins as before",
			cookies: []string{cookieLine("sid", alice, aliceNew)}, wantSub: "alice", wantSet: []string{clearOlder}},
		{name: "a valid value beside an expired one of another subject: only valid values count",
			cookies: []string{cookieLine("sid", expiredMallory, alice)}, wantSub: "alice", wantSet: []string{clearOlder}},
		{name: "a valid Authorization header beside conflicting cookies: the header's session, cookies unread",
			cookies: []string{cookieLine("sid", alice, mallory)}, authz: "Bearer " + bearer, wantSub: "bearer"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			logs := &logSink{}
			g := newGate(t, Config{
				Issuers: []Issuer{
					{Name: issA, JWKS: jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"))},
					{Name: issB, JWKS: jwkSet(jwkOf(k.ec256b, "ec-b", "ES256", "sig"))},
				},
				CookieNames:       []string{"sid", "old_sid"},
				CookieDomain:      "example.com",
				OlderCookieDomain: "api.example.com",
				Logger:            logs.logger(),
			})
			d := g.Check(cookieRequest(row.cookies, row.authz), CheckOptions{})
			if row.wantSub != "" {
				if d.Err != nil || d.Session == nil || d.Session.Subject != row.wantSub {
					t.Fatalf("decision error %v; want the session of %q", d.Err, row.wantSub)
				}
			} else {
				var e *Error
				if d.Session != nil || !errors.As(d.Err, &e) || e.Kind != ErrSessionConflict || e.Source != SourceCookie {
					t.Fatalf("decision: session %v, error %v; want a cookie *Error of kind ErrSessionConflict", d.Session != nil, d.Err)
				}
				if r := ErrorResponse(d.Err); r.Status != http.StatusUnauthorized || r.Code != "invalid_token" {
					t.Errorf("response %d %q; want 401 invalid_token", r.Status, r.Code)
				}
			}
			if fmt.Sprint(d.SetCookies) != fmt.Sprint(row.wantSet) {
				t.Errorf("SetCookies:\n got %q\nwant %q", d.SetCookies, row.wantSet)
			}
			out := logs.String()
			warned := strings.Contains(out, "level=WARN") && strings.Contains(out, "different subjects")
			if warned != (row.wantWarn != "") || (warned && !strings.Contains(out, "cookie="+row.wantWarn)) {
				t.Errorf("log %q; want a conflict warning naming cookie %q: %v", out, row.wantWarn, row.wantWarn != "")
			}
			for _, secret := range []string{alice, mallory, aliceOfB, malloryOld, "alice", "mallory"} {
				if strings.Contains(out, secret) || (d.Err != nil && strings.Contains(d.Err.Error(), secret)) {
					t.Errorf("log or error names a token or a subject: log %q, error %v", out, d.Err)
				}
			}
		})
	}
}

package core

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// issDown is an issuer whose key server is down and never answered: every
// token of it is ErrKeysUnavailable.
const issDown = "https://down.example"

// policyRow is one request to Gate.Check and the answer it must get. Header
// values may name tokens as {alice} (valid cookie user), {bob} (valid bearer
// user), {expired}, {down} (keys unavailable) and {junk}.
type policyRow struct {
	name     string
	transfer Transfer
	noCSRF   bool // DisableCrossSiteProtection
	optional bool
	method   string // default GET
	header   map[string][]string
	status   int    // 200: allowed
	err      error  // the kind refused with; nil when allowed
	sub      string // the session's subject; "" when allowed anonymously
}

// Shorthands for the rows.
const (
	cross = "cross-site"
	evil  = "https://evil.example"
)

func h(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

// policyRows is the whole request policy of Check: token sources and their
// precedence, the optional mode, the cross-site rule and which error is
// answered when a request yields several.
var policyRows = []policyRow{
	// Sources.
	{name: "valid bearer: its session", header: h("Authorization", "Bearer {bob}"), status: 200, sub: "bob"},
	{name: "valid cookie and no header: the cookie's session", header: h("Cookie", "sid={alice}"), status: 200, sub: "alice"},
	{name: "valid custom header: its session", header: h("X-Session-Token", "{bob}"), status: 200, sub: "bob"},
	{name: "valid bearer and valid cookie: the bearer wins", header: h("Authorization", "Bearer {bob}", "Cookie", "sid={alice}"), status: 200, sub: "bob"},
	{name: "expired bearer beside a valid cookie: the cookie's session", header: h("Authorization", "Bearer {expired}", "Cookie", "sid={alice}"), status: 200, sub: "alice"},
	{name: "Basic credentials are no session token: the cookie's session", header: h("Authorization", "Basic dXNlcjpwdw==", "Cookie", "sid={alice}"), status: 200, sub: "alice"},
	{name: "no token at all: 401 no token", status: 401, err: ErrNoToken},
	{name: "TransferHeader: a valid cookie alone is no token", transfer: TransferHeader, header: h("Cookie", "sid={alice}"), status: 401, err: ErrNoToken},
	{name: "TransferHeader: an expired bearer is refused though a valid cookie came along", transfer: TransferHeader, header: h("Authorization", "Bearer {expired}", "Cookie", "sid={alice}"), status: 401, err: ErrExpired},
	{name: "TransferCookie: a valid bearer alone is no token", transfer: TransferCookie, header: h("Authorization", "Bearer {bob}"), status: 401, err: ErrNoToken},

	// Optional mode.
	{name: "optional, no token: allowed anonymously", optional: true, status: 200},
	{name: "optional, invalid bearer: still refused", optional: true, header: h("Authorization", "Bearer {expired}"), status: 401, err: ErrExpired},
	{name: "optional, valid cookie: its session", optional: true, header: h("Cookie", "sid={alice}"), status: 200, sub: "alice"},
	{name: "optional, a cookie on a cross-site POST: refused, not anonymous", optional: true, method: "POST", header: h("Cookie", "sid={alice}", "Sec-Fetch-Site", cross, "Origin", evil), status: 403, err: ErrCrossSite},

	// CORS preflight.
	{name: "CORS preflight without a token: allowed anonymously", method: "OPTIONS", header: h("Origin", evil, "Access-Control-Request-Method", "GET"), status: 200},
	{name: "CORS preflight with a junk bearer: allowed anonymously, nothing verified", method: "OPTIONS", header: h("Origin", evil, "Access-Control-Request-Method", "GET", "Authorization", "Bearer {junk}"), status: 200},
	{name: "OPTIONS without Access-Control-Request-Method is no preflight: 401 no token", method: "OPTIONS", header: h("Origin", evil), status: 401, err: ErrNoToken},

	// Two Authorization headers.
	{name: "two Authorization headers plus a valid session cookie, TransferAny: 400", header: h("Authorization", "Bearer {bob}", "Authorization", "Bearer {bob}", "Cookie", "sid={alice}"), status: 400, err: ErrMalformedRequest},
	{name: "two Authorization headers plus a valid session cookie, TransferHeader: 400", transfer: TransferHeader, header: h("Authorization", "Bearer {bob}", "Authorization", "Bearer {bob}", "Cookie", "sid={alice}"), status: 400, err: ErrMalformedRequest},
	{name: "two Authorization headers plus a valid session cookie, TransferCookie: headers are not read, the cookie's session", transfer: TransferCookie, header: h("Authorization", "Bearer {bob}", "Authorization", "Bearer {bob}", "Cookie", "sid={alice}"), status: 200, sub: "alice"},
	{name: "two Authorization headers, optional: still 400", optional: true, header: h("Authorization", "Basic a", "Authorization", "Basic b"), status: 400, err: ErrMalformedRequest},
	{name: "two custom token headers plus a valid cookie: 400", header: h("X-Session-Token", "{bob}", "X-Session-Token", "{bob}", "Cookie", "sid={alice}"), status: 400, err: ErrMalformedRequest},

	// Cross-site rule.
	{name: "cookie on a cross-site POST from an untrusted origin: 403", method: "POST", header: h("Cookie", "sid={alice}", "Sec-Fetch-Site", cross, "Origin", evil), status: 403, err: ErrCrossSite},
	{name: "cookie on a POST with no Sec-Fetch-Site and a foreign Origin: 403", method: "POST", header: h("Cookie", "sid={alice}", "Origin", evil), status: 403, err: ErrCrossSite},
	{name: "cookie on a cross-site DELETE: 403", method: "DELETE", header: h("Cookie", "sid={alice}", "Sec-Fetch-Site", cross), status: 403, err: ErrCrossSite},
	{name: "cookie on a same-origin POST: its session", method: "POST", header: h("Cookie", "sid={alice}", "Sec-Fetch-Site", "same-origin"), status: 200, sub: "alice"},
	{name: "cookie on a POST without Sec-Fetch-Site or Origin (not a browser): its session", method: "POST", header: h("Cookie", "sid={alice}"), status: 200, sub: "alice"},
	{name: "cookie on a cross-site GET: its session (safe method)", header: h("Cookie", "sid={alice}", "Sec-Fetch-Site", cross, "Origin", evil), status: 200, sub: "alice"},
	{name: "a trusted website origin written with an explicit default port and in upper case still matches the browser's Origin",
		method: "POST", header: h("Cookie", "sid={alice}", "Sec-Fetch-Site", "same-site", "Origin", "https://www.example.com"), status: 200, sub: "alice"},
	{name: "bearer on a cross-site POST: its session (header tokens are exempt)", method: "POST", header: h("Authorization", "Bearer {bob}", "Sec-Fetch-Site", cross, "Origin", evil), status: 200, sub: "bob"},
	{name: "DisableCrossSiteProtection: cookie on a cross-site POST is accepted", noCSRF: true, method: "POST", header: h("Cookie", "sid={alice}", "Sec-Fetch-Site", cross, "Origin", evil), status: 200, sub: "alice"},

	// Error precedence: malformed request > keys unavailable > cross-site >
	// the header's error > the cookie's error.
	{name: "'Bearer undefined' beside a valid cookie before the keys arrive: 503, not 401", header: h("Authorization", "Bearer undefined", "Cookie", "sid={down}"), status: 503, err: ErrKeysUnavailable},
	{name: "a bare 'Bearer' beside a cookie whose keys are unavailable: 503", header: h("Authorization", "Bearer", "Cookie", "sid={down}"), status: 503, err: ErrKeysUnavailable},
	{name: "a bearer whose keys are unavailable beside a junk cookie: 503", header: h("Authorization", "Bearer {down}", "Cookie", "sid={junk}"), status: 503, err: ErrKeysUnavailable},
	{name: "a junk cookie value ahead of one whose keys are unavailable: 503", header: h("Cookie", "sid={junk}; sid={down}"), status: 503, err: ErrKeysUnavailable},
	{name: "TransferHeader, junk Authorization then a custom header whose keys are unavailable: 503", transfer: TransferHeader, header: h("Authorization", "Bearer {junk}", "X-Session-Token", "{down}"), status: 503, err: ErrKeysUnavailable},
	{name: "keys unavailable outrank cross-site: 503", method: "POST", header: h("Authorization", "Bearer {down}", "Cookie", "sid={alice}", "Sec-Fetch-Site", cross, "Origin", evil), status: 503, err: ErrKeysUnavailable},
	{name: "two Authorization headers outrank keys unavailable: 400", header: h("Authorization", "Bearer {down}", "Authorization", "Bearer {down}", "Cookie", "sid={down}"), status: 400, err: ErrMalformedRequest},
	{name: "cross-site outranks the header's error: 403", method: "POST", header: h("Authorization", "Bearer {expired}", "Cookie", "sid={alice}", "Sec-Fetch-Site", cross, "Origin", evil), status: 403, err: ErrCrossSite},
	{name: "the header's error outranks the cookie's", header: h("Authorization", "Bearer {expired}", "Cookie", "sid={junk}"), status: 401, err: ErrExpired},
	{name: "among cookie values the first error is answered", header: h("Cookie", "sid={expired}; sid={junk}"), status: 401, err: ErrExpired},
	{name: "a valid cookie beats a bearer whose keys are unavailable", header: h("Authorization", "Bearer {down}", "Cookie", "sid={alice}"), status: 200, sub: "alice"},
}

// TestCheckPolicy runs policyRows through Gate.Check, so `go test` in core
// alone catches a broken rule (a CSRF bypass, a lost precedence), not only the
// conformance suite run from an adapter.
func TestCheckPolicy(t *testing.T) {
	k := testKeys()
	tokens := strings.NewReplacer(
		"{alice}", sign(t, "ES256", "ec-1", k.ec256, claimsFor(issA, withClaim("sub", "alice")), nil),
		"{bob}", sign(t, "ES256", "ec-1", k.ec256, claimsFor(issA, withClaim("sub", "bob")), nil),
		"{expired}", sign(t, "ES256", "ec-1", k.ec256, claimsFor(issA, atOffset("exp", -time.Minute)), nil),
		"{down}", sign(t, "ES256", "d-1", k.ec256, claimsFor(issDown), nil),
		"{junk}", "undefined",
	)
	down := newKeyServer(t, "")
	down.set(func(s *keyServer) { s.status = http.StatusServiceUnavailable })
	gates := map[[2]any]*Gate{}
	gate := func(row policyRow) *Gate {
		key := [2]any{row.transfer, row.noCSRF}
		if g := gates[key]; g != nil {
			return g
		}
		g := newGate(t, Config{
			Issuers: []Issuer{
				{Name: issA, JWKS: jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig"))},
				{Name: issDown, JWKSURL: down.URL},
			},
			JWKS:                       JWKSOptions{AllowStartWithoutKeys: true},
			Transfer:                   row.transfer,
			CookieNames:                []string{"sid"},
			HeaderName:                 "X-Session-Token",
			CookieDomain:               "example.com",
			WebsiteOrigins:             []string{"https://WWW.Example.com:443"},
			DisableCrossSiteProtection: row.noCSRF,
		})
		gates[key] = g
		return g
	}
	for _, row := range policyRows {
		t.Run(row.name, func(t *testing.T) {
			method := row.method
			if method == "" {
				method = http.MethodGet
			}
			r := httptest.NewRequest(method, "https://api.example.com/me", nil)
			for name, vals := range row.header {
				for _, v := range vals {
					r.Header.Add(name, tokens.Replace(v))
				}
			}
			d := gate(row).Check(HTTPRequest(r), CheckOptions{Optional: row.optional})
			checkDecision(t, d, row)
		})
	}
}

// checkDecision asserts that d answers row: its status, error kind and subject.
func checkDecision(t *testing.T, d Decision, row policyRow) {
	t.Helper()
	status := http.StatusOK
	if d.Err != nil {
		status = ErrorResponse(d.Err).Status
	}
	if status != row.status {
		t.Fatalf("status %d (error %v), want %d", status, d.Err, row.status)
	}
	if row.err != nil {
		var e *Error
		if !errors.As(d.Err, &e) || e.Kind != row.err || d.Session != nil {
			t.Fatalf("error %v (session %v), want kind %v", d.Err, d.Session != nil, row.err)
		}
		return
	}
	switch {
	case d.Err != nil:
		t.Fatalf("error %v, want allowed", d.Err)
	case row.sub == "" && d.Session != nil:
		t.Fatalf("session of %q, want anonymous", d.Session.Subject)
	case row.sub != "" && (d.Session == nil || d.Session.Subject != row.sub):
		t.Fatalf("session %+v, want the session of %q", d.Session, row.sub)
	}
}

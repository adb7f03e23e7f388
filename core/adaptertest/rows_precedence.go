package adaptertest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/sessiongate/sessiongate/core"
)

// Error precedence between sources: malformed request (400) > keys
// unavailable (503) > cross-site (403) > the header's error > the cookie's.
var precedenceRows = []row{
	{
		name:   "precedence: a junk bearer beside a cookie while keys are unavailable is 503, not 401",
		keys:   keysDownFromStart,
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer undefined"}, {"Cookie", "sid={token}"}},
		want:   keysUnavailable,
	},
	{
		name:   "a new kid while the key server is down is 503 (retry), not 401 (drop the session)",
		keys:   keysDownAfterStart,
		tokens: []tok{{sub: "alice", kid: "rotated-in"}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   keysUnavailable,
	},
	{
		name:   "precedence: a bare Bearer beside a cookie while keys are unavailable is 503",
		keys:   keysDownFromStart,
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer"}, {"Cookie", "sid={token}"}},
		want:   keysUnavailable,
	},
	{
		name:   "precedence: a junk cookie value before one that cannot be checked yet is 503",
		keys:   keysDownFromStart,
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", "sid=garbage; sid={token}"}},
		want:   keysUnavailable.warning(),
	},
	{
		name:   "precedence: keys unavailable for a bearer outranks the cross-site refusal of its cookie",
		keys:   keysDownFromStart,
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: headers{{"Sec-Fetch-Site", "cross-site"}, {"Authorization", "Bearer {token}"}, {"Cookie", "sid={token}"}},
		want:   keysUnavailable,
	},
	{
		name:   "precedence: the cross-site refusal of a cookie outranks an expired bearer",
		method: http.MethodPost,
		tokens: []tok{expired("alice"), valid("alice")},
		header: headers{{"Sec-Fetch-Site", "cross-site"}, {"Authorization", "Bearer {token}"}, {"Cookie", "sid={token2}"}},
		want:   crossSite,
	},
	{
		name:   "precedence: two Authorization headers beside a valid cookie are 400 (transfer any)",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}, {"Authorization", "Bearer {token}"}, {"Cookie", "sid={token}"}},
		want:   twoAuthHeaders,
	},
	{
		name:   "precedence: two Authorization headers beside a valid cookie are 400 (transfer header)",
		config: core.Config{Transfer: core.TransferHeader},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}, {"Authorization", "Bearer {token}"}, {"Cookie", "sid={token}"}},
		want:   twoAuthHeaders,
	},
	{
		name:   "precedence: transfer cookie reads no header, so two Authorization headers do not matter",
		config: core.Config{Transfer: core.TransferCookie},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer x"}, {"Authorization", "Bearer y"}, {"Cookie", "sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "csrf: a trusted origin written with its default port and in upper case matches the browser's",
		config: core.Config{WebsiteOrigins: []string{"https://WWW.Example.test:443"}},
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: crossSiteCookie,
		want:   session("alice", core.SourceCookie),
	},
}

// Cookie tossing: a sibling subdomain plants same-name cookies that the
// browser sends first. Values that fail before any signature check do not
// use up the values core verifies.
var tossingRows = []row{
	{
		name:   "cookie tossing: 31 junk values ahead of the real cookie do not lock the user out",
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", junkCookies(31) + "sid={token}"}},
		want:   session("alice", core.SourceCookie).warning(),
	},
	{
		name: "cookie tossing: six forged values ahead of the real cookie use up the verifications (401)",
		tokens: []tok{
			{sub: "m1", mangle: tampered}, {sub: "m2", mangle: tampered}, {sub: "m3", mangle: tampered},
			{sub: "m4", mangle: tampered}, {sub: "m5", mangle: tampered}, {sub: "m6", mangle: tampered}, valid("alice"),
		},
		header: headers{{"Cookie", "sid={token}; sid={token2}; sid={token3}; sid={token4}; sid={token5}; sid={token6}; " +
			"sid={token7}"}},
		want: invalid(core.ErrSignature, "the session token signature is invalid").warning(),
	},
}

// Header shapes the fuzzers pinned at parser level.
var shapeRows = []row{
	{
		name:   "two bearer tokens in one Authorization line are a malformed token",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}, Bearer {token}"}},
		want:   invalid(core.ErrMalformed, "the session token is malformed"),
	},
	{
		name:   "empty session cookie values are skipped, the real one is read",
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", `sid=; sid=""; sid={token}`}},
		want:   session("alice", core.SourceCookie),
	},
}

// junkCookies is n distinct malformed values of the session cookie.
func junkCookies(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "sid=junk%d; ", i)
	}
	return b.String()
}

package adaptertest

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// rows is the conformance table.
func rows() []row {
	return slices.Concat(extractionRows, verificationRows, errorHandlerRows, crossSiteRows, optionalRows,
		olderDomainRows, precedenceRows, tossingRows, tokenFormRows, shapeRows, revocationRows, dpopRows)
}

// Outcomes the rows expect.
var (
	anonymous       = want{status: http.StatusOK}
	noToken         = want{status: 401, kind: core.ErrNoToken, code: "unauthorized", challenge: "Bearer"}
	crossSite       = want{status: 403, kind: core.ErrCrossSite, code: "cross_site_request"}
	keysUnavailable = want{status: 503, kind: core.ErrKeysUnavailable, code: "temporarily_unavailable", retry: "5"}
	twoAuthHeaders  = want{status: 400, kind: core.ErrMalformedRequest, code: "invalid_request",
		challenge: `Bearer error="invalid_request", error_description="more than one Authorization header"`}
)

// session: the handler sees sub's session from src (from CookieName when src
// is the cookie).
func session(sub string, src core.Source) want {
	w := want{status: http.StatusOK, subject: sub, source: src}
	if src == core.SourceCookie {
		w.cookie = CookieName
	}
	return w
}

// sessionFrom: the handler sees sub's session from the cookie named name.
func sessionFrom(sub, name string) want {
	return want{status: http.StatusOK, subject: sub, source: core.SourceCookie, cookie: name}
}

// invalid: 401 invalid_token for kind, with its description in the challenge.
func invalid(kind error, description string) want {
	return want{status: 401, kind: kind, code: "invalid_token",
		challenge: `Bearer error="invalid_token", error_description="` + description + `"`}
}

// handled: the custom error handler answers, having received kind.
func handled(kind error) want { return want{status: ErrorHandlerStatus, kind: kind} }

// clears adds the Set-Cookie line that clears the cookie name on domain
// ("": host-only).
func (w want) clears(name, domain string) want {
	attrs := "Path=/; "
	if domain != "" {
		attrs += "Domain=" + domain + "; "
	}
	line := name + "=; " + attrs + "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
	w.setCookie = append(slices.Clone(w.setCookie), line)
	return w
}

func (w want) warning() want { w.warns = true; return w }

// withID: the session is the one with this ID (jti).
func (w want) withID(id string) want { w.id = id; return w }

// Configurations the rows share.
var (
	// movedFromOlder: the session cookie moved from old.example.test to example.test.
	movedFromOlder = core.Config{CookieDomain: "example.test", OlderCookieDomain: olderDomain}
	// movedFromHostOnly: the session cookie used to be host-only.
	movedFromHostOnly = core.Config{CookieDomain: "example.test", OlderCookieHostOnly: true}
	// refuseMallory: a custom claims check that refuses the subject mallory.
	refuseMallory = core.Config{ValidateClaims: func(s *core.Session) error {
		if s.Subject == "mallory" {
			return http.ErrNotSupported
		}
		return nil
	}}
)

var (
	expiredToken = invalid(core.ErrExpired, "the session token has expired")
	malformed    = invalid(core.ErrMalformed, "the session token is malformed")
	tooLarge     = invalid(core.ErrTokenTooLarge, "the session token is too large")
	badAlgorithm = invalid(core.ErrAlgorithm, "the session token algorithm is not allowed")
	oversized    = raw(strings.Repeat("a", 9000)) // over the default MaxTokenSize of 8192
)

// crossSiteCookie: a cross-site form post from www.example.test carrying the session cookie.
var crossSiteCookie = headers{
	{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://www.example.test"}, {"Cookie", "sid={token}"},
}

// Token extraction
var extractionRows = []row{
	{
		name:   "bearer header with a valid token is accepted",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "bearer scheme is case-insensitive (lower case)",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "bearer scheme is case-insensitive (upper case)",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "BEARER {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "several spaces after the scheme are accepted",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer    {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "a tab after the scheme is accepted",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer\t{token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "two Authorization headers are a malformed request (400)",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}, {"Authorization", "Bearer {token}"}},
		want:   twoAuthHeaders,
	},
	{
		name:   "lower-case header names are read (authorization)",
		tokens: []tok{valid("alice")},
		header: headers{{"authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "lower-case header names are read (cookie)",
		tokens: []tok{valid("alice")},
		header: headers{{"cookie", "sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "two Authorization headers in different case are still two (400)",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}, {"authorization", "Bearer {token}"}},
		want:   twoAuthHeaders,
	},
	{
		name:   "csrf: a lower-case sec-fetch-site header is read",
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: headers{{"sec-fetch-site", "cross-site"}, {"Cookie", "sid={token}"}},
		want:   crossSite,
	},
	{
		name:   "a Basic Authorization header carries no session token",
		header: headers{{"Authorization", "Basic YWxpY2U6c2VjcmV0"}},
		want:   noToken,
	},
	{
		name:   "a Basic Authorization header still lets the cookie through",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Basic YWxpY2U6c2VjcmV0"}, {"Cookie", "sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "Bearer with no token is a malformed token",
		header: headers{{"Authorization", "Bearer"}},
		want:   malformed,
	},
	{
		name:   "a scheme that only starts with Bearer is another scheme",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "BearerX {token}"}},
		want:   noToken,
	},
	{
		name:   "a bearer value that is not a JWT is malformed",
		tokens: []tok{raw("not-a-jwt")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   malformed,
	},
	{
		name:   "a bearer value of three segments that are not base64url JSON is malformed",
		tokens: []tok{raw("a.b.c")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   malformed,
	},
	{
		name:   "a session cookie with a valid token is accepted",
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", "sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "a former cookie name is still read",
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", "sid_legacy={token}"}},
		want:   sessionFrom("alice", LegacyCookieName),
	},
	{
		name:   "current and former cookie name: the valid one wins",
		tokens: []tok{valid("current")},
		header: headers{{"Cookie", "sid_legacy=garbage; sid={token}"}},
		want:   sessionFrom("current", CookieName),
	},
	{
		name:   "a cookie in a second Cookie header line is read",
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", "theme=dark"}, {"Cookie", "lang=en; sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "a quoted cookie value is unquoted",
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", `sid="{token}"`}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "cookies of other names are not read",
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", "other={token}"}},
		want:   noToken,
	},
	{
		name:   "transfer header: a cookie alone is no token",
		config: core.Config{Transfer: core.TransferHeader},
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", "sid={token}"}},
		want:   noToken,
	},
	{
		name:   "transfer header: the bearer header is accepted",
		config: core.Config{Transfer: core.TransferHeader},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "transfer header: an invalid header token does not fall back to the cookie",
		config: core.Config{Transfer: core.TransferHeader},
		tokens: []tok{expired("old"), valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}, {"Cookie", "sid={token2}"}},
		want:   expiredToken,
	},
	{
		name:   "transfer cookie: a bearer header alone is no token",
		config: core.Config{Transfer: core.TransferCookie},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   noToken,
	},
	{
		name:   "transfer cookie: the header is ignored and the cookie is used",
		config: core.Config{Transfer: core.TransferCookie},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer garbage"}, {"Cookie", "sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "transfer any: an expired header token falls back to a valid cookie",
		tokens: []tok{expired("old"), valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}, {"Cookie", "sid={token2}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "transfer any: a valid header token wins over an invalid cookie",
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}, {"Cookie", "sid=garbage"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "transfer any: header and cookie both invalid reports the header's error",
		tokens: []tok{expired("old")},
		header: headers{{"Authorization", "Bearer {token}"}, {"Cookie", "sid=garbage"}},
		want:   expiredToken,
	},
	{
		name:   "query parameter is off by default",
		tokens: []tok{valid("alice")},
		path:   "/api/me?access_token={token}",
		want:   noToken,
	},
	{
		name:   "query parameter is read when configured",
		config: core.Config{QueryParam: "access_token"},
		tokens: []tok{valid("alice")},
		path:   "/api/me?access_token={token}",
		want:   session("alice", core.SourceQuery),
	},
	{
		name:   "custom header is off by default",
		tokens: []tok{valid("alice")},
		header: headers{{"X-Session-Token", "{token}"}},
		want:   noToken,
	},
	{
		name:   "custom header is read when configured",
		config: core.Config{HeaderName: "X-Session-Token"},
		tokens: []tok{valid("alice")},
		header: headers{{"X-Session-Token", "{token}"}},
		want:   session("alice", core.SourceCustomHeader),
	},
	{
		name:   "a header token over the size limit is refused before parsing",
		tokens: []tok{oversized},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   tooLarge,
	},
	{
		name:   "a cookie token over the size limit is refused before parsing",
		tokens: []tok{oversized},
		header: headers{{"Cookie", "sid={token}"}},
		want:   tooLarge,
	},
	{
		name:   "a smaller configured size limit refuses a valid token",
		config: core.Config{MaxTokenSize: 100},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   tooLarge,
	},
	{
		name: "no token at all is 401 with a bare Bearer challenge",
		want: noToken,
	},
}

// Verification errors and keys
var verificationRows = []row{
	{
		name:   "an expired token is 401 invalid_token",
		tokens: []tok{expired("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   expiredToken,
	},
	{
		name:   "a token not valid yet (nbf) is 401",
		tokens: []tok{{sub: "a", notBefore: 10 * time.Minute}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrNotYetValid, "the session token is not valid yet"),
	},
	{
		name:   "a token issued in the future (iat) is 401",
		tokens: []tok{{sub: "a", issued: 10 * time.Minute}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrIssuedInFuture, "the session token was issued in the future"),
	},
	{
		name:   "leeway accepts a token that expired a moment ago",
		config: core.Config{Leeway: time.Minute},
		tokens: []tok{{sub: "alice", issued: -time.Hour, ttl: time.Hour - 20*time.Second}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "a token of another issuer is 401",
		tokens: []tok{{sub: "a", iss: "https://evil.example.test"}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrIssuer, "the session token issuer is not accepted"),
	},
	{
		name:   "a token without the configured audience is 401",
		config: core.Config{Audiences: []string{"api://orders"}},
		tokens: []tok{{sub: "a", aud: []string{"api://billing"}}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrAudience, "the session token audience is not accepted"),
	},
	{
		name:   "a token with any configured audience is accepted",
		config: core.Config{Audiences: []string{"api://orders", "api://billing"}},
		tokens: []tok{{sub: "alice", aud: []string{"api://billing"}}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "a tampered token fails the signature check",
		tokens: []tok{{sub: "alice", mangle: tampered}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrSignature, "the session token signature is invalid"),
	},
	{
		name:   "a token naming an unknown key is 401",
		tokens: []tok{{sub: "a", kid: "no-such-key"}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrUnknownKey, "the session token is signed by an unknown key"),
	},
	{
		name:   "alg none is refused",
		tokens: []tok{{sub: "alice", mangle: algNone}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   badAlgorithm,
	},
	{
		name:   "an algorithm off the allow-list is refused",
		config: core.Config{Algorithms: []string{"RS256"}},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   badAlgorithm,
	},
	{
		name:   "a critical header extension is refused",
		tokens: []tok{{sub: "alice", mangle: critHeader}},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   malformed,
	},
	{
		name:   "a custom claims check can refuse a session",
		config: refuseMallory,
		tokens: []tok{valid("mallory")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrClaims, "the session token claims are invalid"),
	},
	{
		name:   "keys unavailable at start (tolerated) is 503 with Retry-After",
		keys:   keysDownFromStart,
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   keysUnavailable,
	},
	{
		name:   "cached keys keep verifying after the JWKS server goes down",
		keys:   keysDownAfterStart,
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
}

// A custom error handler
var errorHandlerRows = []row{
	{
		name:   "a custom error handler receives the typed error (expired)",
		opts:   Options{CustomErrorHandler: true},
		tokens: []tok{expired("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   handled(core.ErrExpired),
	},
	{
		name: "a custom error handler receives the typed error (no token)",
		opts: Options{CustomErrorHandler: true},
		want: handled(core.ErrNoToken),
	},
	{
		name:   "a custom error handler receives the typed error (cross-site)",
		opts:   Options{CustomErrorHandler: true},
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: crossSiteCookie,
		want:   handled(core.ErrCrossSite),
	},
	{
		name:   "a custom error handler receives the typed error (keys unavailable)",
		opts:   Options{CustomErrorHandler: true},
		keys:   keysDownFromStart,
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   handled(core.ErrKeysUnavailable),
	},
	{
		name:   "a custom error handler gets the older-domain clearing line already on the response",
		opts:   Options{CustomErrorHandler: true},
		config: movedFromOlder,
		tokens: []tok{expired("a"), expired("b")},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   handled(core.ErrExpired).clears("sid", olderDomain),
	},
}

// Cross-site request forgery
var crossSiteRows = []row{
	{
		name:   "csrf: a cookie token on a cross-site POST is 403",
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: crossSiteCookie,
		want:   crossSite,
	},
	{
		name:   "csrf: a cookie token on a cross-site PUT is 403",
		method: http.MethodPut,
		tokens: []tok{valid("alice")},
		header: crossSiteCookie,
		want:   crossSite,
	},
	{
		name:   "csrf: a cookie token on a cross-site PATCH is 403",
		method: http.MethodPatch,
		tokens: []tok{valid("alice")},
		header: crossSiteCookie,
		want:   crossSite,
	},
	{
		name:   "csrf: a cookie token on a cross-site DELETE is 403",
		method: http.MethodDelete,
		tokens: []tok{valid("alice")},
		header: crossSiteCookie,
		want:   crossSite,
	},
	{
		name:   "csrf: an invalid cookie token on a cross-site POST is still 403",
		method: http.MethodPost,
		tokens: []tok{raw("garbage")},
		header: crossSiteCookie,
		want:   crossSite,
	},
	{
		name:   "csrf: a cookie token on a same-origin POST is accepted",
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: headers{{"Sec-Fetch-Site", "same-origin"}, {"Cookie", "sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "csrf: a cookie token on a POST the user started (Sec-Fetch-Site none) is accepted",
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: headers{{"Sec-Fetch-Site", "none"}, {"Cookie", "sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "csrf: a cross-site POST from a configured website origin is accepted",
		config: core.Config{WebsiteOrigins: []string{"https://www.example.test"}},
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: crossSiteCookie,
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "csrf: without Sec-Fetch-Site, an Origin other than Host is 403",
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: headers{{"Origin", "https://evil.example.test"}, {"Cookie", "sid={token}"}},
		want:   crossSite,
	},
	{
		name:   "csrf: without Sec-Fetch-Site or Origin (not a browser) a POST is accepted",
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", "sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "csrf: a bearer token on a cross-site POST is exempt",
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: headers{
			{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example.test"}, {"Authorization", "Bearer {token}"},
		},
		want: session("alice", core.SourceAuthorization),
	},
	{
		name:   "csrf: a cookie token on a cross-site GET is accepted (safe method)",
		tokens: []tok{valid("alice")},
		header: crossSiteCookie,
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "csrf: protection can be turned off",
		config: core.Config{DisableCrossSiteProtection: true},
		method: http.MethodPost,
		tokens: []tok{valid("alice")},
		header: crossSiteCookie,
		want:   session("alice", core.SourceCookie),
	},
}

// Optional mode and skipping
var optionalRows = []row{
	{
		name: "optional: no token runs the handler anonymously",
		opts: Options{Optional: true},
		want: anonymous,
	},
	{
		name:   "optional: an invalid token is still 401",
		opts:   Options{Optional: true},
		tokens: []tok{expired("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   expiredToken,
	},
	{
		name:   "optional: a valid token gives the session",
		opts:   Options{Optional: true},
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name: "skipper: a skipped path runs without a token",
		opts: Options{SkipPath: "/healthz"},
		path: "/healthz",
		want: anonymous,
	},
	{
		name:   "skipper: a skipped path is not verified even with a bad token",
		opts:   Options{SkipPath: "/healthz"},
		path:   "/healthz",
		header: headers{{"Authorization", "Bearer garbage"}},
		want:   anonymous,
	},
	{
		name: "skipper: other paths are still protected",
		opts: Options{SkipPath: "/healthz"},
		want: noToken,
	},
	{
		name:   "cors: a preflight passes through anonymously without a Skipper",
		method: http.MethodOptions,
		header: headers{{"Origin", "https://www.example.test"}, {"Access-Control-Request-Method", "GET"},
			{"Access-Control-Request-Headers", "authorization"}},
		want: anonymous,
	},
	{
		name:   "cors: a preflight is never verified, even carrying a junk Authorization header",
		method: http.MethodOptions,
		header: headers{{"Origin", "https://www.example.test"}, {"Access-Control-Request-Method", "POST"},
			{"Authorization", "Bearer garbage"}},
		want: anonymous,
	},
	{
		name:   "cors: an OPTIONS request that is not a preflight (no Access-Control-Request-Method) needs a session",
		method: http.MethodOptions,
		header: headers{{"Origin", "https://www.example.test"}},
		want:   noToken,
	},
	{
		name:   "cors: with AuthenticatePreflight a preflight needs a session like any request",
		config: core.Config{AuthenticatePreflight: true},
		method: http.MethodOptions,
		header: headers{{"Origin", "https://www.example.test"}, {"Access-Control-Request-Method", "GET"}},
		want:   noToken,
	},
}

// Older-cookie-domain cleanup
var olderDomainRows = []row{
	{
		name:   "duplicate cookies, older domain configured: the valid one wins and the older domain is cleared",
		config: movedFromOlder,
		tokens: []tok{valid("alice"), expired("alice")},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   session("alice", core.SourceCookie).clears("sid", olderDomain),
	},
	{
		name:   "duplicate cookies, older domain configured: the valid one wins when it comes second",
		config: movedFromOlder,
		tokens: []tok{expired("alice"), valid("alice")},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   session("alice", core.SourceCookie).clears("sid", olderDomain),
	},
	{
		name:   "duplicate cookies, both valid: the latest iat wins (newest first)",
		config: movedFromOlder,
		tokens: []tok{issuedAgoAs("alice", "new", time.Minute), issuedAgoAs("alice", "old", 10*time.Minute)},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   session("alice", core.SourceCookie).withID("new").clears("sid", olderDomain),
	},
	{
		name:   "duplicate cookies, both valid: the latest iat wins (newest second)",
		config: movedFromOlder,
		tokens: []tok{issuedAgoAs("alice", "old", 10*time.Minute), issuedAgoAs("alice", "new", time.Minute)},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   session("alice", core.SourceCookie).withID("new").clears("sid", olderDomain),
	},
	{
		name:   "session swap: two valid cookies of different users are refused, the older domain is cleared",
		config: movedFromOlder,
		tokens: []tok{issuedAgo("mallory", time.Minute), issuedAgo("alice", 10*time.Minute)},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want: invalid(core.ErrSessionConflict, "the session cookie carries sessions of different users").
			clears("sid", olderDomain),
	},
	{
		name:   "session swap across the current and a former cookie name is refused too",
		tokens: []tok{valid("mallory"), valid("alice")},
		header: headers{{"Cookie", "sid={token}; sid_legacy={token2}"}},
		want:   invalid(core.ErrSessionConflict, "the session cookie carries sessions of different users"),
	},
	{
		name:   "duplicate cookies, older cookies were host-only: cleared without Domain",
		config: movedFromHostOnly,
		tokens: []tok{valid("alice"), expired("alice")},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   session("alice", core.SourceCookie).clears("sid", ""),
	},
	{
		name: "duplicate cookies, older domain given with a leading dot and upper case: " +
			"cleared on the normalised domain",
		config: core.Config{CookieDomain: "example.test", OlderCookieDomain: ".OLD.Example.test"},
		tokens: []tok{valid("alice"), expired("alice")},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   session("alice", core.SourceCookie).clears("sid", olderDomain),
	},
	{
		name:   "duplicate cookies, none valid: 401 and the older domain is still cleared",
		config: movedFromOlder,
		tokens: []tok{expired("a"), expired("b")},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   expiredToken.clears("sid", olderDomain),
	},
	{
		name:   "duplicate cookies, no older domain configured: same choice, no clearing, one warning",
		tokens: []tok{expired("alice"), valid("alice")},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   session("alice", core.SourceCookie).warning(),
	},
	{
		name:   "duplicate cookies with a valid bearer header: cookies are ignored, nothing is cleared",
		config: movedFromOlder,
		tokens: []tok{valid("header-user"), valid("x"), expired("y")},
		header: headers{{"Authorization", "Bearer {token}"}, {"Cookie", "sid={token2}; sid={token3}"}},
		want:   session("header-user", core.SourceAuthorization),
	},
	{
		name:   "one session cookie with an older domain configured: nothing is cleared",
		config: movedFromOlder,
		tokens: []tok{valid("alice")},
		header: headers{{"Cookie", "sid={token}"}},
		want:   session("alice", core.SourceCookie),
	},
	{
		name:   "current and former names once each are not duplicates: nothing is cleared",
		config: movedFromOlder,
		tokens: []tok{issuedAgoAs("alice", "older", 5*time.Minute), issuedAgoAs("alice", "newer", time.Minute)},
		header: headers{{"Cookie", "sid={token}; sid_legacy={token2}"}},
		want:   sessionFrom("alice", LegacyCookieName).withID("newer"),
	},
	{
		name:   "duplicate cookies under transfer cookie: the valid one wins and the older domain is cleared",
		config: core.Config{CookieDomain: "example.test", OlderCookieDomain: olderDomain, Transfer: core.TransferCookie},
		tokens: []tok{expired("alice"), valid("alice")},
		header: headers{{"Cookie", "sid={token}; sid={token2}"}},
		want:   session("alice", core.SourceCookie).clears("sid", olderDomain),
	},
	{
		name:   "current and former names each duplicated: both are cleared on the older domain",
		config: movedFromOlder,
		tokens: []tok{valid("alice"), expired("alice"), expired("bob"), expired("bob")},
		header: headers{{"Cookie", "sid={token}; sid={token2}; sid_legacy={token3}; sid_legacy={token4}"}},
		want:   session("alice", core.SourceCookie).clears("sid", olderDomain).clears("sid_legacy", olderDomain),
	},
	{
		name:   "duplicate cookies in separate Cookie header lines are both read",
		config: movedFromOlder,
		tokens: []tok{expired("alice"), valid("alice")},
		header: headers{{"Cookie", "sid={token}"}, {"Cookie", "sid={token2}"}},
		want:   session("alice", core.SourceCookie).clears("sid", olderDomain),
	},
	{
		name:   "duplicate cookies with an expired bearer header: falls back, picks the valid cookie, clears",
		config: movedFromOlder,
		tokens: []tok{expired("h"), expired("alice"), valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}, {"Cookie", "sid={token2}; sid={token3}"}},
		want:   session("alice", core.SourceCookie).clears("sid", olderDomain),
	},
	{
		name:   "duplicate cookies on a cross-site POST are refused before anything is cleared",
		config: movedFromOlder,
		method: http.MethodPost,
		tokens: []tok{valid("alice"), expired("alice")},
		header: headers{{"Sec-Fetch-Site", "cross-site"}, {"Cookie", "sid={token}; sid={token2}"}},
		want:   crossSite,
	},
}

package adaptertest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// cases is the conformance table: one row per rule of token extraction (1),
// older-cookie-domain cleanup (3) and errors, responses and context (5).
func cases() []testCase {
	post := http.MethodPost
	return []testCase{
		// 1. Token extraction
		{name: "bearer header with a valid token is accepted", req: single("", validAs("alice"), inBearer),
			want: ok("alice", core.SourceAuthorization)},
		{name: "bearer scheme is case-insensitive (lower case)", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{authz("bearer " + tok)} }),
			want: ok("alice", core.SourceAuthorization)},
		{name: "bearer scheme is case-insensitive (upper case)", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{authz("BEARER " + tok)} }),
			want: ok("alice", core.SourceAuthorization)},
		{name: "several spaces after the scheme are accepted", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{authz("Bearer    " + tok)} }),
			want: ok("alice", core.SourceAuthorization)},
		{name: "a tab after the scheme is accepted", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{authz("Bearer\t" + tok)} }),
			want: ok("alice", core.SourceAuthorization)},
		{name: "two Authorization headers are a malformed request (400)", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{bearerOf(tok), bearerOf(tok)} }),
			want: want{status: 400, wwwAuth: `Bearer error="invalid_request", error_description="more than one Authorization header"`, errorCode: "invalid_request"}},
		{name: "lower-case header names are read (authorization)", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{{"authorization", "Bearer " + tok}} }),
			want: ok("alice", core.SourceAuthorization)},
		{name: "lower-case header names are read (cookie)", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{{"cookie", CookieName + "=" + tok}} }),
			want: ok("alice", core.SourceCookie)},
		{name: "two Authorization headers in different case are still two (400)", req: single("", validAs("alice"), func(tok string) [][2]string {
			return [][2]string{bearerOf(tok), {"authorization", "Bearer " + tok}}
		}), want: want{status: 400, wwwAuth: `Bearer error="invalid_request", error_description="more than one Authorization header"`, errorCode: "invalid_request"}},
		{name: "csrf: a lower-case sec-fetch-site header is read", req: single(http.MethodPost, validAs("alice"), func(tok string) [][2]string {
			return [][2]string{{"sec-fetch-site", "cross-site"}, cookie(CookieName + "=" + tok)}
		}), want: crossSite},
		{name: "a Basic Authorization header carries no session token", req: single("", validAs("alice"), func(string) [][2]string { return [][2]string{authz("Basic YWxpY2U6c2VjcmV0")} }),
			want: noToken},
		{name: "a Basic Authorization header still lets the cookie through", req: single("", validAs("alice"), func(tok string) [][2]string {
			return [][2]string{authz("Basic YWxpY2U6c2VjcmV0"), cookie(CookieName + "=" + tok)}
		}), want: ok("alice", core.SourceCookie)},
		{name: "Bearer with no token is a malformed token", req: single("", validAs("alice"), func(string) [][2]string { return [][2]string{authz("Bearer")} }),
			want: invalid("the session token is malformed")},
		{name: "a scheme that only starts with Bearer is another scheme", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{authz("BearerX " + tok)} }),
			want: noToken},
		{name: "a bearer value that is not a JWT is malformed", req: single("", func(*Fixture, *testing.T) string { return "not-a-jwt" }, inBearer),
			want: invalid("the session token is malformed")},
		{name: "a session cookie with a valid token is accepted", req: single("", validAs("alice"), inCookie),
			want: ok("alice", core.SourceCookie)},
		{name: "a former cookie name is still read", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{cookie(LegacyCookieName + "=" + tok)} }),
			want: okCookie("alice", LegacyCookieName)},
		{name: "current and former cookie name: the valid one wins", req: func(f *Fixture, t *testing.T) (req, []string) {
			cur := valid(f, t, "current")
			return req{headers: [][2]string{cookie(LegacyCookieName + "=garbage; " + CookieName + "=" + cur)}}, []string{cur}
		}, want: okCookie("current", CookieName)},
		{name: "a cookie in a second Cookie header line is read", req: single("", validAs("alice"), func(tok string) [][2]string {
			return [][2]string{cookie("theme=dark"), cookie("lang=en; " + CookieName + "=" + tok)}
		}), want: ok("alice", core.SourceCookie)},
		{name: "a quoted cookie value is unquoted", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{cookie(CookieName + `="` + tok + `"`)} }),
			want: ok("alice", core.SourceCookie)},
		{name: "cookies of other names are not read", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{cookie("other=" + tok)} }),
			want: noToken},
		{name: "transfer header: a cookie alone is no token", cfg: transfer(core.TransferHeader), req: single("", validAs("alice"), inCookie),
			want: noToken},
		{name: "transfer header: the bearer header is accepted", cfg: transfer(core.TransferHeader), req: single("", validAs("alice"), inBearer),
			want: ok("alice", core.SourceAuthorization)},
		{name: "transfer header: an invalid header token does not fall back to the cookie", cfg: transfer(core.TransferHeader), req: func(f *Fixture, t *testing.T) (req, []string) {
			bad, good := expired(f, t, "old"), valid(f, t, "alice")
			return req{headers: [][2]string{bearerOf(bad), cookie(CookieName + "=" + good)}}, []string{bad, good}
		}, want: invalid("the session token has expired")},
		{name: "transfer cookie: a bearer header alone is no token", cfg: transfer(core.TransferCookie), req: single("", validAs("alice"), inBearer),
			want: noToken},
		{name: "transfer cookie: the header is ignored and the cookie is used", cfg: transfer(core.TransferCookie), req: func(f *Fixture, t *testing.T) (req, []string) {
			good := valid(f, t, "alice")
			return req{headers: [][2]string{authz("Bearer garbage"), cookie(CookieName + "=" + good)}}, []string{good}
		}, want: ok("alice", core.SourceCookie)},
		{name: "transfer any: an expired header token falls back to a valid cookie", req: func(f *Fixture, t *testing.T) (req, []string) {
			bad, good := expired(f, t, "old"), valid(f, t, "alice")
			return req{headers: [][2]string{bearerOf(bad), cookie(CookieName + "=" + good)}}, []string{bad, good}
		}, want: ok("alice", core.SourceCookie)},
		{name: "transfer any: a valid header token wins over an invalid cookie", req: func(f *Fixture, t *testing.T) (req, []string) {
			good := valid(f, t, "alice")
			return req{headers: [][2]string{bearerOf(good), cookie(CookieName + "=garbage")}}, []string{good}
		}, want: ok("alice", core.SourceAuthorization)},
		{name: "transfer any: header and cookie both invalid reports the header's error", req: func(f *Fixture, t *testing.T) (req, []string) {
			bad := expired(f, t, "old")
			return req{headers: [][2]string{bearerOf(bad), cookie(CookieName + "=garbage")}}, []string{bad}
		}, want: invalid("the session token has expired")},
		{name: "query parameter is off by default", req: func(f *Fixture, t *testing.T) (req, []string) {
			tok := valid(f, t, "alice")
			return req{path: "/api/me?access_token=" + tok}, []string{tok}
		}, want: noToken},
		{name: "query parameter is read when configured", cfg: func(_ *Fixture, c *core.Config) { c.QueryParam = "access_token" }, req: func(f *Fixture, t *testing.T) (req, []string) {
			tok := valid(f, t, "alice")
			return req{path: "/api/me?access_token=" + tok}, []string{tok}
		}, want: ok("alice", core.SourceQuery)},
		{name: "custom header is off by default", req: single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{hdr("X-Session-Token", tok)} }),
			want: noToken},
		{name: "custom header is read when configured", cfg: func(_ *Fixture, c *core.Config) { c.HeaderName = "X-Session-Token" },
			req:  single("", validAs("alice"), func(tok string) [][2]string { return [][2]string{hdr("X-Session-Token", tok)} }),
			want: ok("alice", core.SourceCustomHeader)},
		{name: "a header token over the size limit is refused before parsing", req: single("", func(*Fixture, *testing.T) string { return strings.Repeat("a", 9000) }, inBearer),
			want: invalid("the session token is too large")},
		{name: "a cookie token over the size limit is refused before parsing", req: single("", func(*Fixture, *testing.T) string { return strings.Repeat("a", 9000) }, inCookie),
			want: invalid("the session token is too large")},
		{name: "a smaller configured size limit refuses a valid token", cfg: func(_ *Fixture, c *core.Config) { c.MaxTokenSize = 100 }, req: single("", validAs("alice"), inBearer),
			want: invalid("the session token is too large")},
		{name: "no token at all is 401 with a bare Bearer challenge", req: single("", validAs("x"), func(string) [][2]string { return nil }),
			want: noToken},

		// 5. Errors, responses, context
		{name: "an expired token is 401 invalid_token", req: single("", expiredAs("alice"), inBearer), want: invalid("the session token has expired")},
		{name: "a token not valid yet (nbf) is 401", req: single("", func(f *Fixture, t *testing.T) string {
			return f.Token(t, devissuer.Claims{Subject: "a", NotBefore: time.Now().Add(10 * time.Minute)})
		}, inBearer), want: invalid("the session token is not valid yet")},
		{name: "a token issued in the future (iat) is 401", req: single("", func(f *Fixture, t *testing.T) string {
			return f.Token(t, devissuer.Claims{Subject: "a", IssuedAt: time.Now().Add(10 * time.Minute)})
		}, inBearer), want: invalid("the session token was issued in the future")},
		{name: "leeway accepts a token that expired a moment ago", cfg: func(_ *Fixture, c *core.Config) { c.Leeway = time.Minute }, req: single("", func(f *Fixture, t *testing.T) string {
			return f.Token(t, devissuer.Claims{Subject: "alice", IssuedAt: time.Now().Add(-time.Hour), TTL: time.Hour - 20*time.Second})
		}, inBearer), want: ok("alice", core.SourceAuthorization)},
		{name: "a token of another issuer is 401", req: single("", func(f *Fixture, t *testing.T) string {
			return f.Token(t, devissuer.Claims{Subject: "a", Issuer: "https://evil.example.test"})
		}, inBearer), want: invalid("the session token issuer is not accepted")},
		{name: "a token without the configured audience is 401", cfg: audience("api://orders"), req: single("", func(f *Fixture, t *testing.T) string {
			return f.Token(t, devissuer.Claims{Subject: "a", Audience: []string{"api://billing"}})
		}, inBearer), want: invalid("the session token audience is not accepted")},
		{name: "a token with any configured audience is accepted", cfg: audience("api://orders", "api://billing"), req: single("", func(f *Fixture, t *testing.T) string {
			return f.Token(t, devissuer.Claims{Subject: "alice", Audience: []string{"api://billing"}})
		}, inBearer), want: ok("alice", core.SourceAuthorization)},
		{name: "a tampered token fails the signature check", req: single("", func(f *Fixture, t *testing.T) string { return tamper(valid(f, t, "alice")) }, inBearer),
			want: invalid("the session token signature is invalid")},
		{name: "a token naming an unknown key is 401", req: single("", func(f *Fixture, t *testing.T) string {
			return f.Token(t, devissuer.Claims{Subject: "a", KeyID: "no-such-key"})
		}, inBearer), want: invalid("the session token is signed by an unknown key")},
		{name: "alg none is refused", req: single("", func(f *Fixture, t *testing.T) string { return noneAlg(valid(f, t, "alice")) }, inBearer),
			want: invalid("the session token algorithm is not allowed")},
		{name: "an algorithm off the allow-list is refused", cfg: func(_ *Fixture, c *core.Config) { c.Algorithms = []string{"RS256"} }, req: single("", validAs("alice"), inBearer),
			want: invalid("the session token algorithm is not allowed")},
		{name: "a critical header extension is refused", req: single("", func(f *Fixture, t *testing.T) string {
			return withHeader(valid(f, t, "alice"), `"crit":["exp-ext"],"exp-ext":1`)
		}, inBearer), want: invalid("the session token is malformed")},
		{name: "a custom claims check can refuse a session", cfg: func(_ *Fixture, c *core.Config) {
			c.ValidateClaims = func(s *core.Session) error {
				if s.Subject == "mallory" {
					return http.ErrNotSupported
				}
				return nil
			}
		}, req: single("", validAs("mallory"), inBearer), want: invalid("the session token claims are invalid")},
		{name: "keys unavailable at start (tolerated) is 503 with Retry-After", cfg: func(f *Fixture, c *core.Config) {
			c.Issuers[0].JWKSURL = f.down.URL + "/jwks"
			c.JWKS.AllowStartWithoutKeys = true
		}, req: single("", validAs("alice"), inBearer), want: want{status: 503, errorCode: "temporarily_unavailable", retryAfter: true, noWarnCheck: true}},
		{name: "cached keys keep verifying after the JWKS server goes down", cfg: func(f *Fixture, c *core.Config) { c.Issuers[0].JWKSURL = f.flaky.URL + "/jwks" },
			after: func(f *Fixture) { f.FlakyDown.Store(true) },
			req:   single("", validAs("alice"), inBearer), want: ok("alice", core.SourceAuthorization)},
		{name: "a custom error handler receives the typed error (expired)", opts: Options{CustomErrorHandler: true}, req: single("", expiredAs("alice"), inBearer),
			want: want{status: ErrorHandlerStatus, errorKind: "ErrExpired"}},
		{name: "a custom error handler receives the typed error (no token)", opts: Options{CustomErrorHandler: true}, req: single("", validAs("x"), func(string) [][2]string { return nil }),
			want: want{status: ErrorHandlerStatus, errorKind: "ErrNoToken"}},
		{name: "a custom error handler receives the typed error (cross-site)", opts: Options{CustomErrorHandler: true}, req: single(post, validAs("alice"), crossSiteCookie),
			want: want{status: ErrorHandlerStatus, errorKind: "ErrCrossSite"}},

		// 5. Cross-site request forgery
		{name: "csrf: a cookie token on a cross-site POST is 403", req: single(post, validAs("alice"), crossSiteCookie), want: crossSite},
		{name: "csrf: a cookie token on a cross-site PUT is 403", req: single(http.MethodPut, validAs("alice"), crossSiteCookie), want: crossSite},
		{name: "csrf: a cookie token on a cross-site PATCH is 403", req: single(http.MethodPatch, validAs("alice"), crossSiteCookie), want: crossSite},
		{name: "csrf: a cookie token on a cross-site DELETE is 403", req: single(http.MethodDelete, validAs("alice"), crossSiteCookie), want: crossSite},
		{name: "csrf: an invalid cookie token on a cross-site POST is still 403", req: single(post, func(*Fixture, *testing.T) string { return "garbage" }, crossSiteCookie), want: crossSite},
		{name: "csrf: a cookie token on a same-origin POST is accepted", req: single(post, validAs("alice"), func(tok string) [][2]string {
			return [][2]string{hdr("Sec-Fetch-Site", "same-origin"), cookie(CookieName + "=" + tok)}
		}), want: ok("alice", core.SourceCookie)},
		{name: "csrf: a cookie token on a POST the user started (Sec-Fetch-Site none) is accepted", req: single(post, validAs("alice"), func(tok string) [][2]string {
			return [][2]string{hdr("Sec-Fetch-Site", "none"), cookie(CookieName + "=" + tok)}
		}), want: ok("alice", core.SourceCookie)},
		{name: "csrf: a cross-site POST from a configured website origin is accepted", cfg: func(_ *Fixture, c *core.Config) { c.WebsiteOrigins = []string{"https://www.example.test"} },
			req:  single(post, validAs("alice"), crossSiteCookie),
			want: ok("alice", core.SourceCookie)},
		{name: "csrf: without Sec-Fetch-Site, an Origin other than Host is 403", req: single(post, validAs("alice"), func(tok string) [][2]string {
			return [][2]string{hdr("Origin", "https://evil.example.test"), cookie(CookieName + "=" + tok)}
		}), want: crossSite},
		{name: "csrf: without Sec-Fetch-Site or Origin (not a browser) a POST is accepted", req: single(post, validAs("alice"), inCookie),
			want: ok("alice", core.SourceCookie)},
		{name: "csrf: a bearer token on a cross-site POST is exempt", req: single(post, validAs("alice"), func(tok string) [][2]string {
			return [][2]string{hdr("Sec-Fetch-Site", "cross-site"), hdr("Origin", "https://evil.example.test"), bearerOf(tok)}
		}), want: ok("alice", core.SourceAuthorization)},
		{name: "csrf: a cookie token on a cross-site GET is accepted (safe method)", req: single(http.MethodGet, validAs("alice"), crossSiteCookie),
			want: ok("alice", core.SourceCookie)},
		{name: "csrf: protection can be turned off", cfg: func(_ *Fixture, c *core.Config) { c.DisableCrossSiteProtection = true },
			req: single(post, validAs("alice"), crossSiteCookie), want: ok("alice", core.SourceCookie)},

		// 5. Optional mode and skipping
		{name: "optional: no token runs the handler anonymously", opts: Options{Optional: true}, req: single("", validAs("x"), func(string) [][2]string { return nil }),
			want: want{status: 200}},
		{name: "optional: an invalid token is still 401", opts: Options{Optional: true}, req: single("", expiredAs("alice"), inBearer),
			want: invalid("the session token has expired")},
		{name: "optional: a valid token gives the session", opts: Options{Optional: true}, req: single("", validAs("alice"), inBearer),
			want: ok("alice", core.SourceAuthorization)},
		{name: "skipper: a skipped path runs without a token", opts: Options{SkipPath: "/healthz"}, req: func(*Fixture, *testing.T) (req, []string) {
			return req{path: "/healthz"}, nil
		}, want: want{status: 200}},
		{name: "skipper: a skipped path is not verified even with a bad token", opts: Options{SkipPath: "/healthz"}, req: func(*Fixture, *testing.T) (req, []string) {
			return req{path: "/healthz", headers: [][2]string{authz("Bearer garbage")}}, nil
		}, want: want{status: 200}},
		{name: "skipper: other paths are still protected", opts: Options{SkipPath: "/healthz"}, req: single("", validAs("x"), func(string) [][2]string { return nil }),
			want: noToken},
		{name: "skipper: a skipped CORS preflight (OPTIONS) passes without a token", opts: Options{SkipPath: "/preflight"}, req: func(*Fixture, *testing.T) (req, []string) {
			return req{method: http.MethodOptions, path: "/preflight", headers: [][2]string{hdr("Origin", "https://www.example.test"), hdr("Access-Control-Request-Method", "POST")}}, nil
		}, want: want{status: 200}},

		// 3. Older-cookie-domain cleanup
		{name: "duplicate cookies, older domain configured: the valid one wins and the older domain is cleared", cfg: withOlder(olderDomain),
			req:  dupCookies(func(f *Fixture, t *testing.T) (string, string) { return valid(f, t, "alice"), expired(f, t, "alice") }),
			want: withCookies(ok("alice", core.SourceCookie), clearOn(olderDomain))},
		{name: "duplicate cookies, older domain configured: the valid one wins when it comes second", cfg: withOlder(olderDomain),
			req:  dupCookies(func(f *Fixture, t *testing.T) (string, string) { return expired(f, t, "alice"), valid(f, t, "alice") }),
			want: withCookies(ok("alice", core.SourceCookie), clearOn(olderDomain))},
		{name: "duplicate cookies, both valid: the latest iat wins (newest first)", cfg: withOlder(olderDomain),
			req: dupCookies(func(f *Fixture, t *testing.T) (string, string) {
				return issuedAgo(f, t, "new", time.Minute), issuedAgo(f, t, "old", 10*time.Minute)
			}),
			want: withCookies(ok("new", core.SourceCookie), clearOn(olderDomain))},
		{name: "duplicate cookies, both valid: the latest iat wins (newest second)", cfg: withOlder(olderDomain),
			req: dupCookies(func(f *Fixture, t *testing.T) (string, string) {
				return issuedAgo(f, t, "old", 10*time.Minute), issuedAgo(f, t, "new", time.Minute)
			}),
			want: withCookies(ok("new", core.SourceCookie), clearOn(olderDomain))},
		{name: "duplicate cookies, older cookies were host-only: cleared without Domain", cfg: withOlder(""),
			req:  dupCookies(func(f *Fixture, t *testing.T) (string, string) { return valid(f, t, "alice"), expired(f, t, "alice") }),
			want: withCookies(ok("alice", core.SourceCookie), clearOn(""))},
		{name: "duplicate cookies, older domain given with a leading dot and upper case: cleared on the normalised domain", cfg: withOlder(".OLD.Example.test"),
			req:  dupCookies(func(f *Fixture, t *testing.T) (string, string) { return valid(f, t, "alice"), expired(f, t, "alice") }),
			want: withCookies(ok("alice", core.SourceCookie), clearOn(olderDomain))},
		{name: "duplicate cookies, none valid: 401 and the older domain is still cleared", cfg: withOlder(olderDomain),
			req:  dupCookies(func(f *Fixture, t *testing.T) (string, string) { return expired(f, t, "a"), expired(f, t, "b") }),
			want: withCookies(invalid("the session token has expired"), clearOn(olderDomain))},
		{name: "duplicate cookies, no older domain configured: same choice, no clearing, one warning", req: dupCookies(func(f *Fixture, t *testing.T) (string, string) {
			return expired(f, t, "alice"), valid(f, t, "alice")
		}), want: want{status: 200, subject: "alice", source: core.SourceCookie, cookieName: CookieName, warnLogged: true}},
		{name: "duplicate cookies with a valid bearer header: cookies are ignored, nothing is cleared", cfg: withOlder(olderDomain), req: func(f *Fixture, t *testing.T) (req, []string) {
			h, a, b := valid(f, t, "header-user"), valid(f, t, "x"), expired(f, t, "y")
			return req{headers: [][2]string{bearerOf(h), cookie(CookieName + "=" + a + "; " + CookieName + "=" + b)}}, []string{h, a, b}
		}, want: ok("header-user", core.SourceAuthorization)},
		{name: "one session cookie with an older domain configured: nothing is cleared", cfg: withOlder(olderDomain), req: single("", validAs("alice"), inCookie),
			want: ok("alice", core.SourceCookie)},
		{name: "current and former names once each are not duplicates: nothing is cleared", cfg: withOlder(olderDomain), req: func(f *Fixture, t *testing.T) (req, []string) {
			a, b := issuedAgo(f, t, "older", 5*time.Minute), issuedAgo(f, t, "newer", time.Minute)
			return req{headers: [][2]string{cookie(CookieName + "=" + a + "; " + LegacyCookieName + "=" + b)}}, []string{a, b}
		}, want: okCookie("newer", LegacyCookieName)},
		{name: "duplicate cookies under transfer cookie: the valid one wins and the older domain is cleared", cfg: func(f *Fixture, c *core.Config) {
			withOlder(olderDomain)(f, c)
			c.Transfer = core.TransferCookie
		}, req: dupCookies(func(f *Fixture, t *testing.T) (string, string) { return expired(f, t, "alice"), valid(f, t, "alice") }),
			want: withCookies(ok("alice", core.SourceCookie), clearOn(olderDomain))},
		{name: "duplicate cookies in separate Cookie header lines are both read", cfg: withOlder(olderDomain), req: func(f *Fixture, t *testing.T) (req, []string) {
			a, b := expired(f, t, "alice"), valid(f, t, "alice")
			return req{headers: [][2]string{cookie(CookieName + "=" + a), cookie(CookieName + "=" + b)}}, []string{a, b}
		}, want: withCookies(ok("alice", core.SourceCookie), clearOn(olderDomain))},
		{name: "duplicate cookies with an expired bearer header: falls back, picks the valid cookie, clears", cfg: withOlder(olderDomain), req: func(f *Fixture, t *testing.T) (req, []string) {
			h, a, b := expired(f, t, "h"), expired(f, t, "alice"), valid(f, t, "alice")
			return req{headers: [][2]string{bearerOf(h), cookie(CookieName + "=" + a + "; " + CookieName + "=" + b)}}, []string{h, a, b}
		}, want: withCookies(ok("alice", core.SourceCookie), clearOn(olderDomain))},
		{name: "duplicate cookies on a cross-site POST are refused before anything is cleared", cfg: withOlder(olderDomain), req: func(f *Fixture, t *testing.T) (req, []string) {
			a, b := valid(f, t, "alice"), expired(f, t, "alice")
			return req{method: post, headers: [][2]string{hdr("Sec-Fetch-Site", "cross-site"), cookie(CookieName + "=" + a + "; " + CookieName + "=" + b)}}, []string{a, b}
		}, want: crossSite},
	}
}

var crossSite = want{status: 403, errorCode: "cross_site_request"}

func crossSiteCookie(tok string) [][2]string {
	return [][2]string{hdr("Sec-Fetch-Site", "cross-site"), hdr("Origin", "https://www.example.test"), cookie(CookieName + "=" + tok)}
}

func transfer(m core.Transfer) func(*Fixture, *core.Config) {
	return func(_ *Fixture, c *core.Config) { c.Transfer = m }
}

func audience(aud ...string) func(*Fixture, *core.Config) {
	return func(_ *Fixture, c *core.Config) { c.Audiences = aud }
}

func issuedAgo(f *Fixture, t *testing.T, sub string, ago time.Duration) string {
	return f.Token(t, devissuer.Claims{Subject: sub, IssuedAt: time.Now().Add(-ago), TTL: time.Hour})
}

func dupCookies(mk func(f *Fixture, t *testing.T) (string, string)) func(*Fixture, *testing.T) (req, []string) {
	return func(f *Fixture, t *testing.T) (req, []string) {
		a, b := mk(f, t)
		return req{headers: [][2]string{cookie(CookieName + "=" + a + "; " + CookieName + "=" + b)}}, []string{a, b}
	}
}

func withCookies(w want, lines ...string) want {
	w.setCookies = lines
	return w
}

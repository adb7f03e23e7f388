package endpointtest

import (
	"net/http"
	"strings"

	"github.com/sessiongate/sessiongate/sessions"
)

var (
	accessName  = sessions.DefaultCookies().Access
	refreshName = sessions.DefaultCookies().Refresh
)

// Shorthands of the rows.
var (
	both         = []string{accessName, refreshName}
	clearAll     = []string{accessName, refreshName, "older:" + accessName, "older:" + refreshName}
	jsonType     = [2]string{"Content-Type", "application/json; charset=utf-8"}
	retryLater   = [2]string{"Retry-After", "5"}
	noReferrer   = [2]string{"Referrer-Policy", "no-referrer"}
	newSession   = want{Status: http.StatusOK, Set: both, Clear: []string{"older:" + accessName, "older:" + refreshName}}
	refreshed    = want{Status: http.StatusOK, Set: both}
	sessionEnded = want{Status: http.StatusUnauthorized, Error: "session_ended", Clear: clearAll}
)

// login signs in through POST /exchange with provider token p and saves the
// session as name.
func login(name, p string) step {
	return step{Method: "POST", Path: "/exchange", Send: []string{"provider-bearer=" + p}, Save: name, Want: newSession}
}

// refreshBy refreshes with the refresh cookie of saved (comma-separated for
// several cookies).
func refreshBy(saved string, w want, save string) step {
	return step{Method: "POST", Path: "/refresh", Send: []string{"refresh-cookie=" + saved}, Save: save, Want: w}
}

// redirect is GET /exchange with provider token p and redirect target
// target (query-escaped here), expecting 303 to location.
func redirect(p, target, location string) step {
	return step{Method: "GET", Path: "/exchange?token={p:" + p + "}&redirect=" + escape(target), Want: want{
		Status: http.StatusSeeOther, Set: both, Clear: []string{"older:" + accessName, "older:" + refreshName},
		Header: [][2]string{{"Location", location}, {"Cache-Control", "no-store"}, noReferrer},
	}}
}

func escape(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B", " ", "%20", "\r", "%0D", "\n", "%0A", "\\", "%5C")
	return r.Replace(s)
}

// rows are the suite, each named by the behaviour it pins.
func rows() []row {
	return append(append(refreshRows(), exchangeRows()...), accountRows()...)
}

func refreshRows() []row {
	return []row{
		{"refresh by cookie: new access and refresh cookies, expires_in in JSON", []step{
			login("s1", "alice"),
			refreshBy("s1", want{Status: 200, Set: both, Successor: "s1", Header: [][2]string{jsonType}}, "s2"),
			refreshBy("s2", refreshed, "s3"),
		}},
		{"refresh by Authorization header: tokens in JSON, no cookie read or written", []step{
			login("s1", "alice"),
			{Method: "POST", Path: "/refresh", Send: []string{"refresh-bearer=s1"}, Save: "s2", Want: want{Status: 200, Header: [][2]string{jsonType, {"Cache-Control", "no-store"}}}},
			{Method: "POST", Path: "/refresh", Send: []string{"refresh-bearer=s2", "site=cross-site"}, Save: "s3", Want: want{Status: 200}},
		}},
		{"rotation: the successor differs, the old token within grace repeats the same successor", []step{
			login("s1", "alice"),
			refreshBy("s1", want{Status: 200, Set: both, Successor: "s1"}, "s2"),
			{Advance: Grace / 2, Method: "POST", Path: "/refresh", Send: []string{"refresh-cookie=s1"}, Save: "s2again", Want: want{Status: 200, Set: both, Same: "s2"}},
			refreshBy("s2", refreshed, "s3"),
		}},
		{"reuse after grace: 401, both cookies cleared on both domains, no retry, session revoked", []step{
			login("s1", "alice"),
			refreshBy("s1", refreshed, "s2"),
			{Advance: Grace + 1e9, Method: "POST", Path: "/refresh", Send: []string{"refresh-cookie=s1"}, Want: want{
				Status: 401, Error: "session_ended", Clear: clearAll, Header: [][2]string{jsonType, {"Cache-Control", "no-store"}},
			}},
			refreshBy("s2", sessionEnded, ""),
		}},
		{"ended session (logged out): refresh is 401 and clears the cookies", []step{
			login("s1", "alice"),
			{Method: "POST", Path: "/logout", Send: []string{"access-bearer=s1"}, Want: want{Status: 200, Clear: clearAll}},
			refreshBy("s1", sessionEnded, ""),
		}},
		{"garbage or missing refresh token: 401 and cookies cleared", []step{
			{Method: "POST", Path: "/refresh", Want: want{Status: 401, Error: "session_ended", Clear: clearAll}},
			{Method: "POST", Path: "/refresh", Send: []string{"bearer-raw=sgr1.garbage"}, Want: want{Status: 401, Error: "session_ended"}},
		}},
		{"store outage: 503 with Retry-After, cookies kept, the token still works after", []step{
			login("s1", "alice"),
			{StoreDown: true, Method: "POST", Path: "/refresh", Send: []string{"refresh-cookie=s1"}, Want: want{
				Status: 503, Error: "temporarily_unavailable", Header: [][2]string{retryLater, {"Cache-Control", "no-store"}},
			}},
			{StoreDown: true, Method: "POST", Path: "/refresh", Send: []string{"refresh-bearer=s1"}, Want: want{Status: 503, Error: "temporarily_unavailable"}},
			refreshBy("s1", refreshed, "s2"),
		}},
		{"cross-site cookie refresh: 403, nothing rotated or cleared", []step{
			login("s1", "alice"),
			{Method: "POST", Path: "/refresh", Send: []string{"refresh-cookie=s1", "site=cross-site"}, Want: want{Status: 403, Error: "cross_site_request"}},
			refreshBy("s1", refreshed, "s2"),
		}},
		{"GET and DELETE on refresh: 405 with Allow: POST", []step{
			{Method: "GET", Path: "/refresh", Want: want{Status: 405, Error: "method_not_allowed", Header: [][2]string{{"Allow", "POST"}}}},
			{Method: "DELETE", Path: "/refresh", Want: want{Status: 405, Error: "method_not_allowed", Header: [][2]string{{"Allow", "POST"}}}},
		}},
		{"unknown paths under the base: 404", []step{
			{Method: "GET", Path: "/nope", Want: want{Status: 404, Error: "not_found"}},
			{Method: "POST", Path: "/refresh/", Want: want{Status: 404, Error: "not_found"}},
			{Method: "DELETE", Path: "/sessions/a/b", Want: want{Status: 404, Error: "not_found"}},
		}},
		{"refresh cookies of two sessions, one ended: the live one is refreshed, the older copies cleared", []step{
			login("old", "alice"),
			{Method: "POST", Path: "/logout", Send: []string{"access-bearer=old"}, Want: want{Status: 200, Clear: clearAll}},
			login("s1", "alice#2"),
			{Method: "POST", Path: "/refresh", Send: []string{"refresh-cookie=old,s1"}, Save: "s2", Want: want{
				Status: 200, Set: both, Clear: []string{"older:" + accessName, "older:" + refreshName}, Successor: "s1",
			}},
		}},
		{"older-domain duplicate refresh cookies: newest generation presented, older copy cleared, no reuse", []step{
			login("s1", "alice"),
			refreshBy("s1", refreshed, "s2"),
			// The browser still holds s1 on the older (host-only) domain,
			// long after the grace window: presenting it would be reuse.
			{Advance: Grace + 1e9, Method: "POST", Path: "/refresh", Send: []string{"refresh-cookie=s1,s2"}, Save: "s3", Want: want{
				Status: 200, Set: both, Clear: []string{"older:" + accessName, "older:" + refreshName},
			}},
			refreshBy("s3", refreshed, "s4"),
		}},
	}
}

func exchangeRows() []row {
	return []row{
		{"exchange: a provider token starts a session, cookies set, older copies cleared", []step{
			login("s1", "alice"),
			refreshBy("s1", refreshed, "s2"),
		}},
		{"exchange with ?transport=header: tokens in JSON, no cookies", []step{
			{Method: "POST", Path: "/exchange?transport=header", Send: []string{"provider-bearer=alice"}, Save: "s1", Want: want{Status: 200}},
			{Method: "POST", Path: "/refresh", Send: []string{"refresh-bearer=s1"}, Save: "s2", Want: want{Status: 200}},
		}},
		{"exchange with a JSON or form body", []step{
			{Method: "POST", Path: "/exchange", Send: []string{"json"}, Body: `{"token":"{p:alice}"}`, Save: "s1", Want: newSession},
			{Method: "POST", Path: "/exchange", Send: []string{"form"}, Body: "token={p:alice#2}", Save: "s2", Want: want{Status: 200, Set: both, Clear: newSession.Clear, Differ: "s1"}},
		}},
		{"exchange body faults: no token 400, unknown type 400, too large 413", []step{
			{Method: "POST", Path: "/exchange", Send: []string{"json"}, Body: `{"token":""}`, Want: want{Status: 400, Error: "invalid_request"}},
			{Method: "POST", Path: "/exchange", Body: "token=x", Want: want{Status: 400, Error: "invalid_request"}},
			{Method: "POST", Path: "/exchange", Send: []string{"form"}, Body: "token=" + strings.Repeat("x", sessions.DefaultMaxBodyBytes), Want: want{Status: 413, Error: "invalid_request"}},
		}},
		{"exchange replay: the same provider token twice is refused", []step{
			login("s1", "alice"),
			{Method: "POST", Path: "/exchange", Send: []string{"provider-bearer=alice"}, Want: want{Status: 401, Error: "invalid_token"}},
		}},
		{"exchange with an expired provider token: 401", []step{
			{Method: "POST", Path: "/exchange", Send: []string{"provider-bearer=expired:alice"}, Want: want{Status: 401, Error: "invalid_token"}},
		}},
		{"exchange cross-site: 403, and the token is not used up", []step{
			{Method: "POST", Path: "/exchange", Send: []string{"provider-bearer=alice", "site=cross-site"}, Want: want{Status: 403, Error: "cross_site_request"}},
			login("s1", "alice"),
		}},
		{"exchange starts a new session every time, whatever session cookies come along", []step{
			login("s1", "alice"),
			{Method: "POST", Path: "/exchange", Send: []string{"provider-bearer=alice#2", "access-cookie=s1", "refresh-cookie=s1"}, Save: "s2", Want: want{
				Status: 200, Set: both, Clear: newSession.Clear, Differ: "s1",
			}},
			refreshBy("s1", refreshed, "s1b"), // the first session lives on: exchange replaced only the cookies
		}},
		{"exchange store outage: 503", []step{
			{StoreDown: true, Method: "POST", Path: "/exchange", Send: []string{"provider-bearer=alice"}, Want: want{Status: 503, Error: "temporarily_unavailable"}},
		}},
		{"GET exchange: 303 to the local path asked for, no-store, no-referrer", []step{
			redirect("alice", "/app/orders?x=1", "/app/orders?x=1"),
			redirect("alice#2", "/app", "/app"),
		}},
		{"GET exchange: hostile or disallowed targets fall back to the default", []step{
			redirect("a#1", "//evil.example/", Fallback),
			redirect("a#2", `/\evil.example`, Fallback),
			redirect("a#3", "https://evil.example/app", Fallback),
			redirect("a#4", "/app\r\nSet-Cookie: x=1", Fallback),
			redirect("a#5", "/apple", Fallback),
			redirect("a#6", "", Fallback),
			redirect("a#7", "app", Fallback),
		}},
		{"GET exchange with a bad token: 401, no-referrer, no cookies", []step{
			{Method: "GET", Path: "/exchange?token=garbage&redirect=/app", Want: want{Status: 401, Error: "invalid_token", Header: [][2]string{noReferrer}}},
			{Method: "PUT", Path: "/exchange", Want: want{Status: 405, Error: "method_not_allowed", Header: [][2]string{{"Allow", "GET, POST"}}}},
		}},
	}
}

func accountRows() []row {
	return []row{
		{"list: the caller's live sessions, the current one marked", []step{
			login("s1", "alice"), login("s2", "alice#2"), login("b1", "bob"),
			{Method: "GET", Path: "/sessions", Send: []string{"access-bearer=s2"}, Want: want{Status: 200, Listed: 2}},
			{Method: "GET", Path: "/sessions", Send: []string{"access-cookie=b1"}, Want: want{Status: 200, Listed: 1}},
		}},
		{"list without or with a foreign token: 401", []step{
			{Method: "GET", Path: "/sessions", Want: want{Status: 401, Error: "unauthorized"}},
			{Method: "GET", Path: "/sessions", Send: []string{"provider-bearer=alice"}, Want: want{Status: 401, Error: "invalid_token"}},
			{Method: "POST", Path: "/sessions", Want: want{Status: 405, Error: "method_not_allowed", Header: [][2]string{{"Allow", "GET, DELETE"}}}},
		}},
		{"revoke one of the caller's sessions: it can no longer refresh", []step{
			login("s1", "alice"), login("s2", "alice#2"),
			{Method: "DELETE", Path: "/sessions/{s2.sid}", Send: []string{"access-bearer=s1"}, Want: want{Status: 200}},
			refreshBy("s2", sessionEnded, ""),
			refreshBy("s1", refreshed, "s1b"),
		}},
		{"revoke another user's session: 404, and it lives on", []step{
			login("s1", "alice"), login("b1", "bob"),
			{Method: "DELETE", Path: "/sessions/{b1.sid}", Send: []string{"access-bearer=s1"}, Want: want{Status: 404, Error: "not_found"}},
			{Method: "DELETE", Path: "/sessions/AAAAAAAAAAAAAAAAAAAAAA", Send: []string{"access-bearer=s1"}, Want: want{Status: 404, Error: "not_found"}},
			refreshBy("b1", refreshed, "b2"),
		}},
		{"revoke the current session by ID: revoked and cookies cleared", []step{
			login("s1", "alice"),
			{Method: "DELETE", Path: "/sessions/{s1.sid}", Send: []string{"access-bearer=s1"}, Want: want{Status: 200, Clear: clearAll}},
			refreshBy("s1", sessionEnded, ""),
		}},
		{"revoke the caller's other sessions: the current one lives on", []step{
			login("s1", "alice"), login("s2", "alice#2"), login("s3", "alice#3"), login("b1", "bob"),
			{Method: "DELETE", Path: "/sessions", Send: []string{"access-bearer=s1"}, Want: want{Status: 200}},
			refreshBy("s2", sessionEnded, ""),
			refreshBy("s3", sessionEnded, ""),
			refreshBy("s1", refreshed, "s1b"),
			refreshBy("b1", refreshed, "b2"),
		}},
		{"cross-site DELETE with the access cookie: 403, nothing revoked", []step{
			login("s1", "alice"), login("s2", "alice#2"),
			{Method: "DELETE", Path: "/sessions", Send: []string{"access-cookie=s1", "site=cross-site"}, Want: want{Status: 403, Error: "cross_site_request"}},
			refreshBy("s2", refreshed, "s2b"),
		}},
		{"logout: current session revoked, cookies cleared; without a token: cookies cleared, 401", []step{
			login("s1", "alice"),
			{Method: "POST", Path: "/logout", Send: []string{"access-cookie=s1"}, Want: want{Status: 200, Clear: clearAll}},
			refreshBy("s1", sessionEnded, ""),
			{Method: "POST", Path: "/logout", Want: want{Status: 401, Error: "unauthorized", Clear: clearAll}},
		}},
		{"jwks: the manager's key set", []step{
			{Method: "GET", Path: "/jwks", Want: want{Status: 200, Header: [][2]string{{"Content-Type", "application/jwk-set+json"}}}},
			{Method: "POST", Path: "/jwks", Want: want{Status: 405, Error: "method_not_allowed", Header: [][2]string{{"Allow", "GET"}}}},
		}},
	}
}

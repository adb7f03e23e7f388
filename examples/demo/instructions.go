package main

import (
	"fmt"
	"io"
	"strings"
)

// sedToken extracts the token from /token's JSON without needing jq.
const sedToken = `sed -E 's/.*"token":"([^"]+)".*/\1/'`

// instructions is what the demo prints once everything listens. Lines
// indented by four spaces are commands to paste; the comment after a
// command gives the status it answers and, in quotes, text the answer
// contains (the demo's test runs every command and checks both).
func instructions(p ports, issuer string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
sessiongate demo: the dev issuer and one example per scenario, on loopback. Ctrl-C stops everything.

dev issuer  %[1]s  NOT an identity provider: anyone who reaches it can mint a token.
Pages on *.example.test need those names mapped to 127.0.0.1 first: see "Browser" in README.md.
Paste the indented lines into a shell; the comment after each says what it answers.

Get a token (the scenarios below use $TOKEN):
    TOKEN=$(curl -s '%[1]s/token?sub=alice' | %[2]s)
`, issuer, sedToken)
	for _, scenario := range []func(io.Writer, ports, string){scenario1, scenario2, scenario3, scenario4, scenario5, ownSession} {
		scenario(&b, p, issuer)
	}
	b.WriteString("\n")
	return b.String()
}

func loopback(port int) string { return fmt.Sprintf("http://127.0.0.1:%d", port) }

func named(host string, port int) string { return fmt.Sprintf("http://%s.example.test:%d", host, port) }

// resolve is curl's flag that maps a name to loopback for one port.
func resolve(host string, port int) string {
	return fmt.Sprintf("--resolve %s.example.test:%d:127.0.0.1", host, port)
}

func scenario1(w io.Writer, p ports, issuer string) {
	fmt.Fprintf(w, `
1. Same host, cookie: net/http (examples/samehost) on %[1]s
   Browser: open %[1]s/ and follow "Sign in as alice".
    curl -s -c %[2]s '%[3]s/login?sub=alice'
    curl -s -i -b %[2]s %[1]s/me   # 200 "alice" from the "cbo_session_token" cookie the issuer set for 127.0.0.1
    curl -s -i %[1]s/me   # 401 "WWW-Authenticate: Bearer"
    curl -s -i -b %[2]s -X POST -H 'Origin: https://evil.example' %[1]s/notes   # 403 "cross_site_request": a cookie on a POST from another site
`, loopback(p.S1), "/tmp/sessiongate-demo.jar", issuer)
}

func scenario2(w io.Writer, p ports, _ string) {
	fmt.Fprintf(w, `
2. www -> api, bearer header through CORS: Gin (examples/crossorigin) on %[1]s
   Browser: open %[2]s/, sign in, call the API (the page calls %[3]s).
    curl -s -i -H "Authorization: Bearer $TOKEN" %[1]s/me   # 200 "alice"
    curl -s -i -H 'Origin: %[2]s' %[1]s/me   # 401 "WWW-Authenticate: Bearer", readable by the page: "Access-Control-Expose-Headers: WWW-Authenticate"
    curl -s -i -X OPTIONS -H 'Origin: %[2]s' -H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: authorization' %[1]s/me   # 204 "Access-Control-Allow-Headers: Authorization": the preflight, answered before the gate
`, loopback(p.S2), named("www", p.S2WWW), named("api", p.S2))
}

func scenario3(w io.Writer, p ports, _ string) {
	fmt.Fprintf(w, `
3. shop -> payment, the token forwarded: Echo (examples/forwarding), shop on %[1]s, payment on %[2]s
    curl -s -i -X POST -H "Authorization: Bearer $TOKEN" %[1]s/checkout   # 200 "charged": payment verified the token the shop forwarded
    curl -s -i -H "Authorization: Bearer $TOKEN" %[2]s/me   # 200 "alice"
    curl -s -i -X POST %[1]s/checkout   # 401 "WWW-Authenticate: Bearer"
`, loopback(p.S3), loopback(p.S3Payment))
}

func scenario4(w io.Writer, p ports, _ string) {
	fmt.Fprintf(w, `
4. One cookie for api and api2: Fiber v2 (examples/sharedcookie) on %[1]s and %[2]s
   Browser: open %[1]s/, sign in, then follow the link to api2.
    curl -s -i -c %[3]s %[4]s -X POST -H "Authorization: Bearer $TOKEN" %[1]s/session   # 200 "Domain=example.test": api sets sid on the parent domain
    curl -s -i -b %[3]s %[5]s %[2]s/me   # 200 "alice" "cookie" "api2": the same cookie reaches api2
    curl -s -i %[6]s/me   # 401 "WWW-Authenticate: Bearer"
`, named("api", p.S4), named("api2", p.S4API2), "/tmp/sessiongate-demo4.jar",
		resolve("api", p.S4), resolve("api2", p.S4API2), loopback(p.S4API2))
}

func scenario5(w io.Writer, p ports, issuer string) {
	fmt.Fprintf(w, `
5. The cookie moved from host-only to the parent domain: Fiber v3 (examples/cookiemigration) on %[1]s
   Browser: open %[2]s/, press "Old session", "Sign in", then "GET /me".
    OLD=$(curl -s '%[3]s/token?sub=alice' | %[4]s)
    curl -s -i --cookie "sid=$OLD; sid=$TOKEN" %[1]s/me   # 200 "alice" "Max-Age=0": sid sent twice, the host-only copy is cleared
    curl -s -i %[1]s/me   # 401 "WWW-Authenticate: Bearer"
`, loopback(p.S5), named("api", p.S5), issuer, sedToken)
}

func ownSession(w io.Writer, p ports, issuer string) {
	fmt.Fprintf(w, `
6. Own sessions: the provider's token exchanged for the app's own session: net/http and SQLite (examples/ownsession) on %[1]s
   Browser: open %[1]s/ and press the buttons in order. The demo runs it with -grace 2s.
    PROVIDER=$(curl -s '%[2]s/token?sub=alice' | %[3]s)
    curl -s -i -c %[4]s -X POST -H "Authorization: Bearer $PROVIDER" %[1]s/auth/exchange   # 200 "sg_access=" "sg_refresh=" "Path=/auth/refresh": a new session, two cookies
    curl -s -i -X POST -H "Authorization: Bearer $PROVIDER" %[1]s/auth/exchange   # 401 "already used": a provider token works once
    curl -s -i -b %[4]s %[1]s/api/me   # 200 "alice" "sid": the access cookie verified locally
    cp %[4]s %[5]s; curl -s -i -b %[4]s -c %[4]s -X POST %[1]s/auth/refresh   # 200 "sg_refresh=": both cookies rotated; %[5]s keeps the previous ones
    curl -s -i -b %[5]s -X POST %[1]s/auth/refresh   # 200 "expires_in": the previous refresh token within the grace window gets the same successor
    sleep 2.5; curl -s -i -b %[5]s -X POST %[1]s/auth/refresh   # 401 "session_ended" "Max-Age=0": reuse after the grace window revokes the whole session
    curl -s -i -b %[4]s %[1]s/api/account   # 401 "revoked": the strict route asks the store
    sleep 0.5; curl -s -i -b %[4]s %[1]s/api/me   # 401 "revoked": the deny-list has read the feed (-deny-poll; Postgres and Redis push)
    PROVIDER=$(curl -s '%[2]s/token?sub=alice' | %[3]s)
    curl -s -i -c %[6]s -X POST -H "Authorization: Bearer $PROVIDER" %[1]s/auth/exchange   # 200 "session_id": signed in again, a new session
    curl -s -i -b %[6]s %[1]s/auth/sessions   # 200 "current": the live sessions, this one marked
    curl -s -i -b %[6]s -X DELETE %[1]s/auth/sessions   # 200 "revoked": sign out everywhere else
    curl -s -i -b %[6]s -X POST -H 'Origin: https://evil.example' %[1]s/auth/logout   # 403 "cross_site_request": another site cannot sign the user out
    curl -s -i -b %[6]s -c %[6]s -X POST %[1]s/auth/logout   # 200 "Max-Age=0": the session revoked, both cookies cleared
    curl -s -i -b %[6]s -X POST %[1]s/auth/refresh   # 401 "sign in again": no refresh token left, no retry
`, loopback(p.S6), issuer, sedToken, "/tmp/sessiongate-demo6.jar", "/tmp/sessiongate-demo6.old", "/tmp/sessiongate-demo6b.jar")
}

package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// signedInScenario1 runs examples/samehost with a dev issuer that sets the
// Corbado cookie, and signs alice in through the page's link: the issuer's
// /login, reached under the page's host name, sets cbo_session_token for
// www.example.test and redirects back to the page. It returns the tab on
// the page and the page's URL.
func signedInScenario1(t *testing.T) (*browser, *tab, string) {
	t.Helper()
	cookies, err := devissuer.PlainHTTPCookies("cbo_session_token", "")
	if err != nil {
		t.Fatal(err)
	}
	iss := startIssuer(t, devissuer.Config{Cookies: cookies, CookieName: "cbo_session_token", AllowedHosts: []string{"www.example.test"}})
	port := freePort(t)
	startExample(t, "samehost", 1, "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-issuer", iss.URL())
	page := fmt.Sprintf("http://www.example.test:%d/", port)

	b := startBrowser(t)
	tb := b.newTab()
	tb.navigate(t, page)
	tb.waitFor(t, `document.getElementById('me').textContent.startsWith('401')`)
	tb.mustEval(t, `document.getElementById('signin').click()`, nil)
	tb.waitFor(t, `location.href === '`+page+`' && document.getElementById('me').textContent.startsWith('200')`)
	return b, tb, page
}

// TestBrowserScenario1SameHostCookie: the page and the API share a host;
// after signing in, the page's same-origin fetch carries the provider's
// cookie and the API answers with the user.
func TestBrowserScenario1SameHostCookie(t *testing.T) {
	b, tb, _ := signedInScenario1(t)
	var me string
	tb.mustEval(t, `document.getElementById('me').textContent`, &me)
	if !strings.Contains(me, `"subject":"alice"`) || !strings.Contains(me, `"cookie":"cbo_session_token"`) {
		t.Errorf("/me from the page: %q, want alice from cbo_session_token", me)
	}
	got := b.cookies("cbo_session_token")
	if len(got) != 1 || got[0].Domain != "www.example.test" {
		t.Errorf("cookie store: %d cbo_session_token cookies (%+v), want one host-only on www.example.test", len(got), domains(got))
	}
	tb.mustEval(t, `document.getElementById('post').click()`, nil)
	tb.waitFor(t, `document.getElementById('note').textContent !== ''`)
	var note string
	tb.mustEval(t, `document.getElementById('note').textContent`, &note)
	if !strings.HasPrefix(note, "200") {
		t.Errorf("same-origin POST /notes with the cookie: %q, want 200", note)
	}
}

// TestBrowserCrossSiteFormPostRefused: a form on another origin posts to
// scenario 1's POST /notes while the user is signed in.
//
//   - From evil.example.test (same site, another origin) the browser sends
//     the SameSite=Lax cookie, so this is the gate's own refusal: 403
//     cross_site_request.
//   - From www.evil.test (another site) the browser does not send the Lax
//     cookie at all: 401, no token.
func TestBrowserCrossSiteFormPostRefused(t *testing.T) {
	_, tb, page := signedInScenario1(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	form := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<!doctype html><form method="POST" action="`+page+`notes"><input name="note" value="hi"></form><script>document.forms[0].submit()</script>`)
	})}
	go form.Serve(ln)
	t.Cleanup(func() { form.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	rows := []struct {
		name, origin, want string
	}{
		{"same site, untrusted origin: the cookie is sent and the gate refuses (403)", fmt.Sprintf("http://evil.example.test:%d/", port), "cross_site_request"},
		{"another site: SameSite=Lax keeps the cookie back (401)", fmt.Sprintf("http://www.evil.test:%d/", port), "unauthorized"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tb.open(t, row.origin) // its form submits itself
			tb.waitFor(t, `location.href === '`+page+`notes' && document.readyState === 'complete'`)
			var body string
			tb.mustEval(t, `document.body.innerText`, &body)
			if !strings.Contains(body, `"error":"`+row.want+`"`) {
				t.Errorf("the form POST landed on %q, want error %s", body, row.want)
			}
		})
	}
}

// meResult is what scenario 2's page reads of an API answer.
type meResult struct {
	Status          int
	Body            string
	WWWAuthenticate string `json:"wwwAuthenticate"`
}

// TestBrowserScenario2CORS runs examples/crossorigin: its page on
// www.example.test gets a token from the issuer and calls api.example.test
// with it as a bearer header, through the CORS preflight the Authorization
// header causes, and reads the JSON; without a token it reads the 401 and
// its WWW-Authenticate (exposed by the API's CORS answer).
func TestBrowserScenario2CORS(t *testing.T) {
	wwwPort, apiPort := freePort(t), freePort(t)
	www := fmt.Sprintf("http://www.example.test:%d", wwwPort)
	iss := startIssuer(t, devissuer.Config{CORSOrigins: []string{www}})
	startExample(t, "crossorigin", 2,
		"-addr", fmt.Sprintf("127.0.0.1:%d", apiPort), "-www-addr", fmt.Sprintf("127.0.0.1:%d", wwwPort),
		"-issuer", iss.URL(), "-www-origin", www, "-api-url", fmt.Sprintf("http://api.example.test:%d", apiPort))
	b := startBrowser(t)
	tb := b.newTab()
	tb.navigate(t, www+"/")

	var withToken, without meResult
	tb.mustEval(t, `signIn('alice').then(() => callMe(false))`, &withToken)
	tb.mustEval(t, `callMe(true)`, &without)
	if withToken.Status != 200 || !strings.Contains(withToken.Body, `"subject":"alice"`) || !strings.Contains(withToken.Body, `"source":"authorization"`) {
		t.Errorf("fetch with the bearer token from www: %+v, want 200 with alice from the Authorization header", withToken)
	}
	if without.Status != 401 || without.WWWAuthenticate != "Bearer" {
		t.Errorf("fetch without a token: status %d, WWW-Authenticate %q; want 401 with Bearer readable by the page", without.Status, without.WWWAuthenticate)
	}
}

// TestBrowserScenario4SharedCookie runs examples/sharedcookie: signing in on
// api sets one sid cookie on example.test, and the browser then sends it to
// api2 as well.
func TestBrowserScenario4SharedCookie(t *testing.T) {
	apiPort := freePort(t)
	api := fmt.Sprintf("http://api.example.test:%d", apiPort)
	iss := startIssuer(t, devissuer.Config{CORSOrigins: []string{api}})
	urls := startExample(t, "sharedcookie", 2, "-api-addr", fmt.Sprintf("127.0.0.1:%d", apiPort), "-api2-addr", "127.0.0.1:0", "-issuer", iss.URL())
	_, api2Port, _ := net.SplitHostPort(strings.TrimPrefix(urls[1], "http://"))
	b := startBrowser(t)
	tb := b.newTab()
	tb.navigate(t, api+"/")
	var signIn struct{ Status int }
	tb.mustEval(t, `signIn('alice')`, &signIn)
	if signIn.Status != 200 {
		t.Fatalf("POST /session from the page: %d", signIn.Status)
	}
	if got := b.cookies("sid"); len(got) != 1 || got[0].Domain != ".example.test" || !got[0].HTTPOnly {
		t.Fatalf("cookie store: %+v, want one HttpOnly sid on .example.test", domains(got))
	}
	for _, u := range []string{api + "/me", "http://api2.example.test:" + api2Port + "/me"} {
		tb.navigate(t, u)
		var me struct{ Subject, Source, API string }
		var text string
		tb.mustEval(t, `document.body.innerText`, &text)
		if err := json.Unmarshal([]byte(text), &me); err != nil || me.Subject != "alice" || me.Source != "cookie" {
			t.Errorf("%s: %q, want alice from the shared cookie", u, text)
		}
	}
}

// TestBrowserScenario5Migration runs examples/cookiemigration: the page
// plants an old host-only sid (as the API set it before the move), signs in
// (sid on example.test), and calls /me. The browser sent both, the answer
// cleared the host-only one, and the cookie store then holds only the new
// cookie while the user stays signed in.
func TestBrowserScenario5Migration(t *testing.T) {
	port := freePort(t)
	api := fmt.Sprintf("http://api.example.test:%d", port)
	iss := startIssuer(t, devissuer.Config{CORSOrigins: []string{api}})
	startExample(t, "cookiemigration", 1, "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-issuer", iss.URL())
	b := startBrowser(t)
	tb := b.newTab()
	tb.navigate(t, api+"/")
	var status int
	tb.mustEval(t, `oldSession('alice').then(() => signIn('alice'))`, &status)
	if status != 200 {
		t.Fatalf("sign-in: %d", status)
	}
	before := b.cookies("sid")
	if len(before) != 2 {
		t.Fatalf("before the first call the store holds %d sid cookies (%+v), want 2: host-only and on .example.test", len(before), domains(before))
	}
	type me struct {
		Status           int
		Body             string
		ScriptVisibleSid bool
	}
	var first, second me
	tb.mustEval(t, `me()`, &first)
	after := b.cookies("sid")
	tb.mustEval(t, `me()`, &second)
	if first.Status != 200 || !strings.Contains(first.Body, `"subject":"alice"`) {
		t.Errorf("/me with both cookies: %+v, want 200 for alice", first)
	}
	if len(after) != 1 || after[0].Domain != ".example.test" {
		t.Errorf("after the first call the store holds %+v, want only sid on .example.test", domains(after))
	}
	if second.Status != 200 || second.ScriptVisibleSid {
		t.Errorf("second /me: %+v, want 200 (still signed in) and the old script-set cookie gone", second)
	}
}

// domains describes cookies without their values (tokens).
func domains(cs []cookie) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s on %s (HttpOnly %v)", c.Name, c.Domain, c.HTTPOnly))
	}
	return out
}

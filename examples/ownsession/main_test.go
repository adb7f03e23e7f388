package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// startIssuer starts the dev issuer: the "provider".
func startIssuer(t *testing.T) *devissuer.Server {
	t.Helper()
	iss, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { iss.Close() })
	return iss
}

// startApp runs the example with args until stop is called or the test
// ends, and returns its URL.
func startApp(t *testing.T, args ...string) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, pw); pw.Close() }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	t.Cleanup(stop)
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case u := <-urls:
		return u, stop
	case err := <-done:
		stopped = true
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the example did not start")
	}
	return "", stop
}

// answer is one response with its body read.
type answer struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

// cookie returns the Set-Cookie line for name ("" when none).
func (a answer) cookie(name string) string {
	for _, line := range a.header.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			return line
		}
	}
	return ""
}

// str returns a string member of the JSON body.
func (a answer) str(key string) string {
	s, _ := a.json[key].(string)
	return s
}

// call sends a request; header lines are "Name: value".
func call(t *testing.T, c *http.Client, method, u string, lines ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, ": ")
		req.Header.Add(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	json.Unmarshal(b, &a.json)
	return a
}

// want fails the test unless a has status and its body contains every text.
func want(t *testing.T, what string, a answer, status int, texts ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d %s, want %d", what, a.status, a.body, status)
	}
	for _, s := range texts {
		if !strings.Contains(a.body, s) {
			t.Fatalf("%s: body %s lacks %q", what, a.body, s)
		}
	}
}

// mint returns a fresh provider token for sub.
func mint(t *testing.T, iss *devissuer.Server, sub string) string {
	t.Helper()
	tok, err := iss.Mint(devissuer.Claims{Subject: sub})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// eventually polls cond for up to 3 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 3s", what)
}

func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// TestBrowserFlow walks the cookie transport as the page does: exchange
// sets both cookies (the refresh cookie HttpOnly and scoped to
// /auth/refresh), /api/me verifies the access cookie locally, refresh
// replaces both, a provider token works once, another site cannot refresh
// or log out, logout clears the cookies and ends the session.
func TestBrowserFlow(t *testing.T) {
	iss := startIssuer(t)
	app, _ := startApp(t, "-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-data", t.TempDir())
	browser := newBrowser(t)
	provider := mint(t, iss, "alice")

	ex := call(t, browser, "POST", app+"/auth/exchange", "Authorization: Bearer "+provider)
	want(t, "exchange", ex, 200, `"session_id"`, `"expires_in"`)
	if strings.Contains(ex.body, "eyJ") || strings.Contains(ex.body, "refresh_token") {
		t.Errorf("the cookie transport's answer carries a token: %s", ex.body)
	}
	access, refresh := ex.cookie("sg_access"), ex.cookie("sg_refresh")
	if !strings.Contains(access, "Path=/;") || !strings.Contains(access, "HttpOnly") {
		t.Errorf("access cookie %q, want Path=/ and HttpOnly", access)
	}
	if !strings.Contains(refresh, "Path=/auth/refresh;") || !strings.Contains(refresh, "HttpOnly") || !strings.Contains(refresh, "SameSite=Lax") {
		t.Errorf("refresh cookie %q, want Path=/auth/refresh, HttpOnly, SameSite=Lax", refresh)
	}

	me := call(t, browser, "GET", app+"/api/me")
	want(t, "/api/me", me, 200, `"subject":"alice"`, `"source":"cookie"`, `"idp":"`+iss.URL()+`"`)
	if me.str("sid") != ex.str("session_id") {
		t.Errorf("/api/me sid %q, want the exchanged session %q", me.str("sid"), ex.str("session_id"))
	}
	want(t, "a provider token exchanged twice", call(t, http.DefaultClient, "POST", app+"/auth/exchange", "Authorization: Bearer "+provider), 401, "already used")
	want(t, "an expired provider token", call(t, http.DefaultClient, "POST", app+"/auth/exchange",
		"Authorization: Bearer "+mustMint(t, iss, devissuer.Claims{Subject: "alice", TTL: -time.Minute})), 401, "invalid or expired")
	want(t, "a user MapUser refuses", call(t, http.DefaultClient, "POST", app+"/auth/exchange", "Authorization: Bearer "+mint(t, iss, "mallory")), 403, "may not sign in")

	r := call(t, browser, "POST", app+"/auth/refresh", "Origin: "+app)
	want(t, "refresh from the page's origin", r, 200, `"expires_in"`)
	if r.cookie("sg_access") == "" || r.cookie("sg_refresh") == "" || r.cookie("sg_refresh") == refresh {
		t.Errorf("refresh did not replace both cookies: %q", r.header.Values("Set-Cookie"))
	}
	want(t, "/api/me after refresh", call(t, browser, "GET", app+"/api/me"), 200, `"subject":"alice"`)

	want(t, "refresh from another site", call(t, browser, "POST", app+"/auth/refresh", "Origin: https://evil.example"), 403, "cross_site_request")
	want(t, "logout from another site", call(t, browser, "POST", app+"/auth/logout", "Origin: https://evil.example"), 403, "cross_site_request")

	out := call(t, browser, "POST", app+"/auth/logout", "Origin: "+app)
	want(t, "logout", out, 200, `"revoked":1`)
	if !strings.Contains(out.cookie("sg_access"), "Max-Age=0") || !strings.Contains(out.cookie("sg_refresh"), "Max-Age=0") {
		t.Errorf("logout did not clear both cookies: %q", out.header.Values("Set-Cookie"))
	}
	want(t, "/api/me after logout", call(t, browser, "GET", app+"/api/me"), 401)
	want(t, "refresh after logout", call(t, browser, "POST", app+"/auth/refresh"), 401, `"retry":false`)
	want(t, "the page", call(t, http.DefaultClient, "GET", app+"/"), 200, "/auth/exchange", iss.URL())
	want(t, "the JWKS", call(t, http.DefaultClient, "GET", app+"/auth/jwks"), 200, `"kty":"EC"`)
}

func mustMint(t *testing.T, iss *devissuer.Server, c devissuer.Claims) string {
	t.Helper()
	tok, err := iss.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// exchangeHeader exchanges a fresh provider token for sub with the header
// transport and returns the access and refresh tokens.
func exchangeHeader(t *testing.T, iss *devissuer.Server, app, sub string) (sid, access, refresh string) {
	t.Helper()
	a := call(t, http.DefaultClient, "POST", app+"/auth/exchange?transport=header", "Authorization: Bearer "+mint(t, iss, sub))
	want(t, "exchange with the header transport", a, 200, `"token_type":"Bearer"`)
	if a.cookie("sg_access") != "" || a.cookie("sg_refresh") != "" {
		t.Errorf("the header transport set cookies: %q", a.header.Values("Set-Cookie"))
	}
	return a.str("session_id"), a.str("access_token"), a.str("refresh_token")
}

// TestRotationReuseAndDenyList walks refresh with rotation (RFC 9700
// §4.14): the current token rotates, the previous one within the grace
// window gets the same successor, after the window it is reuse: 401, the
// whole session revoked, and its still-unexpired access token refused at
// once by the strict route and within the deny-list's poll by /api/me.
func TestRotationReuseAndDenyList(t *testing.T) {
	for _, store := range []string{"sqlite", "memory"} {
		t.Run(store, func(t *testing.T) {
			iss := startIssuer(t)
			app, _ := startApp(t, "-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-store", store, "-data", t.TempDir(),
				"-grace", "500ms", "-deny-poll", "100ms")
			_, a1, r1 := exchangeHeader(t, iss, app, "alice")
			want(t, "/api/me with the access token", call(t, http.DefaultClient, "GET", app+"/api/me", "Authorization: Bearer "+a1), 200, `"source":"authorization"`)

			rot := call(t, http.DefaultClient, "POST", app+"/auth/refresh", "Authorization: Bearer "+r1)
			want(t, "refresh", rot, 200, `"access_token"`, `"refresh_token"`)
			a2, r2 := rot.str("access_token"), rot.str("refresh_token")
			if r2 == r1 || a2 == a1 {
				t.Fatal("refresh did not rotate")
			}
			again := call(t, http.DefaultClient, "POST", app+"/auth/refresh", "Authorization: Bearer "+r1)
			want(t, "the previous refresh token within the grace window", again, 200)
			if again.str("refresh_token") != r2 {
				t.Error("within the grace window the previous token got another successor than the first refresh")
			}
			want(t, "/api/me with the successor's access token", call(t, http.DefaultClient, "GET", app+"/api/me", "Authorization: Bearer "+a2), 200)

			time.Sleep(600 * time.Millisecond) // past -grace
			reuse := call(t, http.DefaultClient, "POST", app+"/auth/refresh", "Authorization: Bearer "+r1)
			want(t, "the previous refresh token after the grace window", reuse, 401, `"retry":false`)
			if !strings.HasPrefix(reuse.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", reuse.header.Get("WWW-Authenticate"))
			}
			want(t, "the strict route at once", call(t, http.DefaultClient, "GET", app+"/api/account", "Authorization: Bearer "+a2), 401, "revoked")
			eventually(t, "/api/me refuses the revoked session's access token", func() bool {
				return call(t, http.DefaultClient, "GET", app+"/api/me", "Authorization: Bearer "+a2).status == 401
			})
			want(t, "the current refresh token of the revoked session", call(t, http.DefaultClient, "POST", app+"/auth/refresh", "Authorization: Bearer "+r2), 401, `"retry":false`)
		})
	}
}

// TestListAndRevoke: a user with three sessions lists them (the caller's
// marked current), revokes one by ID (another user's ID is 404), then every
// other one; each revoked session's access token is refused.
func TestListAndRevoke(t *testing.T) {
	iss := startIssuer(t)
	app, _ := startApp(t, "-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-store", "memory")
	sidA, accA, _ := exchangeHeader(t, iss, app, "alice")
	sidB, accB, _ := exchangeHeader(t, iss, app, "alice")
	sidC, accC, _ := exchangeHeader(t, iss, app, "alice")
	sidBob, _, _ := exchangeHeader(t, iss, app, "bob")
	bearer := "Authorization: Bearer " + accC

	list := call(t, http.DefaultClient, "GET", app+"/auth/sessions", bearer)
	want(t, "list", list, 200, sidA, sidB, `"current":true`)
	if strings.Contains(list.body, sidBob) {
		t.Error("alice's list shows bob's session")
	}
	var got struct {
		Sessions []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"sessions"`
	}
	json.Unmarshal([]byte(list.body), &got)
	if len(got.Sessions) != 3 || got.Sessions[0].ID != sidC || !got.Sessions[0].Current || got.Sessions[1].Current {
		t.Errorf("list: %s, want three sessions, the caller's first and the only current one", list.body)
	}

	want(t, "revoke bob's session as alice", call(t, http.DefaultClient, "DELETE", app+"/auth/sessions/"+sidBob, bearer), 404)
	want(t, "revoke one", call(t, http.DefaultClient, "DELETE", app+"/auth/sessions/"+sidA, bearer), 200, `"revoked":1`)
	want(t, "the revoked session's token on the strict route", call(t, http.DefaultClient, "GET", app+"/api/account", "Authorization: Bearer "+accA), 401)
	want(t, "revoke the others", call(t, http.DefaultClient, "DELETE", app+"/auth/sessions", bearer), 200, `"revoked":1`)
	want(t, "the list after", call(t, http.DefaultClient, "GET", app+"/auth/sessions", bearer), 200, sidC)
	eventually(t, "/api/me refuses the other session's token", func() bool {
		return call(t, http.DefaultClient, "GET", app+"/api/me", "Authorization: Bearer "+accB).status == 401
	})
	want(t, "the caller's own session still works", call(t, http.DefaultClient, "GET", app+"/api/me", bearer), 200)
}

// TestSessionsSurviveARestart: with SQLite and the secret kept in -data, a
// restarted app still refreshes a session created before.
func TestSessionsSurviveARestart(t *testing.T) {
	iss := startIssuer(t)
	data := t.TempDir()
	app, stop := startApp(t, "-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-data", data)
	_, _, r1 := exchangeHeader(t, iss, app, "alice")
	stop()
	if fi, err := os.Stat(filepath.Join(data, secretFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the dev secret file: %v, %v; want mode 0600", fi, err)
	}
	app, _ = startApp(t, "-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-data", data)
	want(t, "refresh after a restart", call(t, http.DefaultClient, "POST", app+"/auth/refresh", "Authorization: Bearer "+r1), 200, `"refresh_token"`)
}

func TestRefusesBadConfig(t *testing.T) {
	iss := startIssuer(t)
	for _, row := range []struct {
		name string
		args []string
		want string
	}{
		{"a provider that is not running", []string{"-issuer", "http://127.0.0.1:1"}, "is the provider running?"},
		{"an unknown store", []string{"-issuer", iss.URL(), "-store", "postgres"}, "-store"},
		{"a grace window longer than the access token", []string{"-issuer", iss.URL(), "-store", "memory", "-grace", "10m"}, "-grace"},
		{"an access-token lifetime out of range", []string{"-issuer", iss.URL(), "-store", "memory", "-access-ttl", "2h"}, "-access-ttl"},
		{"an unknown flag", []string{"-no-such-flag"}, "no-such-flag"},
		{"a positional argument", []string{"serve"}, "unexpected argument"},
	} {
		t.Run(row.name, func(t *testing.T) {
			args := append([]string{"-addr", "127.0.0.1:0"}, row.args...)
			if err := run(context.Background(), args, io.Discard); err == nil || !strings.Contains(err.Error(), row.want) {
				t.Errorf("%v, want an error containing %q", err, row.want)
			}
		})
	}
	t.Setenv("GRACE", "soon")
	if err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-issuer", iss.URL()}, io.Discard); err == nil || !strings.Contains(err.Error(), "GRACE") {
		t.Errorf("GRACE=soon: %v, want an error naming GRACE", err)
	}
	os.Unsetenv("GRACE")
	t.Setenv("SESSION_SECRET", "short")
	if err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-issuer", iss.URL()}, io.Discard); err == nil || !strings.Contains(err.Error(), "SESSION_SECRET") {
		t.Errorf("a short SESSION_SECRET: %v", err)
	}
}

func TestEnvironmentConfigures(t *testing.T) {
	iss := startIssuer(t)
	t.Setenv("ADDR", "127.0.0.1:0")
	t.Setenv("ISSUER_URL", iss.URL())
	t.Setenv("STORE", "memory")
	t.Setenv("SESSION_SECRET", "a secret from the environment, 32+ bytes")
	app, _ := startApp(t)
	_, acc, _ := exchangeHeader(t, iss, app, "bob")
	want(t, "configured by the environment", call(t, http.DefaultClient, "GET", app+"/api/me", "Authorization: Bearer "+acc), 200, `"subject":"bob"`)
	u, _ := url.Parse(app)
	if u.Hostname() != "127.0.0.1" {
		t.Errorf("listening on %s", app)
	}
}

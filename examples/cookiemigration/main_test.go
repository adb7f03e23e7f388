package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

func startIssuer(t *testing.T) *devissuer.Server {
	t.Helper()
	iss, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { iss.Close() })
	return iss
}

// startApp runs the example with args until the test ends and returns its address.
func startApp(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, pw); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := regexp.MustCompile(`listening on http://(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				addrs <- m[1]
			}
		}
	}()
	select {
	case a := <-addrs:
		return a
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the example did not start")
	}
	return ""
}

// browser returns a client with a cookie jar that reaches every
// http://<name>:<port> on loopback, as a browser with the names mapped.
func browser(t *testing.T) (*http.Client, *cookiejar.Jar) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return dialer.DialContext(ctx, network, "127.0.0.1:"+port)
		},
	}}, jar
}

func do(t *testing.T, c *http.Client, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestCookieMigration(t *testing.T) {
	iss := startIssuer(t)
	addr := startApp(t, "-addr", "127.0.0.1:0", "-issuer", iss.URL())
	app := "http://" + addr
	oldTok, _ := iss.Mint(devissuer.Claims{Subject: "alice", IssuedAt: time.Now().Add(-10 * time.Minute), TTL: time.Hour, Extra: map[string]any{"copy": "old"}})
	newTok, _ := iss.Mint(devissuer.Claims{Subject: "alice", IssuedAt: time.Now().Add(-time.Minute), TTL: time.Hour, Extra: map[string]any{"copy": "new"}})
	rows := []struct {
		name    string
		method  string
		path    string
		header  http.Header
		status  int
		body    string
		cookies []string // Set-Cookie lines must start with these, in order
	}{
		{"GET /healthz without a token: 200", "GET", "/healthz", nil, 200, "ok", nil},
		{"GET / serves the page", "GET", "/", nil, 200, "Scenario 5", nil},
		{"GET /me with a bearer token: 200", "GET", "/me", http.Header{"Authorization": {"Bearer " + newTok}}, 200, `"subject":"alice"`, nil},
		{"GET /me without a token: 401", "GET", "/me", nil, 401, "unauthorized", nil},
		{"GET /me with one sid cookie: 200, nothing cleared", "GET", "/me", http.Header{"Cookie": {"sid=" + newTok}}, 200, `"source":"cookie"`, nil},
		{"GET /me with sid twice (host-only and parent domain): 200 and the host-only copy cleared", "GET", "/me",
			http.Header{"Cookie": {"sid=" + oldTok + "; sid=" + newTok}}, 200, `"subject":"alice"`, []string{"sid=; Path=/; Expires="}},
		{"POST /session with a bearer token: sid set on the parent domain", "POST", "/session",
			http.Header{"Authorization": {"Bearer " + newTok}}, 200, `"cookie_domain":"example.test"`, []string{"sid=" + newTok + "; Path=/; Domain=example.test;"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			resp, body := do(t, http.DefaultClient, row.method, app+row.path, row.header)
			if resp.StatusCode != row.status || !strings.Contains(body, row.body) {
				t.Fatalf("status %d body %q, want %d with %q", resp.StatusCode, body, row.status, row.body)
			}
			if row.status == 401 && resp.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("WWW-Authenticate %q, want Bearer", resp.Header.Get("WWW-Authenticate"))
			}
			lines := resp.Header.Values("Set-Cookie")
			if len(lines) != len(row.cookies) {
				t.Fatalf("%d Set-Cookie lines, want %d", len(lines), len(row.cookies))
			}
			for i, want := range row.cookies {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("Set-Cookie %q, want it to start with %q", strings.ReplaceAll(lines[i], newTok, "<new>"), strings.ReplaceAll(want, newTok, "<new>"))
				}
				if strings.HasPrefix(want, "sid=;") && (strings.Contains(lines[i], "Domain=") || !strings.Contains(lines[i], "Max-Age=0")) {
					t.Errorf("Set-Cookie %q: want a host-only deletion (no Domain, Max-Age=0)", lines[i])
				}
			}
		})
	}
}

// TestMigrationInACookieJar follows the whole move in a cookie jar: an old
// host-only sid, a sign-in that sets the new one on the parent domain, and
// the first call with both, after which the jar holds only the new one and
// the user is still signed in.
func TestMigrationInACookieJar(t *testing.T) {
	iss := startIssuer(t)
	_, port, _ := net.SplitHostPort(startApp(t, "-addr", "127.0.0.1:0", "-issuer", iss.URL()))
	api, _ := url.Parse("http://api.example.test:" + port)
	oldTok, _ := iss.Mint(devissuer.Claims{Subject: "alice", IssuedAt: time.Now().Add(-10 * time.Minute), TTL: time.Hour})
	newTok, _ := iss.Mint(devissuer.Claims{Subject: "alice", IssuedAt: time.Now().Add(-time.Minute), TTL: time.Hour})
	c, jar := browser(t)
	jar.SetCookies(api, []*http.Cookie{{Name: "sid", Value: oldTok, Path: "/"}}) // host-only, as before the move
	if resp, body := do(t, c, "POST", api.String()+"/session", http.Header{"Authorization": {"Bearer " + newTok}}); resp.StatusCode != 200 {
		t.Fatalf("sign-in: %d %q", resp.StatusCode, body)
	}
	if n := len(jar.Cookies(api)); n != 2 {
		t.Fatalf("after sign-in the jar sends %d sid cookies, want 2 (old host-only and new)", n)
	}
	for i := range 2 {
		if resp, body := do(t, c, "GET", api.String()+"/me", nil); resp.StatusCode != 200 || !strings.Contains(body, `"subject":"alice"`) {
			t.Fatalf("GET /me #%d: %d %q, want the user signed in", i+1, resp.StatusCode, body)
		}
	}
	got := jar.Cookies(api)
	if len(got) != 1 || got[0].Value != newTok {
		t.Errorf("the jar holds %d sid cookies (new one: %v), want only the new one", len(got), len(got) == 1 && got[0].Value == newTok)
	}
}

func TestRefusesBadConfig(t *testing.T) {
	iss := startIssuer(t)
	for _, row := range []struct {
		args     []string
		mentions string
	}{
		{[]string{"-issuer", "http://127.0.0.1:1"}, "is the issuer running?"},
		{[]string{"-issuer", iss.URL(), "-cookie-domain", "other.test"}, "APIDomains"},
		{[]string{"-issuer", iss.URL(), "-cookie-domain", ""}, "OlderCookieHostOnly"},
		{[]string{"-no-such-flag"}, "no-such-flag"},
	} {
		if err := run(context.Background(), row.args, io.Discard); err == nil || !strings.Contains(err.Error(), row.mentions) {
			t.Errorf("%q: %v, want an error mentioning %q", row.args, err, row.mentions)
		}
	}
}

func TestEnvironmentConfigures(t *testing.T) {
	iss := startIssuer(t)
	t.Setenv("ADDR", "127.0.0.1:0")
	t.Setenv("ISSUER_URL", iss.URL())
	t.Setenv("COOKIE_DOMAIN", "api.example.test")
	t.Setenv("PLAIN_HTTP", "false")
	addr := startApp(t)
	tok, _ := iss.Mint(devissuer.Claims{Subject: "bob"})
	resp, _ := do(t, http.DefaultClient, "POST", "http://"+addr+"/session", http.Header{"Authorization": {"Bearer " + tok}})
	if line := resp.Header.Get("Set-Cookie"); resp.StatusCode != 200 || !strings.Contains(line, "Domain=api.example.test") || !strings.Contains(line, "; Secure") {
		t.Errorf("configured by the environment: %d %q", resp.StatusCode, strings.ReplaceAll(line, tok, "<token>"))
	}
}

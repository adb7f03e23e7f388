package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// startIssuer starts a dev issuer whose /login sets cbo_session_token
// host-only, as `make issuer ISSUER_FLAGS='-cookie-name cbo_session_token'` does.
func startIssuer(t *testing.T) *devissuer.Server {
	t.Helper()
	cookies, err := devissuer.PlainHTTPCookies("cbo_session_token", "")
	if err != nil {
		t.Fatal(err)
	}
	iss, err := devissuer.Start("", devissuer.Config{Cookies: cookies, CookieName: "cbo_session_token"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { iss.Close() })
	return iss
}

// startApp runs the example with args until the test ends and returns its URL.
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
		return u
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the example did not start")
	}
	return ""
}

// do sends a request and returns the response with its body read.
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

func TestSameHost(t *testing.T) {
	iss := startIssuer(t)
	app := startApp(t, "-addr", "127.0.0.1:0", "-issuer", iss.URL())
	tok, _ := iss.Mint(devissuer.Claims{Subject: "alice"})
	rows := []struct {
		name   string
		method string
		path   string
		header http.Header
		status int
		want   string // in the body
	}{
		{"GET /healthz without a token: 200", "GET", "/healthz", nil, 200, "ok"},
		{"GET / serves the page", "GET", "/", nil, 200, "Scenario 1"},
		{"GET /me with a bearer token: 200 and the subject", "GET", "/me", http.Header{"Authorization": {"Bearer " + tok}}, 200, `"subject":"alice"`},
		{"GET /me with the Corbado cookie cbo_session_token: 200", "GET", "/me", http.Header{"Cookie": {"cbo_session_token=" + tok}}, 200, `"cookie":"cbo_session_token"`},
		{"GET /me with the former cookie name cbo_short_session: 200", "GET", "/me", http.Header{"Cookie": {"cbo_short_session=" + tok}}, 200, `"cookie":"cbo_short_session"`},
		{"GET /me with a cookie of another name: 401", "GET", "/me", http.Header{"Cookie": {"session=" + tok}}, 401, "unauthorized"},
		{"GET /me without a token: 401", "GET", "/me", nil, 401, "unauthorized"},
		{"POST /notes with the cookie from the same origin: 200", "POST", "/notes", http.Header{"Cookie": {"cbo_session_token=" + tok}, "Origin": {app}}, 200, `"saved_for":"alice"`},
		{"POST /notes with the cookie from another site: 403", "POST", "/notes", http.Header{"Cookie": {"cbo_session_token=" + tok}, "Origin": {"https://evil.example"}}, 403, "cross_site_request"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			resp, body := do(t, http.DefaultClient, row.method, app+row.path, row.header)
			if resp.StatusCode != row.status || !strings.Contains(body, row.want) {
				t.Fatalf("status %d body %q, want %d with %q", resp.StatusCode, body, row.status, row.want)
			}
			if row.status == 401 && resp.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("WWW-Authenticate %q, want Bearer", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestSignInThroughTheIssuer is the scenario's point: the cookie the
// issuer's /login sets for 127.0.0.1 (ports do not separate cookies) is the
// one the app on another port reads.
func TestSignInThroughTheIssuer(t *testing.T) {
	iss := startIssuer(t)
	app := startApp(t, "-addr", "127.0.0.1:0", "-issuer", iss.URL())
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, body := do(t, browser, "GET", iss.URL()+"/login?sub=alice&redirect="+app+"/me", nil)
	if resp.StatusCode != 200 || resp.Request.URL.String() != app+"/me" {
		t.Fatalf("sign-in ended at %s with %d %q; want the app's /me", resp.Request.URL, resp.StatusCode, body)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil || got["subject"] != "alice" || got["source"] != "cookie" || got["cookie"] != "cbo_session_token" {
		t.Errorf("/me after sign-in: %q", body)
	}
}

func TestRefusesBadFlags(t *testing.T) {
	if err := run(context.Background(), []string{"-issuer", "http://127.0.0.1:1"}, io.Discard); err == nil || !strings.Contains(err.Error(), "is the issuer running?") {
		t.Errorf("an issuer that is not running: %v, want a hint", err)
	}
	if err := run(context.Background(), []string{"-no-such-flag"}, io.Discard); err == nil {
		t.Error("an unknown flag: no error")
	}
}

func TestEnvironmentConfigures(t *testing.T) {
	iss := startIssuer(t)
	t.Setenv("ADDR", "127.0.0.1:0")
	t.Setenv("ISSUER_URL", iss.URL())
	app := startApp(t)
	tok, _ := iss.Mint(devissuer.Claims{Subject: "bob"})
	if resp, body := do(t, http.DefaultClient, "GET", app+"/me", http.Header{"Authorization": {"Bearer " + tok}}); resp.StatusCode != 200 || !strings.Contains(body, "bob") {
		t.Errorf("configured by ADDR and ISSUER_URL: %d %q", resp.StatusCode, body)
	}
}

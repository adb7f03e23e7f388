package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
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

// startApp runs the example with args until the test ends and returns the
// URL of each server by name ("API (Gin)", "frontend page").
func startApp(t *testing.T, servers int, args ...string) map[string]string {
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
	lines := make(chan []string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := regexp.MustCompile(`scenario 2 (.+) listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				lines <- m
			}
		}
	}()
	urls := map[string]string{}
	for len(urls) < servers {
		select {
		case m := <-lines:
			urls[m[1]] = m[2]
		case err := <-done:
			t.Fatalf("run: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("the example did not start")
		}
	}
	return urls
}

func do(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const www = "http://www.example.test:9012"

func TestCrossOrigin(t *testing.T) {
	iss := startIssuer(t)
	urls := startApp(t, 2, "-addr", "127.0.0.1:0", "-www-addr", "127.0.0.1:0", "-issuer", iss.URL(),
		"-www-origin", www+",http://127.0.0.1:9012", "-api-url", "http://api.example.test:9002")
	api := urls["API (Gin)"]
	tok, _ := iss.Mint(devissuer.Claims{Subject: "alice"})
	preflight := http.Header{"Origin": {www}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"authorization"}}
	rows := []struct {
		name    string
		method  string
		path    string
		header  http.Header
		status  int
		body    string            // in the body
		headers map[string]string // exact values ("" = absent)
	}{
		{"GET /healthz without a token: 200", "GET", "/healthz", nil, 200, "ok", nil},
		{"GET /me with a bearer token from www: 200, the subject, readable by www", "GET", "/me",
			http.Header{"Authorization": {"Bearer " + tok}, "Origin": {www}}, 200, `"subject":"alice"`,
			map[string]string{"Access-Control-Allow-Origin": www, "Access-Control-Expose-Headers": "Www-Authenticate"}},
		{"GET /me without a token from www: 401 whose WWW-Authenticate the page may read", "GET", "/me",
			http.Header{"Origin": {www}}, 401, "unauthorized",
			map[string]string{"WWW-Authenticate": "Bearer", "Access-Control-Allow-Origin": www, "Access-Control-Expose-Headers": "Www-Authenticate"}},
		{"GET /me with the token in a cookie: 401 (scenario 2 reads the header only)", "GET", "/me",
			http.Header{"Cookie": {"session=" + tok}}, 401, "unauthorized", map[string]string{"WWW-Authenticate": "Bearer"}},
		{"preflight from www: answered by CORS before the gate, Authorization allowed", "OPTIONS", "/me", preflight, 204, "",
			map[string]string{"Access-Control-Allow-Origin": www, "Access-Control-Allow-Headers": "Authorization", "Access-Control-Allow-Methods": "GET", "Access-Control-Max-Age": "600", "WWW-Authenticate": ""}},
		{"preflight from another site: refused, no CORS headers", "OPTIONS", "/me",
			http.Header{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"GET"}}, 403, "",
			map[string]string{"Access-Control-Allow-Origin": ""}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			resp, body := do(t, row.method, api+row.path, row.header)
			if resp.StatusCode != row.status || !strings.Contains(body, row.body) {
				t.Fatalf("status %d body %q, want %d with %q", resp.StatusCode, body, row.status, row.body)
			}
			for k, want := range row.headers {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
		})
	}
	t.Run("the frontend page calls the configured API and issuer", func(t *testing.T) {
		resp, body := do(t, "GET", urls["frontend page"]+"/", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `api: "http://api.example.test:9002"`) || !strings.Contains(body, `issuer: "`+iss.URL()+`"`) {
			t.Errorf("status %d, page:\n%s", resp.StatusCode, body)
		}
	})
}

func TestRefusesBadConfig(t *testing.T) {
	iss := startIssuer(t)
	for _, args := range [][]string{
		{"-issuer", "http://127.0.0.1:1"},
		{"-issuer", iss.URL(), "-www-origin", "www.example.test"},
		{"-no-such-flag"},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestEnvironmentConfigures(t *testing.T) {
	iss := startIssuer(t)
	t.Setenv("ADDR", "127.0.0.1:0")
	t.Setenv("WWW_ADDR", "")
	t.Setenv("ISSUER_URL", iss.URL())
	api := startApp(t, 1)["API (Gin)"]
	tok, _ := iss.Mint(devissuer.Claims{Subject: "bob"})
	if resp, body := do(t, "GET", api+"/me", http.Header{"Authorization": {"Bearer " + tok}}); resp.StatusCode != 200 || !strings.Contains(body, "bob") {
		t.Errorf("configured by the environment: %d %q", resp.StatusCode, body)
	}
}

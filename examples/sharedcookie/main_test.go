package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
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
// address of each API by name ("api", "api2").
func startApp(t *testing.T, args ...string) map[string]string {
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
			if m := regexp.MustCompile(`scenario 4 (\S+) \(Fiber v2\) listening on http://(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				lines <- m
			}
		}
	}()
	addrs := map[string]string{}
	for len(addrs) < 2 {
		select {
		case m := <-lines:
			addrs[m[1]] = m[2]
		case err := <-done:
			t.Fatalf("run: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("the example did not start")
		}
	}
	return addrs
}

// browser returns a client with a cookie jar that reaches
// http://api.example.test:<port> and http://api2.example.test:<port> on the
// example's listeners, as a browser with those names mapped to loopback.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return dialer.DialContext(ctx, network, "127.0.0.1:"+port)
		},
	}}
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

// port returns the port of a host:port.
func port(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

func TestSharedCookie(t *testing.T) {
	iss := startIssuer(t)
	addrs := startApp(t, "-api-addr", "127.0.0.1:0", "-api2-addr", "127.0.0.1:0", "-issuer", iss.URL())
	api := "http://api.example.test:" + port(addrs["api"])
	api2 := "http://api2.example.test:" + port(addrs["api2"])
	tok, _ := iss.Mint(devissuer.Claims{Subject: "alice"})
	bearer := http.Header{"Authorization": {"Bearer " + tok}}
	c := browser(t)

	for _, row := range []struct {
		name   string
		url    string
		header http.Header
		status int
		body   string
	}{
		{"api GET /healthz without a token: 200", api + "/healthz", nil, 200, "ok"},
		{"api2 GET /healthz without a token: 200", api2 + "/healthz", nil, 200, "ok"},
		{"api GET /me with a bearer token: 200", api + "/me", bearer, 200, `"subject":"alice"`},
		{"api2 GET /me with a bearer token: 200", api2 + "/me", bearer, 200, `"subject":"alice"`},
		{"api GET /me without a token: 401", api + "/me", nil, 401, "unauthorized"},
		{"api2 GET /me without a token: 401", api2 + "/me", nil, 401, "unauthorized"},
		{"api GET / serves the page, linking to api2 by name", api + "/", nil, 200, `api2: "` + api2 + `"`},
	} {
		t.Run(row.name, func(t *testing.T) {
			resp, body := do(t, c, "GET", row.url, row.header)
			if resp.StatusCode != row.status || !strings.Contains(body, row.body) {
				t.Fatalf("status %d body %q, want %d with %q", resp.StatusCode, body, row.status, row.body)
			}
			if row.status == 401 && resp.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("WWW-Authenticate %q, want Bearer", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("POST /session on api sets sid on the common parent domain", func(t *testing.T) {
		resp, body := do(t, c, "POST", api+"/session", bearer)
		line := resp.Header.Get("Set-Cookie")
		if resp.StatusCode != 200 || !strings.HasPrefix(line, "sid=") || !strings.Contains(line, "; Domain=example.test") || !strings.Contains(body, `"cookie_domain":"example.test"`) {
			t.Fatalf("status %d Set-Cookie %q body %q", resp.StatusCode, strings.ReplaceAll(line, tok, "<token>"), body)
		}
		for _, attr := range []string{"; HttpOnly", "; SameSite=Lax", "; Path=/"} {
			if !strings.Contains(line, attr) {
				t.Errorf("Set-Cookie lacks %s", attr)
			}
		}
		if strings.Contains(line, "Secure") {
			t.Error("Secure on a plain-HTTP development cookie: the browser would not send it back")
		}
	})
	for _, u := range []string{api, api2} {
		t.Run("the one cookie is accepted by "+u, func(t *testing.T) {
			resp, body := do(t, c, "GET", u+"/me", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `"source":"cookie"`) || !strings.Contains(body, `"subject":"alice"`) {
				t.Errorf("status %d body %q, want alice from the cookie", resp.StatusCode, body)
			}
		})
	}
}

func TestProductionCookieIsSecure(t *testing.T) {
	iss := startIssuer(t)
	addrs := startApp(t, "-api-addr", "127.0.0.1:0", "-api2-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-plain-http=false")
	tok, _ := iss.Mint(devissuer.Claims{Subject: "alice"})
	resp, _ := do(t, http.DefaultClient, "POST", "http://"+addrs["api"]+"/session", http.Header{"Authorization": {"Bearer " + tok}})
	if line := resp.Header.Get("Set-Cookie"); !strings.Contains(line, "; Secure") {
		t.Errorf("-plain-http=false: Set-Cookie without Secure")
	}
}

func TestRefusesBadConfig(t *testing.T) {
	iss := startIssuer(t)
	for _, row := range []struct {
		args     []string
		mentions string
	}{
		{[]string{"-issuer", "http://127.0.0.1:1", "-api-addr", "127.0.0.1:0", "-api2-addr", "127.0.0.1:0"}, "is the issuer running?"},
		{[]string{"-issuer", iss.URL(), "-api2-host", "api.other.test"}, "-api-host/-api2-host"},
		{[]string{"-no-such-flag"}, "no-such-flag"},
	} {
		if err := run(context.Background(), row.args, io.Discard); err == nil || !strings.Contains(err.Error(), row.mentions) {
			t.Errorf("%q: %v, want an error mentioning %q", row.args, err, row.mentions)
		}
	}
}

func TestEnvironmentConfigures(t *testing.T) {
	iss := startIssuer(t)
	t.Setenv("API_ADDR", "127.0.0.1:0")
	t.Setenv("API2_ADDR", "127.0.0.1:0")
	t.Setenv("ISSUER_URL", iss.URL())
	t.Setenv("PLAIN_HTTP", "false")
	addrs := startApp(t)
	tok, _ := iss.Mint(devissuer.Claims{Subject: "bob"})
	resp, body := do(t, http.DefaultClient, "POST", "http://"+addrs["api"]+"/session", http.Header{"Authorization": {"Bearer " + tok}})
	if resp.StatusCode != 200 || !strings.Contains(body, "bob") || !strings.Contains(resp.Header.Get("Set-Cookie"), "; Secure") {
		t.Errorf("configured by the environment: %d %q", resp.StatusCode, body)
	}
}

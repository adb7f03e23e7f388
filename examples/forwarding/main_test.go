package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
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
// URL of each server by name ("shop (Echo)", "payment (Echo)").
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
			if m := regexp.MustCompile(`scenario 3 (.+) listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				lines <- m
			}
		}
	}()
	urls := map[string]string{}
	for len(urls) < 2 {
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

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
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

func TestForwarding(t *testing.T) {
	iss := startIssuer(t)
	// The shop must know the payment backend's port before it starts, as
	// with the fixed default ports.
	paymentAddr := freeAddr(t)
	urls := startApp(t, "-shop-addr", "127.0.0.1:0", "-payment-addr", paymentAddr, "-issuer", iss.URL(), "-payment-url", "http://"+paymentAddr)
	shop, payment := urls["shop (Echo)"], urls["payment (Echo)"]
	tok, _ := iss.Mint(devissuer.Claims{Subject: "alice"})
	bearer := http.Header{"Authorization": {"Bearer " + tok}}
	rows := []struct {
		name   string
		method string
		url    string
		header http.Header
		status int
		body   string
	}{
		{"shop GET /healthz without a token: 200", "GET", shop + "/healthz", nil, 200, "ok"},
		{"payment GET /healthz without a token: 200", "GET", payment + "/healthz", nil, 200, "ok"},
		{"shop GET /me with a token: 200 and the subject", "GET", shop + "/me", bearer, 200, `"subject":"alice"`},
		{"payment GET /me with a token: 200 and the subject", "GET", payment + "/me", bearer, 200, `"subject":"alice"`},
		{"shop GET /me without a token: 401", "GET", shop + "/me", nil, 401, "unauthorized"},
		{"payment POST /charge without a token: 401", "POST", payment + "/charge", nil, 401, "unauthorized"},
		{"shop POST /checkout with a token: the payment backend verified the forwarded token", "POST", shop + "/checkout", bearer, 200, `"payment":{"charged":"alice"}`},
		{"shop POST /checkout without a token: 401 before any call to payment", "POST", shop + "/checkout", nil, 401, "unauthorized"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			resp, body := do(t, row.method, row.url, row.header)
			if resp.StatusCode != row.status || !strings.Contains(body, row.body) {
				t.Fatalf("status %d body %q, want %d with %q", resp.StatusCode, body, row.status, row.body)
			}
			if row.status == 401 && resp.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("WWW-Authenticate %q, want Bearer", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestForwardOnlyToListedOrigins: the shop's client adds the token for the
// -forward-to origins only; any other origin gets the call without it.
func TestForwardOnlyToListedOrigins(t *testing.T) {
	iss := startIssuer(t)
	var mu sync.Mutex
	var seen []string
	recorder := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		io.WriteString(w, `{"charged":"whoever"}`)
	}))
	defer recorder.Close()
	tok, _ := iss.Mint(devissuer.Claims{Subject: "alice"})
	rows := []struct {
		name, forwardTo, want string
	}{
		{"the payment origin listed (the default): it gets the token", "", "Bearer " + tok},
		{"another origin listed: the payment backend gets no token", "http://127.0.0.1:1", ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			args := []string{"-shop-addr", "127.0.0.1:0", "-payment-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-payment-url", recorder.URL}
			if row.forwardTo != "" {
				args = append(args, "-forward-to", row.forwardTo)
			}
			shop := startApp(t, args...)["shop (Echo)"]
			mu.Lock()
			seen = nil
			mu.Unlock()
			if resp, body := do(t, "POST", shop+"/checkout", http.Header{"Authorization": {"Bearer " + tok}}); resp.StatusCode != 200 {
				t.Fatalf("checkout: %d %q", resp.StatusCode, body)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 || seen[0] != row.want {
				t.Errorf("the payment backend saw %d calls, Authorization %q; want one with %q", len(seen), redact(seen, tok), redact([]string{row.want}, tok))
			}
		})
	}
}

func redact(s []string, tok string) string {
	return strings.ReplaceAll(strings.Join(s, ","), tok, "<token>")
}

func TestRefusesBadConfig(t *testing.T) {
	iss := startIssuer(t)
	free := []string{"-shop-addr", "127.0.0.1:0", "-payment-addr", "127.0.0.1:0"}
	for _, row := range []struct {
		args []string
		want string // what the error must name
	}{
		{[]string{"-issuer", "http://127.0.0.1:1"}, "127.0.0.1:1"},
		{[]string{"-issuer", iss.URL(), "-forward-to", "payment.example.test"}, "-forward-to"},
		{[]string{"-issuer", iss.URL(), "-forward-to", "https://*.example.test"}, "-forward-to"},
		{[]string{"-no-such-flag"}, "no-such-flag"},
	} {
		// A timeout, so a check that stopped refusing fails instead of serving.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, append(slices.Clone(free), row.args...), io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), row.want) {
			t.Errorf("%q: error %v, want one naming %q", row.args, err, row.want)
		}
	}
}

func TestEnvironmentConfigures(t *testing.T) {
	iss := startIssuer(t)
	t.Setenv("SHOP_ADDR", "127.0.0.1:0")
	t.Setenv("PAYMENT_ADDR", "127.0.0.1:0")
	t.Setenv("ISSUER_URL", iss.URL())
	shop := startApp(t)["shop (Echo)"]
	tok, _ := iss.Mint(devissuer.Claims{Subject: "bob"})
	if resp, body := do(t, "GET", shop+"/me", http.Header{"Authorization": {"Bearer " + tok}}); resp.StatusCode != 200 || !strings.Contains(body, "bob") {
		t.Errorf("configured by the environment: %d %q", resp.StatusCode, body)
	}
}

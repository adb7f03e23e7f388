package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// call is one request the payment backend received through the proxy.
type call struct {
	path          string
	authorization string
	proof         string
	body          []byte
	status        int
}

// recordingProxy stands in front of the payment backend (as a load
// balancer would) and records every call, so a test can replay one.
type recordingProxy struct {
	mu    sync.Mutex
	calls []call
}

func (p *recordingProxy) start(t *testing.T, target string) string {
	t.Helper()
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statusWriter{ResponseWriter: w}
		rp.ServeHTTP(rec, r)
		p.mu.Lock()
		p.calls = append(p.calls, call{r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("DPoP"), body, rec.status})
		p.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (p *recordingProxy) take() []call {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls
	p.calls = nil
	return c
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// TestForwardingDPoP: the shop calls payment's DPoP-required route with a
// token bound to its own key through the core/dpop Transport (one retry
// for the nonce on the first call, none after); a captured call replayed
// as it was, or its token sent as a bearer token, is refused.
func TestForwardingDPoP(t *testing.T) {
	iss := startIssuer(t)
	paymentAddr := freeAddr(t)
	proxy := &recordingProxy{}
	paymentURL := proxy.start(t, "http://"+paymentAddr)
	urls := startApp(t, "-shop-addr", "127.0.0.1:0", "-payment-addr", paymentAddr, "-issuer", iss.URL(), "-payment-url", paymentURL)
	shop := urls["shop (Echo)"]
	tok, _ := iss.Mint(devissuer.Claims{Subject: "alice"})
	user := http.Header{"Authorization": {"Bearer " + tok}}

	resp, body := do(t, "POST", shop+"/checkout/dpop", user)
	if resp.StatusCode != 200 || !strings.Contains(body, `"payment":{"caller":"shop","charged":"alice"}`) {
		t.Fatalf("checkout with DPoP: %d %q", resp.StatusCode, body)
	}
	calls := proxy.take()
	if len(calls) != 2 || calls[0].status != 401 || calls[1].status != 200 {
		t.Fatalf("payment saw %d calls, want a 401 asking for the nonce, then 200", len(calls))
	}
	for i, c := range calls {
		if c.path != "/dpop/charge" || !strings.HasPrefix(c.authorization, "DPoP ") || c.proof == "" {
			t.Errorf("call %d: %s without a DPoP token and proof", i+1, c.path)
		}
	}
	if calls[0].proof == calls[1].proof {
		t.Error("the retry reused the first proof")
	}
	captured := calls[1]

	// The nonce is remembered: the next checkout is one call.
	if resp, body := do(t, "POST", shop+"/checkout/dpop", user); resp.StatusCode != 200 {
		t.Fatalf("second checkout: %d %q", resp.StatusCode, body)
	}
	if n := len(proxy.take()); n != 1 {
		t.Errorf("second checkout: %d calls, want 1", n)
	}

	replay := func(header http.Header) (*http.Response, string) {
		req, _ := http.NewRequest("POST", paymentURL+captured.path, bytes.NewReader(captured.body))
		req.Header = header.Clone()
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	bound := strings.TrimPrefix(captured.authorization, "DPoP ")
	for _, row := range []struct {
		name      string
		header    http.Header
		challenge string // how WWW-Authenticate starts
		body      string
	}{
		{"the captured call replayed as it was: the proof was used before", http.Header{"Authorization": {captured.authorization}, "Dpop": {captured.proof}},
			`DPoP error="invalid_dpop_proof"`, "used before"},
		{"the captured token without a proof", http.Header{"Authorization": {captured.authorization}},
			`DPoP error="invalid_dpop_proof"`, "invalid_dpop_proof"},
		{"the captured token as a bearer token", http.Header{"Authorization": {"Bearer " + bound}},
			`DPoP error="invalid_token"`, "DPoP-bound token with a DPoP proof is required"},
		{"a user's bearer token", user, `DPoP error="invalid_token"`, "DPoP-bound token with a DPoP proof is required"},
	} {
		resp, body := replay(row.header)
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), row.challenge) || !strings.Contains(body, row.body) {
			t.Errorf("%s: %d %q %q, want 401 with %s and %q", row.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body, row.challenge, row.body)
		}
	}

	proxy.take()

	// The user must still be signed in to the shop: no call to payment.
	if resp, body := do(t, "POST", shop+"/checkout/dpop", nil); resp.StatusCode != 401 {
		t.Errorf("checkout with DPoP without a user token: %d %q", resp.StatusCode, body)
	}
	if n := len(proxy.take()); n > 0 {
		t.Errorf("a checkout without a user token made %d calls to payment", n)
	}
}

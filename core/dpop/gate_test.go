package dpop_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
	"github.com/sessiongate/sessiongate/core/dpop"
)

// api is a net/http service behind a Gate in DPoP mode, as in the
// quickstart: the gate decides, the handler writes. It records every
// request it saw and the DPoP header of every request it let through.
type api struct {
	gate     *core.Gate
	url      string
	mu       sync.Mutex
	hits     int
	accepted []http.Header
}

// seen returns how many requests the api saw and the headers of those it
// accepted.
func (a *api) seen() (int, []http.Header) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits, append([]http.Header(nil), a.accepted...)
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.hits++
	a.mu.Unlock()
	d := a.gate.Check(core.HTTPRequest(r), core.CheckOptions{}.WithContext(r.Context()))
	for _, kv := range d.Header {
		w.Header().Add(kv[0], kv[1])
	}
	if d.Err != nil {
		core.ErrorResponse(d.Err).Write(w)
		return
	}
	a.mu.Lock()
	a.accepted = append(a.accepted, r.Header.Clone())
	a.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	io.WriteString(w, d.Session.Subject+" "+string(body))
}

// startAPI starts an issuer and an api whose gate requires DPoP (and
// server nonces when nonces is set).
func startAPI(t *testing.T, nonces bool) (*api, *devissuer.Server) {
	t.Helper()
	iss, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { iss.Close() })
	a := &api{}
	srv := httptest.NewUnstartedServer(a)
	a.url = "http://" + srv.Listener.Addr().String()
	a.gate, err = core.New(core.Config{
		Issuers: []core.Issuer{iss.CoreIssuer()},
		DPoP:    core.DPoPConfig{Mode: core.DPoPRequired, URLs: []string{a.url}, RequireNonce: nonces},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.gate.Close() })
	srv.Start()
	t.Cleanup(srv.Close)
	return a, iss
}

// boundToken mints a token for alice bound to key (cnf.jkt).
func boundToken(t *testing.T, iss *devissuer.Server, thumbprint string) string {
	t.Helper()
	tok, err := iss.Mint(devissuer.Claims{Subject: "alice", Extra: map[string]any{"cnf": map[string]any{"jkt": thumbprint}}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func clientFor(t *testing.T, key *dpop.Key, token string) *http.Client {
	t.Helper()
	tr, err := dpop.NewTransport(dpop.TransportConfig{Key: key, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: tr}
}

func send(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestTransportPassesTheGate: with every algorithm the gate allows by
// default, a request through the Transport is accepted, query string and
// body included, after one nonce round trip.
func TestTransportPassesTheGate(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := []struct {
		signer crypto.Signer
		alg    string
	}{{ec, dpop.ES256}, {ed, dpop.EdDSA}, {rs, dpop.PS256}, {rs, dpop.RS256}}
	a, iss := startAPI(t, true)
	for _, tc := range cases {
		t.Run(tc.alg, func(t *testing.T) {
			key, err := dpop.KeyFromSigner(tc.signer, tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			c := clientFor(t, key, boundToken(t, iss, key.Thumbprint()))
			before, _ := a.seen()
			req, _ := http.NewRequest("POST", a.url+"/orders/7?draft=1", strings.NewReader("2 apples"))
			resp, body := send(t, c, req)
			if resp.StatusCode != 200 || body != "alice 2 apples" {
				t.Fatalf("got %d %q (%s), want 200 from the gate", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
			}
			if n, _ := a.seen(); n-before != 2 {
				t.Fatalf("the API saw %d requests, want 2 (the nonce challenge, then the retry)", n-before)
			}
			// The nonce is remembered: the next request passes at once.
			req, _ = http.NewRequest("GET", a.url+"/orders", nil)
			resp, _ = send(t, c, req)
			if n, _ := a.seen(); resp.StatusCode != 200 || n-before != 3 {
				t.Fatalf("second request: %d after %d requests, want 200 after 3", resp.StatusCode, n-before)
			}
		})
	}
}

// TestGateRefusesACapturedProof: a proof and token copied from a request
// the gate accepted are refused when sent again (replay), and so is a
// token bound to another key.
func TestGateRefusesACapturedProof(t *testing.T) {
	a, iss := startAPI(t, false)
	key, err := dpop.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	c := clientFor(t, key, boundToken(t, iss, key.Thumbprint()))
	req, _ := http.NewRequest("GET", a.url+"/orders", nil)
	if resp, _ := send(t, c, req); resp.StatusCode != 200 {
		t.Fatalf("first request: %d, want 200", resp.StatusCode)
	}
	_, accepted := a.seen()
	captured := accepted[0]

	replay, _ := http.NewRequest("GET", a.url+"/orders", nil)
	replay.Header.Set("Authorization", captured.Get("Authorization"))
	replay.Header.Set("DPoP", captured.Get("DPoP"))
	resp, _ := send(t, http.DefaultClient, replay)
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `DPoP error="invalid_dpop_proof"`) {
		t.Fatalf("replayed proof: %d %q, want 401 invalid_dpop_proof", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	other, err := dpop.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	thief := clientFor(t, other, strings.TrimPrefix(captured.Get("Authorization"), "DPoP "))
	req, _ = http.NewRequest("GET", a.url+"/orders", nil)
	if resp, _ = send(t, thief, req); resp.StatusCode != 401 {
		t.Fatalf("a stolen token with the thief's own key: %d, want 401", resp.StatusCode)
	}
}

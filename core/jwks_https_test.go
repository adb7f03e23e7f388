package core

// Tests that key fetches never fall back to plain HTTP: not through a
// redirect, and not through a discovered jwks_uri.

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// redirector is an https server answering every request with a redirect to
// to(), counting the requests.
func redirector(t *testing.T, to func() string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, to(), http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// tlsKeyServer is an https server answering every path with body.
func tlsKeyServer(t *testing.T, body func(*http.Request) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body(r))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// startGate runs New(cfg) with a fixed clock and a quiet logger. When ok,
// New must succeed (the gate is closed when the test ends) and tok must
// verify; otherwise New must fail with ErrKeysUnavailable.
func startGate(t *testing.T, cfg Config, ok bool, tok string) {
	t.Helper()
	cfg.Clock, cfg.Logger = fixedClock, quietLogger
	g, err := New(cfg)
	if !ok {
		if err == nil {
			g.Close()
			t.Fatal("New succeeded: keys were fetched")
		}
		if !errors.Is(err, ErrKeysUnavailable) {
			t.Errorf("New: %v, want ErrKeysUnavailable", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	if err := verifyVia(g, tok); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestJWKSRedirectsNeverLeaveHTTPS(t *testing.T) {
	k := testKeys()
	known := tokenWithKid(t, "ec-1", k.ec256)
	plain := newKeyServer(t, oneKeyJWKS())
	keysTLS := tlsKeyServer(t, func(*http.Request) string { return oneKeyJWKS() })
	var userChecks atomic.Int64
	rows := []struct {
		name string
		// start returns the configured JWKS URL.
		start      func(t *testing.T) string
		userCheck  func(*http.Request, []*http.Request) error
		ok         bool
		plainFetch bool // the plain-HTTP server may be reached
	}{
		{
			name: "https JWKS URL redirecting to http: refused, the plain-HTTP keys are never fetched",
			start: func(t *testing.T) string {
				r, _ := redirector(t, func() string { return plain.URL + "/keys" })
				return r.URL + "/jwks"
			},
		},
		{
			name: "https redirecting to https redirecting to http: refused",
			start: func(t *testing.T) string {
				second, _ := redirector(t, func() string { return plain.URL + "/keys" })
				first, _ := redirector(t, func() string { return second.URL + "/jwks" })
				return first.URL + "/jwks"
			},
		},
		{
			name: "https redirecting to https on another host: followed (TLS still vouches for the keys)",
			start: func(t *testing.T) string {
				r, _ := redirector(t, func() string { return keysTLS.URL + "/keys" })
				return r.URL + "/jwks"
			},
			ok: true,
		},
		{
			name: "http JWKS URL redirecting to https: followed (no downgrade)",
			start: func(t *testing.T) string {
				srv := httptest.NewServer(http.RedirectHandler(keysTLS.URL+"/keys", http.StatusFound))
				t.Cleanup(srv.Close)
				return srv.URL + "/jwks"
			},
			ok: true, plainFetch: true,
		},
		{
			name: "a CheckRedirect of the user's client still decides the redirects it is asked about",
			start: func(t *testing.T) string {
				r, _ := redirector(t, func() string { return keysTLS.URL + "/keys" })
				return r.URL + "/jwks"
			},
			userCheck: func(*http.Request, []*http.Request) error { userChecks.Add(1); return errors.New("no redirects here") },
		},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before := plain.hits.Load()
			client := keysTLS.Client() // trusts the test certificate every httptest TLS server shares
			client.CheckRedirect = row.userCheck
			checksBefore := userChecks.Load()
			startGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: row.start(t)}}, JWKS: JWKSOptions{HTTPClient: client}}, row.ok, known)
			if !row.plainFetch && plain.hits.Load() != before {
				t.Error("the plain-HTTP key server was reached")
			}
			if row.userCheck != nil && userChecks.Load() == checksBefore {
				t.Error("the user's CheckRedirect was not consulted")
			}
			if client.CheckRedirect == nil && row.userCheck == nil {
				return
			}
			if fmt.Sprintf("%p", client.CheckRedirect) != fmt.Sprintf("%p", row.userCheck) {
				t.Error("the user's client was changed")
			}
		})
	}

	t.Run("the gate's own client refuses a redirect from https to http", func(t *testing.T) {
		g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: plain.URL}}})
		check := g.caches[0].client.CheckRedirect
		if check == nil {
			t.Fatal("the default client follows every redirect")
		}
		from, _ := http.NewRequest(http.MethodGet, "https://keys.example/jwks", nil)
		to, _ := http.NewRequest(http.MethodGet, "http://keys.example/jwks", nil)
		if err := check(to, []*http.Request{from}); err == nil {
			t.Error("a redirect from https to http is followed")
		}
		up, _ := http.NewRequest(http.MethodGet, "https://cdn.example/jwks", nil)
		if err := check(up, []*http.Request{from}); err != nil {
			t.Errorf("a redirect from https to https on another host is refused: %v", err)
		}
	})
}

func TestJWKSDiscoveryFromHTTPSIssuerRequiresHTTPSJWKSURI(t *testing.T) {
	k := testKeys()
	plain := newKeyServer(t, oneKeyJWKS())
	keysTLS := tlsKeyServer(t, func(*http.Request) string { return oneKeyJWKS() })
	rows := []struct {
		name    string
		jwksURI string
		ok      bool
	}{
		{"https issuer naming an http jwks_uri: refused, the plain-HTTP keys are never fetched", plain.URL + "/keys", false},
		{"https issuer naming an HTTP jwks_uri in upper case: refused", strings.Replace(plain.URL, "http://", "HTTP://", 1) + "/keys", false},
		{"https issuer naming an https jwks_uri on another host: accepted", keysTLS.URL + "/keys", true},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var issuer string
			srv := tlsKeyServer(t, func(r *http.Request) string {
				return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, issuer, row.jwksURI)
			})
			issuer = srv.URL
			before := plain.hits.Load()
			tok := sign(t, "ES256", "ec-1", k.ec256, claimsFor(issuer), nil)
			startGate(t, Config{Issuers: []Issuer{{Name: issuer, Discovery: true}}, JWKS: JWKSOptions{HTTPClient: srv.Client()}}, row.ok, tok)
			if plain.hits.Load() != before {
				t.Error("the plain-HTTP jwks_uri was fetched")
			}
		})
	}
}

package devissuer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// TestHandlerTokenParameters pins what /token reads besides sub and ttl:
// audiences and extra claims, and the claims it refuses to take from a caller.
func TestHandlerTokenParameters(t *testing.T) {
	iss := startIssuer(t, devissuer.Config{Audience: []string{"default-aud"}})
	g := newGate(t, core.Config{Issuers: []core.Issuer{iss.CoreIssuer()}})
	rows := []struct {
		name   string
		query  url.Values
		status int
		aud    []string
		claims map[string]any
	}{
		{"no aud: the issuer's default audience", url.Values{"sub": {"alice"}}, 200, []string{"default-aud"}, nil},
		{"aud given once: that audience", url.Values{"aud": {"orders"}}, 200, []string{"orders"}, nil},
		{"aud repeated: every audience", url.Values{"aud": {"orders", "billing"}}, 200, []string{"orders", "billing"}, nil},
		{"claims JSON object: merged into the token", url.Values{"claims": {`{"role":"admin","tier":2}`}}, 200, []string{"default-aud"}, map[string]any{"role": "admin", "tier": float64(2)}},
		{"claims that is not JSON: 400", url.Values{"claims": {"role=admin"}}, 400, nil, nil},
		{"claims that is a JSON array: 400", url.Values{"claims": {`["admin"]`}}, 400, nil, nil},
		{"claims that is JSON null: 400", url.Values{"claims": {`null`}}, 400, nil, nil},
		{"an empty aud: 400", url.Values{"aud": {""}}, 400, nil, nil},
		{"claims setting sub: 400", url.Values{"claims": {`{"sub":"root"}`}}, 400, nil, nil},
		{"claims setting iss: 400", url.Values{"claims": {`{"iss":"https://evil.example"}`}}, 400, nil, nil},
		{"claims setting aud: 400", url.Values{"claims": {`{"aud":"x"}`}}, 400, nil, nil},
		{"claims setting exp: 400", url.Values{"claims": {`{"exp":4102444800}`}}, 400, nil, nil},
		{"claims setting iat: 400", url.Values{"claims": {`{"iat":0}`}}, 400, nil, nil},
		{"claims setting nbf: 400", url.Values{"claims": {`{"nbf":0}`}}, 400, nil, nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			resp := get(t, iss.URL()+"/token?"+row.query.Encode())
			var body struct{ Token, Error string }
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != row.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body.Error, row.status)
			}
			if row.status != 200 {
				if body.Error == "" {
					t.Error("a 400 without an error text")
				}
				return
			}
			s, err := g.Verify(body.Token, core.SourceAuthorization)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Audience, row.aud) {
				t.Errorf("aud %q, want %q", s.Audience, row.aud)
			}
			for k, v := range row.claims {
				if s.Claims()[k] != v {
					t.Errorf("claim %s = %v, want %v", k, s.Claims()[k], v)
				}
			}
		})
	}
}

// TestHandlerTokenCORS: only the configured origins may read /token's answer
// from a page; everyone else gets no Access-Control-Allow-Origin.
func TestHandlerTokenCORS(t *testing.T) {
	iss := startIssuer(t, devissuer.Config{CORSOrigins: []string{"http://www.example.test:9012", "HTTPS://App.Example.test:443"}})
	rows := []struct {
		name, origin, want string
	}{
		{"a configured origin: allowed", "http://www.example.test:9012", "http://www.example.test:9012"},
		{"a configured origin written with case and default port: allowed as browsers send it", "https://app.example.test", "https://app.example.test"},
		{"the same host on another port: not allowed", "http://www.example.test:9013", ""},
		{"another site: not allowed", "https://evil.example", ""},
		{"no Origin (curl): no CORS header", "", ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, iss.URL()+"/token?sub=alice", nil)
			if row.origin != "" {
				req.Header.Set("Origin", row.origin)
			}
			resp, err := diClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != row.want || resp.StatusCode != 200 {
				t.Errorf("status %d, Access-Control-Allow-Origin %q, want %q", resp.StatusCode, got, row.want)
			}
			if !slices.Contains(resp.Header.Values("Vary"), "Origin") {
				t.Error("no Vary: Origin; a cache could serve one origin's answer to another")
			}
		})
	}
	for _, bad := range []string{"*", "http://*.example.test", "www.example.test", "http://www.example.test/app", "http://user@www.example.test"} {
		t.Run("CORSOrigins "+bad+": refused by New", func(t *testing.T) {
			_, err := devissuer.New(devissuer.Config{Issuer: "http://127.0.0.1:1", CORSOrigins: []string{bad}})
			if err == nil || !strings.Contains(err.Error(), "CORSOrigins[0]") {
				t.Errorf("New: %v, want an error naming CORSOrigins[0]", err)
			}
		})
	}
}

// TestConfigKey: an issuer given a key keeps its key ID, so tokens minted
// before a restart verify against the JWKS served after it.
func TestConfigKey(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	before := startIssuer(t, devissuer.Config{Key: key})
	tok, err := before.Mint(devissuer.Claims{Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	// The same key in a new issuer, as after a restart.
	after, err := devissuer.New(devissuer.Config{Key: key, Issuer: before.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if before.KeyID() != after.KeyID() {
		t.Fatalf("key IDs %q and %q differ for one key", before.KeyID(), after.KeyID())
	}
	g := newGate(t, core.Config{Issuers: []core.Issuer{{Name: before.URL(), JWKS: string(after.JWKS())}}})
	if s, err := g.Verify(tok, core.SourceAuthorization); err != nil || s.Subject != "alice" {
		t.Errorf("a token minted before the restart: %v", err)
	}

	fresh := startIssuer(t, devissuer.Config{})
	if fresh.KeyID() == before.KeyID() {
		t.Error("a fresh key has the given key's ID")
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := devissuer.New(devissuer.Config{Issuer: "http://127.0.0.1:1", Key: p384}); err == nil || !strings.Contains(err.Error(), "P-256") {
		t.Errorf("New with a P-384 key: %v, want an error naming P-256", err)
	}
}

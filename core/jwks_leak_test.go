package core

import (
	"fmt"
	"net/http"
	"testing"

	"go.uber.org/goleak"
)

// TestJWKSCloseLeavesNoGoroutine: after Close, nothing a gate started is
// still running: no refresher, no fetch, and no keep-alive connection of
// the gate's own HTTP client. The key servers are still up when goleak
// looks, so a connection the gate left open would still be there.
func TestJWKSCloseLeavesNoGoroutine(t *testing.T) {
	k := testKeys()
	rows := []struct {
		name string
		// cfg builds the configuration on the given servers; use drives the
		// gate between New and Close.
		cfg      func(up, down *keyServer) Config
		use      func(t *testing.T, g *Gate)
		newFails bool
	}{
		{
			name: "JWKS and discovery issuers, built, used and closed: no goroutine left",
			cfg: func(up, _ *keyServer) Config {
				up.set(func(s *keyServer) {
					s.paths = map[string]string{"/.well-known/openid-configuration": fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, up.URL, up.URL+"/keys")}
				})
				return Config{Issuers: []Issuer{{Name: issA, JWKSURL: up.URL}, {Name: up.URL, Discovery: true}}}
			},
			use: func(t *testing.T, g *Gate) {
				// An unknown kid makes a request fetch on demand, on a
				// connection that then idles in the gate's client.
				verifyVia(g, tokenWithKid(t, "x-1", k.attacker))
				if err := verifyVia(g, tokenWithKid(t, "ec-1", k.ec256)); err != nil {
					t.Errorf("known key: %v", err)
				}
			},
		},
		{
			name: "AllowStartWithoutKeys against a failing server, refresher retrying, closed: no goroutine left",
			cfg: func(_, down *keyServer) Config {
				return Config{Issuers: []Issuer{{Name: issA, JWKSURL: down.URL}}, JWKS: JWKSOptions{AllowStartWithoutKeys: true}}
			},
		},
		{
			name:     "New failing at the second issuer's failing JWKS after the first one fetched: no goroutine left",
			newFails: true,
			cfg: func(up, down *keyServer) Config {
				return Config{Issuers: []Issuer{{Name: issA, JWKSURL: up.URL}, {Name: issB, JWKSURL: down.URL}}}
			},
		},
		{
			name:     "New failing on a bad issuer after a JWKS issuer was bound: no goroutine left",
			newFails: true,
			cfg: func(up, _ *keyServer) Config {
				return Config{Issuers: []Issuer{{Name: issA, JWKSURL: up.URL}, {Name: issB, JWKSURL: "ftp://keys.example"}}}
			},
		},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			up := newKeyServer(t, oneKeyJWKS())
			down := newKeyServer(t, "down")
			down.set(func(s *keyServer) { s.status = http.StatusServiceUnavailable })
			// Goroutines of other tests and of the two servers are not the gate's.
			ignore := []goleak.Option{goleak.IgnoreCurrent(), goleak.IgnoreAnyFunction("net/http.(*conn).serve")}

			cfg := row.cfg(up, down)
			cfg.Clock, cfg.Logger = fixedClock, quietLogger
			g, err := New(cfg)
			if row.newFails {
				if err == nil {
					g.Close()
					t.Fatal("New succeeded; want it to fail")
				}
			} else {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if row.use != nil {
					row.use(t, g)
				}
				g.Close()
			}
			goleak.VerifyNone(t, ignore...)
		})
	}
}

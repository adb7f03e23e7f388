package tests

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// TestDPoPInteropJWX: proofs minted by a third-party library
// (lestrrat-go/jwx v3) pass the gate behind sessionhttp, for every default
// algorithm, with the token bound to jwx's own RFC 7638 thumbprint of the
// key, so the gate's thumbprint is jwx's; the same proof sent again is a
// replay, and a jwx proof for another path is refused.
func TestDPoPInteropJWX(t *testing.T) {
	const external = "https://api.example.test"
	iss, err := devissuer.New(devissuer.Config{Issuer: "https://issuer.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	gate, err := core.New(core.Config{
		Issuers: []core.Issuer{{Name: iss.URL(), JWKS: string(iss.JWKS())}},
		DPoP:    core.DPoPConfig{URLs: []string{external}, Mode: core.DPoPRequired},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gate.Close() })
	mw, err := sessionhttp.New(gate, sessionhttp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionhttp.FromRequest(r)
		io.WriteString(w, s.Subject+" "+s.KeyBinding)
	})))
	t.Cleanup(srv.Close)

	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, c := range []struct {
		alg jwa.SignatureAlgorithm
		key crypto.Signer
	}{{jwa.ES256(), ec}, {jwa.EdDSA(), ed}, {jwa.RS256(), rs}, {jwa.PS256(), rs}} {
		t.Run(c.alg.String(), func(t *testing.T) {
			priv, err := jwk.Import(c.key)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := jwk.PublicKeyOf(priv)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := pub.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			jkt := base64.RawURLEncoding.EncodeToString(sum)
			tok, err := iss.Mint(devissuer.Claims{Subject: "alice", Extra: map[string]any{"cnf": map[string]any{"jkt": jkt}}})
			if err != nil {
				t.Fatal(err)
			}
			mint := func(path string) string {
				t.Helper()
				ath := sha256.Sum256([]byte(tok))
				claims, err := jwt.NewBuilder().JwtID(rand.Text()).IssuedAt(time.Now()).
					Claim("htm", "POST").Claim("htu", external+path).
					Claim("ath", base64.RawURLEncoding.EncodeToString(ath[:])).Build()
				if err != nil {
					t.Fatal(err)
				}
				h := jws.NewHeaders()
				h.Set(jws.TypeKey, "dpop+jwt")
				h.Set(jws.JWKKey, pub)
				signed, err := jwt.Sign(claims, jwt.WithKey(c.alg, priv, jws.WithProtectedHeaders(h)))
				if err != nil {
					t.Fatal(err)
				}
				return string(signed)
			}
			send := func(proof string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest("POST", srv.URL+"/orders?page=2", nil)
				req.Header.Set("Authorization", "DPoP "+tok)
				req.Header.Set("DPoP", proof)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			proof := mint("/orders")
			if code, body := send(proof); code != 200 || body != "alice "+jkt {
				t.Fatalf("a jwx proof answered %d %q, want 200 for alice bound to jwx's thumbprint %s", code, body, jkt)
			}
			if code, _ := send(proof); code != 401 {
				t.Errorf("the same jwx proof again answered %d, want 401 (replay)", code)
			}
			if code, _ := send(mint("/other")); code != 401 {
				t.Errorf("a jwx proof for another path answered %d, want 401", code)
			}
		})
	}
}

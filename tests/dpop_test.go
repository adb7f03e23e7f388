package tests

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/sessiongate/sessiongate/core/dpop"
)

// dpopSigners are one key of every type core/dpop signs with.
func dpopSigners(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"EC P-256": ec, "EC P-384": ec384, "OKP Ed25519": ed, "RSA": rs}
}

// TestDPoPProofsVerifyWithJWX: lestrrat-go/jwx reads every core/dpop
// proof as a dpop+jwt whose signature verifies with the public jwk of its
// own header, and computes the same RFC 7638 thumbprint for that jwk as
// Key.Thumbprint (the cnf.jkt a server compares).
func TestDPoPProofsVerifyWithJWX(t *testing.T) {
	for name, signer := range dpopSigners(t) {
		algs := []string{""}
		if name == "RSA" {
			algs = []string{dpop.PS256, dpop.RS256}
		}
		for _, alg := range algs {
			t.Run(name+" "+alg, func(t *testing.T) {
				key, err := dpop.KeyFromSigner(signer, alg)
				if err != nil {
					t.Fatal(err)
				}
				proof, err := key.Proof("PUT", "https://api.example/orders/7?x=1", "access-token", "nonce-1")
				if err != nil {
					t.Fatal(err)
				}
				msg, err := jws.Parse([]byte(proof))
				if err != nil || len(msg.Signatures()) != 1 {
					t.Fatalf("jwx cannot parse the proof: %v", err)
				}
				h := msg.Signatures()[0].ProtectedHeaders()
				typ, _ := h.Type()
				hdrAlg, _ := h.Algorithm()
				pub, ok := h.JWK()
				if typ != "dpop+jwt" || !ok || hdrAlg.String() != key.Alg() {
					t.Fatalf("header: typ %q, alg %v, jwk present %v; want dpop+jwt, %s, a jwk", typ, hdrAlg, ok, key.Alg())
				}
				if _, isPrivate := pub.(interface{ D() ([]byte, bool) }); isPrivate {
					t.Fatalf("the header's jwk is a private key (%T)", pub)
				}
				payload, err := jws.Verify([]byte(proof), jws.WithKey(hdrAlg, pub))
				if err != nil {
					t.Fatalf("jwx: the signature does not verify with the header's jwk: %v", err)
				}
				var c map[string]any
				if err := json.Unmarshal(payload, &c); err != nil || c["htu"] != "https://api.example/orders/7" || c["htm"] != "PUT" || c["nonce"] != "nonce-1" {
					t.Fatalf("claims %v (%v): want htm PUT, htu without query, the nonce", c, err)
				}
				if tp := jwxThumbprint(t, pub); tp != key.Thumbprint() {
					t.Fatalf("jwx thumbprint of the header's jwk %q, Key.Thumbprint %q", tp, key.Thumbprint())
				}
				imported, err := jwk.Import(signer.Public())
				if err != nil {
					t.Fatal(err)
				}
				if tp := jwxThumbprint(t, imported); tp != key.Thumbprint() {
					t.Fatalf("jwx thumbprint of the public key %q, Key.Thumbprint %q", tp, key.Thumbprint())
				}
				if tp, err := dpop.Thumbprint(signer.Public()); err != nil || tp != key.Thumbprint() {
					t.Fatalf("dpop.Thumbprint = %q, %v; want %q", tp, err, key.Thumbprint())
				}
			})
		}
	}
}

func jwxThumbprint(t *testing.T, k jwk.Key) string {
	t.Helper()
	sum, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}

package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// testKeys are generated once per test binary: RSA key generation is slow.
var testKeys = sync.OnceValue(func() map[string]crypto.Signer {
	must := func(k crypto.Signer, err error) crypto.Signer {
		if err != nil {
			panic(err)
		}
		return k
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return map[string]crypto.Signer{
		"P-256":    must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)),
		"P-384":    must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)),
		"P-521":    must(ecdsa.GenerateKey(elliptic.P521(), rand.Reader)),
		"P-224":    must(ecdsa.GenerateKey(elliptic.P224(), rand.Reader)),
		"Ed25519":  ed,
		"RSA-2048": must(rsa.GenerateKey(rand.Reader, 2048)),
		"RSA-1024": must(rsa.GenerateKey(rand.Reader, 1024)),
	}
})

// opaqueSigner hides the concrete key type, as a hardware module's
// crypto.Signer does.
type opaqueSigner struct{ crypto.Signer }

func TestKeyFromSignerPicksTheAlgorithm(t *testing.T) {
	keys := testKeys()
	cases := []struct {
		name, key, alg, want string
	}{
		{"P-256 signs ES256 by default", "P-256", "", ES256},
		{"P-384 signs ES384", "P-384", "", ES384},
		{"P-521 signs ES512", "P-521", "", ES512},
		{"Ed25519 signs EdDSA", "Ed25519", "", EdDSA},
		{"RSA signs PS256 by default", "RSA-2048", "", PS256},
		{"RSA signs RS256 when asked", "RSA-2048", RS256, RS256},
		{"RSA with PS256 named explicitly", "RSA-2048", PS256, PS256},
		{"P-256 with ES256 named explicitly", "P-256", ES256, ES256},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range []crypto.Signer{keys[tc.key], opaqueSigner{keys[tc.key]}} {
				k, err := KeyFromSigner(s, tc.alg)
				if err != nil {
					t.Fatalf("KeyFromSigner(%T, %q): %v", s, tc.alg, err)
				}
				if k.Alg() != tc.want {
					t.Fatalf("Alg() = %q, want %q", k.Alg(), tc.want)
				}
			}
		})
	}
}

func TestKeyFromSignerRefusesUnusableKeys(t *testing.T) {
	keys := testKeys()
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name   string
		signer crypto.Signer
		alg    string
	}{
		{"nil signer", nil, ""},
		{"RSA under 2048 bits", keys["RSA-1024"], ""},
		{"curve P-224", keys["P-224"], ""},
		{"ES256 asked of an RSA key", keys["RSA-2048"], ES256},
		{"RS256 asked of an EC key", keys["P-256"], RS256},
		{"ES384 asked of a P-256 key", keys["P-256"], ES384},
		{"a symmetric algorithm", keys["P-256"], "HS256"},
		{"alg none", keys["Ed25519"], "none"},
		{"a truncated Ed25519 public key", badPublic{edPriv, ed25519.PublicKey(make([]byte, 31))}, ""},
		{"an unsupported key type", badPublic{edPriv, "not a key"}, ""},
		{"a nil *ecdsa.PublicKey", badPublic{edPriv, (*ecdsa.PublicKey)(nil)}, ""},
		{"a nil *rsa.PublicKey", badPublic{edPriv, (*rsa.PublicKey)(nil)}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := KeyFromSigner(tc.signer, tc.alg)
			if !errors.Is(err, ErrKey) || k != nil {
				t.Fatalf("KeyFromSigner = %v, %v; want nil, ErrKey", k, err)
			}
		})
	}
}

// badPublic is a signer whose Public returns pub.
type badPublic struct {
	crypto.Signer
	pub crypto.PublicKey
}

func (b badPublic) Public() crypto.PublicKey { return b.pub }

func TestNewKeyIsAFreshP256Key(t *testing.T) {
	a, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if a.Alg() != ES256 {
		t.Fatalf("NewKey().Alg() = %q, want ES256", a.Alg())
	}
	if pub, ok := a.Public().(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Fatalf("NewKey().Public() = %T, want a P-256 *ecdsa.PublicKey", a.Public())
	}
	if a.Thumbprint() == b.Thumbprint() {
		t.Fatal("two NewKey calls gave the same key")
	}
}

// TestThumbprintMatchesGoJose: the RFC 7638 thumbprint of every key type
// is the one go-jose computes, and Key.Thumbprint agrees with Thumbprint.
func TestThumbprintMatchesGoJose(t *testing.T) {
	for _, name := range []string{"P-256", "P-384", "P-521", "Ed25519", "RSA-2048"} {
		t.Run(name, func(t *testing.T) {
			s := testKeys()[name]
			raw, err := (&jose.JSONWebKey{Key: s.Public()}).Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			want := base64.RawURLEncoding.EncodeToString(raw)
			got, err := Thumbprint(s.Public())
			if err != nil || got != want {
				t.Fatalf("Thumbprint = %q, %v; go-jose says %q", got, err, want)
			}
			k, err := KeyFromSigner(s, "")
			if err != nil {
				t.Fatal(err)
			}
			if k.Thumbprint() != want {
				t.Fatalf("Key.Thumbprint() = %q, want %q", k.Thumbprint(), want)
			}
			var parsed jose.JSONWebKey
			if err := parsed.UnmarshalJSON(k.PublicJWK()); err != nil || !parsed.IsPublic() {
				t.Fatalf("PublicJWK() %s does not parse as a public JWK: %v", k.PublicJWK(), err)
			}
		})
	}
}

// TestThumbprintRFC7638Example is the worked example of RFC 7638 §3.1.
func TestThumbprintRFC7638Example(t *testing.T) {
	const n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	nb, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		t.Fatal(err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: 65537}
	got, err := Thumbprint(pub)
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; err != nil || got != want {
		t.Fatalf("Thumbprint(RFC 7638 §3.1 key) = %q, %v; want %q", got, err, want)
	}
}

func TestThumbprintRefusesUnsupportedKeys(t *testing.T) {
	for _, pub := range []crypto.PublicKey{nil, "x", testKeys()["P-224"].Public(), testKeys()["RSA-1024"].Public()} {
		if tp, err := Thumbprint(pub); !errors.Is(err, ErrKey) || tp != "" {
			t.Errorf("Thumbprint(%T) = %q, %v; want ErrKey", pub, tp, err)
		}
	}
}

package bench

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/sessiongate/sessiongate/core"
)

// dpopClient is a client's proof key and the JWK (RFC 7638 member order,
// so its JSON is also the thumbprint's input) a proof carries.
type dpopClient struct {
	alg  string
	key  any
	jwk  string
	meth jwt.SigningMethod
}

func newDPoPClient(alg string) dpopClient {
	enc := base64.RawURLEncoding.EncodeToString
	if alg == "EdDSA" {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		return dpopClient{alg, priv, `{"crv":"Ed25519","kty":"OKP","x":"` + enc(pub) + `"}`, jwt.SigningMethodEdDSA}
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, _ := k.PublicKey.Bytes()
	return dpopClient{alg, k, `{"crv":"P-256","kty":"EC","x":"` + enc(b[1:33]) + `","y":"` + enc(b[33:]) + `"}`, jwt.SigningMethodES256}
}

func (c dpopClient) thumbprint() string {
	sum := sha256.Sum256([]byte(c.jwk))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// proofs signs n proofs of GET https://api.bench.example/me for tok.
func (c dpopClient) proofs(tb testing.TB, tok string, n int) []string {
	ath := sha256.Sum256([]byte(tok))
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"dpop+jwt","alg":"` + c.alg + `","jwk":` + c.jwk + `}`))
	out := make([]string, n)
	for i := range out {
		claims, _ := json.Marshal(map[string]any{
			"jti": strconv.Itoa(i) + "-" + rand.Text(), "htm": "GET", "htu": "https://" + Host + "/me",
			"iat": time.Now().Unix(), "ath": base64.RawURLEncoding.EncodeToString(ath[:]),
		})
		input := h + "." + base64.RawURLEncoding.EncodeToString(claims)
		sig, err := c.meth.Sign(input, c.key)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = input + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	return out
}

// dpopGate is a gate of ES256 tokens (issuer and audience checked) with
// DPoP at https://api.bench.example and the default in-memory replay cache.
func dpopGate(tb testing.TB, uncached bool) *core.Gate {
	k := KeyFor("ES256")
	g, err := core.New(core.Config{
		Issuers:    []core.Issuer{{Name: Issuer, PublicKeyPEM: k.PEM}},
		Algorithms: []string{"ES256"},
		Audiences:  []string{Audience},
		DPoP:       core.DPoPConfig{URLs: []string{"https://" + Host}},
		// The uncached reference verifies the token's signature each time.
		DisableTokenCache: uncached,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { g.Close() })
	return g
}

// BenchmarkDPoP is the cost of a DPoP check in core, beside the cached
// bearer check it adds to: the access token (ES256) comes from the token
// cache either way; each DPoP request carries a fresh proof (signed before
// the timer starts), whose signature, claims, thumbprint and jti (in the
// in-memory replay cache) are checked.
//
// bearer-uncached is the reference for one signature check: a DPoP request
// costs about one more than a cached bearer one, as the proof must be
// verified every time.
func BenchmarkDPoP(b *testing.B) {
	for _, name := range []string{"bearer-cached", "bearer-uncached"} {
		b.Run(name, func(b *testing.B) {
			g := dpopGate(b, name == "bearer-uncached")
			r := httptest.NewRequest(http.MethodGet, "http://"+Host+"/me", nil)
			r.Header.Set("Authorization", "Bearer "+Token("ES256", time.Minute))
			if d := g.Check(core.HTTPRequest(r), core.CheckOptions{}); d.Err != nil {
				b.Fatal(d.Err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if d := g.Check(core.HTTPRequest(r), core.CheckOptions{}); d.Err != nil {
					b.Fatal(d.Err)
				}
			}
		})
	}
	for _, alg := range []string{"ES256", "EdDSA"} {
		b.Run("dpop-proof-"+alg, func(b *testing.B) {
			g, c := dpopGate(b, false), newDPoPClient(alg)
			tok := Token("ES256", time.Minute, func(m jwt.MapClaims) { m["cnf"] = map[string]any{"jkt": c.thumbprint()} })
			proofs := c.proofs(b, tok, b.N+1)
			r := httptest.NewRequest(http.MethodGet, "http://"+Host+"/me", nil)
			r.Header.Set("Authorization", "DPoP "+tok)
			r.Header["Dpop"] = []string{proofs[b.N]}
			if d := g.Check(core.HTTPRequest(r), core.CheckOptions{}); d.Err != nil { // fills the token cache
				b.Fatal(d.Err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				r.Header["Dpop"][0] = proofs[i]
				if d := g.Check(core.HTTPRequest(r), core.CheckOptions{}); d.Err != nil {
					b.Fatal(d.Err)
				}
			}
		})
	}
}

// BenchmarkMemoryReplayCache is one UseOnce of a new key, from every core
// at once, in a steady state where keys expire (and are swept) as fast as
// they arrive.
func BenchmarkMemoryReplayCache(b *testing.B) {
	c := core.NewMemoryReplayCache(0, nil)
	until := time.Now().Add(100 * time.Millisecond)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var k [32]byte
		rand.Read(k[:])
		for i := uint64(0); pb.Next(); i++ {
			k[1], k[2], k[3], k[4] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
			c.UseOnce(b.Context(), k, until)
		}
	})
}

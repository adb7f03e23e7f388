package core

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// The DPoP tests' helpers: client keys, proofs and bound tokens.

// apiURL is the external URL the DPoP tests configure (DPoP.URLs).
const apiURL = "https://api.a.example"

// dpopKeys are the clients' proof keys.
var dpopKeys = sync.OnceValue(func() struct{ client, other *ecdsa.PrivateKey } {
	a, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	b, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return struct{ client, other *ecdsa.PrivateKey }{a, b}
})

// jwkMap is the public (or, with private, the whole) JWK of priv as a
// JSON object.
func jwkMap(t testing.TB, priv any, private bool) map[string]any {
	t.Helper()
	k := priv
	if !private {
		k = publicOf(priv)
	}
	b, err := json.Marshal(jose.JSONWebKey{Key: k})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// thumbprintOf is the RFC 7638 SHA-256 thumbprint of priv's public key,
// base64url: cnf.jkt.
func thumbprintOf(t testing.TB, priv any) string {
	t.Helper()
	jwk := jose.JSONWebKey{Key: publicOf(priv)}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}

// athOf is the ath of tok.
func athOf(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// boundToken is a valid token of issuer A (ES256, testKeys().ec256) bound
// to priv's key.
func boundToken(t testing.TB, priv any, mods ...func(jwt.MapClaims)) string {
	t.Helper()
	mods = append([]func(jwt.MapClaims){withClaim("cnf", map[string]any{"jkt": thumbprintOf(t, priv)})}, mods...)
	return sign(t, "ES256", "", testKeys().ec256, claimsFor(issA, mods...), nil)
}

var jtiSeq atomic.Int64

// proofFor is a valid proof for method and htu carrying tok's ath, signed
// by priv (ES256 unless alg says otherwise), at testNow; mods change the
// header and claim set (a nil value removes a member).
func proofFor(t testing.TB, priv any, alg, method, htu, tok string, mods ...func(h, c map[string]any)) string {
	t.Helper()
	if alg == "" {
		alg = "ES256"
	}
	h := map[string]any{"typ": "dpop+jwt", "alg": alg, "jwk": jwkMap(t, priv, false)}
	c := map[string]any{
		"jti": "jti-" + strconv.FormatInt(jtiSeq.Add(1), 10), "htm": method, "htu": htu,
		"iat": testNow.Unix(), "ath": athOf(tok),
	}
	for _, m := range mods {
		m(h, c)
	}
	return signRaw(t, alg, priv, h, c)
}

// signRaw signs the header and claim set as given.
func signRaw(t testing.TB, alg string, key any, h, c map[string]any) string {
	t.Helper()
	for _, m := range []map[string]any{h, c} {
		for k, v := range m {
			if v == nil {
				delete(m, k)
			}
		}
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	m := jwt.GetSigningMethod(alg)
	if m == nil || alg == "none" {
		return input + ".c2ln" // alg none and the like: any signature
	}
	sig, err := m.Sign(input, key)
	if err != nil {
		t.Fatalf("signing a %s proof: %v", alg, err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// header sets header member k; claim sets claim k (nil removes it).
func header(k string, v any) func(h, c map[string]any) { return func(h, _ map[string]any) { h[k] = v } }
func claim(k string, v any) func(h, c map[string]any)  { return func(_, c map[string]any) { c[k] = v } }

// dpopRequest is a request for target (on apiURL unless absolute) with
// "Authorization: DPoP tok" and one DPoP header per proof.
func dpopRequest(method, target, tok string, proofs ...string) Request {
	if target[0] == '/' {
		target = apiURL + target
	}
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Authorization", "DPoP "+tok)
	r.Header["Dpop"] = proofs
	return HTTPRequest(r)
}

// dpopConfig is a gate of issuer A accepting DPoP at apiURL.
func dpopConfig(mods ...func(*Config)) Config {
	cfg := Config{
		Issuers:     []Issuer{{Name: issA, PublicKeyPEM: pemOf(testKeys().ec256)}},
		CookieNames: []string{"sid"},
		DPoP:        DPoPConfig{URLs: []string{apiURL}},
	}
	for _, m := range mods {
		m(&cfg)
	}
	return cfg
}

// failingReplay is a ReplayCache whose store is down.
type failingReplay struct{}

func (failingReplay) UseOnce(_ context.Context, _ [32]byte, _ time.Time) (bool, error) {
	return false, errors.New("replay store unreachable")
}

package bench

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/sessiongate/sessiongate/core"
)

// The claims every token carries and every middleware checks (where the
// middleware can: see Peer.Checks).
const (
	Issuer   = "https://issuer.bench.example"
	Audience = "https://api.bench.example"
	Host     = "api.bench.example"
	Cookie   = "sid"
)

// Algs are the algorithms measured.
var Algs = []string{"ES256", "RS256", "EdDSA", "HS256"}

// Transports are the ways a token arrives: an Authorization header, a
// cookie among others, the session cookie twice (an older domain's copy
// beside the current one, which sessiongate clears).
var Transports = []string{"bearer", "cookie", "dupcookie"}

// Key is one algorithm's signing key and what a verifier needs of it.
type Key struct {
	Alg     string
	Method  jwt.SigningMethod
	Private any    // signs
	Public  any    // verifies (the secret for HS256)
	PEM     string // Public as PEM; "" for HS256
	Secret  []byte // HS256 only
}

// KeysEnv names the environment variable through which a load test's
// server process gets the client's keys (PKCS #8 PEM, see ExportKeys).
const KeysEnv = "SESSIONGATE_BENCH_KEYS"

var keys = sync.OnceValue(func() map[string]*Key {
	if pemKeys := os.Getenv(KeysEnv); pemKeys != "" {
		return importKeys(pemKeys)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	return keySet(ec, rs, ed)
})

// keySet describes the signing keys of every algorithm.
func keySet(ec *ecdsa.PrivateKey, rs *rsa.PrivateKey, ed ed25519.PrivateKey) map[string]*Key {
	secret := []byte("a-benchmark-hmac-secret-of-32-bytes-or-more")
	out := map[string]*Key{
		"ES256": {Alg: "ES256", Method: jwt.SigningMethodES256, Private: ec, Public: &ec.PublicKey},
		"RS256": {Alg: "RS256", Method: jwt.SigningMethodRS256, Private: rs, Public: &rs.PublicKey},
		"EdDSA": {Alg: "EdDSA", Method: jwt.SigningMethodEdDSA, Private: ed, Public: ed.Public()},
		"HS256": {Alg: "HS256", Method: jwt.SigningMethodHS256, Private: secret, Public: secret, Secret: secret},
	}
	for _, k := range out {
		if k.Secret != nil {
			continue
		}
		der, err := x509.MarshalPKIXPublicKey(k.Public)
		if err != nil {
			panic(err)
		}
		k.PEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	return out
}

// ExportKeys returns this process's ES256, RS256 and EdDSA private keys as
// PKCS #8 PEM, for KeysEnv: throwaway keys, made for one benchmark run.
func ExportKeys() string {
	var out []byte
	for _, alg := range []string{"ES256", "RS256", "EdDSA"} {
		der, err := x509.MarshalPKCS8PrivateKey(KeyFor(alg).Private)
		if err != nil {
			panic(err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	}
	return string(out)
}

// importKeys reads what ExportKeys wrote.
func importKeys(data string) map[string]*Key {
	var privs []any
	for rest := []byte(data); ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			panic(err)
		}
		privs = append(privs, k)
	}
	return keySet(privs[0].(*ecdsa.PrivateKey), privs[1].(*rsa.PrivateKey), privs[2].(ed25519.PrivateKey))
}

// KeyFor returns the key of alg, generated once per process.
func KeyFor(alg string) *Key { return keys()[alg] }

// Token signs a session token of alg, issued age ago and valid for an hour.
func Token(alg string, age time.Duration, mods ...func(jwt.MapClaims)) string {
	k := KeyFor(alg)
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": Issuer, "aud": Audience, "sub": "alice", "jti": fmt.Sprint(now.UnixNano()),
		"iat": now.Add(-age).Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for _, m := range mods {
		m(claims)
	}
	tok, err := jwt.NewWithClaims(k.Method, claims).SignedString(k.Private)
	if err != nil {
		panic(err)
	}
	return tok
}

// Request builds the request of transport carrying tokens of alg: one
// token, or for dupcookie two of the same user (the older copy second).
func Request(alg, transport string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://"+Host+"/me", nil)
	tok := Token(alg, time.Minute)
	switch transport {
	case "bearer":
		r.Header.Set("Authorization", "Bearer "+tok)
	case "cookie":
		r.Header.Set("Cookie", "theme=dark; "+Cookie+"="+tok+"; lang=en")
	case "dupcookie":
		r.Header.Set("Cookie", Cookie+"="+tok+"; "+Cookie+"="+Token(alg, 2*time.Minute))
	}
	return r
}

// Gate returns a sessiongate gate that verifies alg's tokens (issuer and
// audience checked), reads the session cookie, and clears its older copy
// on api.bench.example; uncached turns the verified-token cache off.
func Gate(alg string, uncached bool) (*core.Gate, error) {
	k := KeyFor(alg)
	iss := core.Issuer{Name: Issuer, PublicKeyPEM: k.PEM, HMACSecret: k.Secret}
	return core.New(core.Config{
		Issuers:           []core.Issuer{iss},
		Algorithms:        []string{alg},
		Audiences:         []string{Audience},
		CookieNames:       []string{Cookie},
		CookieDomain:      "bench.example",
		OlderCookieDomain: Host,
		DisableTokenCache: uncached,
	})
}

// ParseFloor is the floor: golang-jwt's Parse with the same key and the
// same checks (alg, issuer, audience, exp required), nothing else.
func ParseFloor(alg string) func(tok string) error {
	k := KeyFor(alg)
	p := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(Issuer), jwt.WithAudience(Audience), jwt.WithExpirationRequired())
	keyFunc := func(*jwt.Token) (any, error) { return k.Public, nil }
	return func(tok string) error {
		_, err := p.Parse(tok, keyFunc)
		return err
	}
}

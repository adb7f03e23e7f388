package core

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// verifyEnv is the set of key servers the verification table draws on.
type verifyEnv struct {
	k *keyring
	// main serves rsa-1 (RS256), rsa-ps (PS256), ec-1 (ES256), ec384-1
	// (ES384) and ed-1 (EdDSA), each with alg.
	main *keyServer
	// noAlg serves the same keys without alg.
	noAlg *keyServer
	// mislabelled serves the P-256 key as ec-1 but with alg RS256.
	mislabelled *keyServer
	// enc serves the P-256 key as ec-enc with use=enc, and ed-1 with use=sig.
	enc *keyServer
	// b serves issuer B's key b-1.
	b *keyServer
	// attacker serves the attacker's key att-1; nothing configures it.
	attacker *keyServer
}

func newVerifyEnv(t *testing.T) *verifyEnv {
	k := testKeys()
	return &verifyEnv{
		k: k,
		main: newKeyServer(t, jwkSet(
			jwkOf(k.rsa, "rsa-1", "RS256", "sig"),
			jwkOf(k.rsa, "rsa-ps", "PS256", "sig"),
			jwkOf(k.ec256, "ec-1", "ES256", "sig"),
			jwkOf(k.ec384, "ec384-1", "ES384", "sig"),
			jwkOf(k.ed, "ed-1", "EdDSA", "sig"),
		)),
		noAlg: newKeyServer(t, jwkSet(
			jwkOf(k.rsa, "rsa-1", "", ""),
			jwkOf(k.ec256, "ec-1", "", ""),
			jwkOf(k.ec384, "ec384-1", "", ""),
			jwkOf(k.ed, "ed-1", "", ""),
		)),
		mislabelled: newKeyServer(t, jwkSet(
			jwkOf(k.ec256, "ec-1", "RS256", "sig"),
			jwkOf(k.rsa, "rsa-1", "RS256", "sig"),
		)),
		enc: newKeyServer(t, jwkSet(
			jwkOf(k.ec256, "ec-enc", "ES256", "enc"),
			jwkOf(k.ed, "ed-1", "EdDSA", "sig"),
		)),
		b:        newKeyServer(t, jwkSet(jwkOf(k.ec256b, "b-1", "ES256", "sig"))),
		attacker: newKeyServer(t, jwkSet(jwkOf(k.attacker, "att-1", "ES256", "sig"))),
	}
}

// base is the configuration every row starts from: issuer A on main.
func (e *verifyEnv) base() Config {
	return Config{Issuers: []Issuer{{Name: issA, JWKSURL: e.main.URL}}}
}

// es signs an ES256 token of issuer A with ec-1.
func (e *verifyEnv) es(t *testing.T, mods ...func(jwt.MapClaims)) string {
	return sign(t, "ES256", "ec-1", e.k.ec256, claimsFor(issA, mods...), nil)
}

type verifyRow struct {
	name string
	cfg  func(e *verifyEnv, c *Config) // changes to e.base(); nil keeps it
	tok  func(t *testing.T, e *verifyEnv) string
	want error // nil: accepted
}

// runVerifyRows runs every row through Gate.Verify and through Gate.Check with the
// token in an Authorization header; both must give the same answer.
func runVerifyRows(t *testing.T, e *verifyEnv, rows []verifyRow) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			cfg := e.base()
			if row.cfg != nil {
				row.cfg(e, &cfg)
			}
			g := newGate(t, cfg)
			tok := row.tok(t, e)

			s, err := g.Verify(tok, SourceAuthorization)
			checkResult(t, "Verify", s, err, tok, row.want)

			d := g.Check(bearerRequest(tok), CheckOptions{})
			checkResult(t, "Check", d.Session, d.Err, tok, row.want)
			if row.want != nil {
				resp := ErrorResponse(d.Err)
				if resp.Status != http.StatusUnauthorized {
					t.Errorf("Check: ErrorResponse status %d, want 401", resp.Status)
				}
				if bytes.Contains(resp.Body, []byte(tok)) {
					t.Errorf("Check: error body contains the token")
				}
			} else if d.Session.Source != SourceAuthorization {
				t.Errorf("Check: session source %q, want %q", d.Session.Source, SourceAuthorization)
			}
		})
	}
}

func TestVerifyKeySources(t *testing.T) {
	e := newVerifyEnv(t)
	k := e.k
	staticJWKS := jwkSet(
		jwkOf(k.rsa, "rsa-1", "RS256", "sig"),
		jwkOf(k.ec256, "ec-1", "ES256", "sig"),
		jwkOf(k.ed, "ed-1", "EdDSA", "sig"),
	)
	sources := []struct {
		name string
		iss  Issuer
	}{
		{"JWKS served over HTTP", Issuer{Name: issA, JWKSURL: e.main.URL}},
		{"static PublicKeyPEM", Issuer{Name: issA, PublicKeyPEM: pemOf(k.rsa, k.ec256, k.ed)}},
		{"static JWKS JSON", Issuer{Name: issA, JWKS: staticJWKS}},
	}
	algs := []struct {
		alg, kid string
		key      any
	}{
		{"RS256", "rsa-1", k.rsa},
		{"ES256", "ec-1", k.ec256},
		{"EdDSA", "ed-1", k.ed},
	}
	var rows []verifyRow
	for _, src := range sources {
		for _, a := range algs {
			rows = append(rows, verifyRow{
				name: fmt.Sprintf("%s token, matching key from %s: accepted", a.alg, src.name),
				cfg:  func(e *verifyEnv, c *Config) { c.Issuers = []Issuer{src.iss} },
				tok: func(t *testing.T, e *verifyEnv) string {
					return sign(t, a.alg, a.kid, a.key, claimsFor(issA), nil)
				},
			}, verifyRow{
				name: fmt.Sprintf("%s token, no kid, matching key from %s: accepted", a.alg, src.name),
				cfg:  func(e *verifyEnv, c *Config) { c.Issuers = []Issuer{src.iss} },
				tok: func(t *testing.T, e *verifyEnv) string {
					return sign(t, a.alg, "", a.key, claimsFor(issA), nil)
				},
			}, verifyRow{
				name: fmt.Sprintf("%s token signed by a key the issuer does not have, keys from %s: ErrSignature", a.alg, src.name),
				cfg:  func(e *verifyEnv, c *Config) { c.Issuers = []Issuer{src.iss} },
				tok: func(t *testing.T, e *verifyEnv) string {
					other := map[string]any{"RS256": vtOtherRSA(), "ES256": e.k.attacker, "EdDSA": vtOtherEd()}[a.alg]
					return sign(t, a.alg, a.kid, other, claimsFor(issA), nil)
				},
				want: ErrSignature,
			})
		}
	}
	rows = append(rows, verifyRow{
		name: "RS256 token, key given as a PKCS#1 RSA PUBLIC KEY block: accepted",
		cfg: func(e *verifyEnv, c *Config) {
			pemText := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&e.k.rsa.PublicKey)}))
			c.Issuers = []Issuer{{Name: issA, PublicKeyPEM: pemText}}
		},
		tok: func(t *testing.T, e *verifyEnv) string { return sign(t, "RS256", "", e.k.rsa, claimsFor(issA), nil) },
	}, verifyRow{
		name: "static PEM and JWKS URL combined: a key found only in the JWKS verifies",
		cfg: func(e *verifyEnv, c *Config) {
			c.Issuers = []Issuer{{Name: issA, PublicKeyPEM: pemOf(e.k.rsa), JWKSURL: e.main.URL}}
		},
		tok: func(t *testing.T, e *verifyEnv) string { return e.es(t) },
	})
	runVerifyRows(t, e, rows)
}

var (
	vtOtherRSA = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	vtOtherEd = sync.OnceValue(func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func TestVerifyAlgorithmPolicy(t *testing.T) {
	e := newVerifyEnv(t)
	algs := func(a ...string) func(e *verifyEnv, c *Config) {
		return func(e *verifyEnv, c *Config) { c.Algorithms = a }
	}
	hmacIssuer := func(a ...string) func(e *verifyEnv, c *Config) {
		return func(e *verifyEnv, c *Config) {
			c.Algorithms = a
			c.Issuers = []Issuer{{Name: issH, HMACSecret: testSecret}}
		}
	}
	rsaPEM := func(e *verifyEnv) string { return pemOf(e.k.rsa) }
	rows := []verifyRow{
		{
			name: "PS256 token, PS256 not in Algorithms: ErrAlgorithm",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "PS256", "rsa-ps", e.k.rsa, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "PS256 token, PS256 listed: accepted",
			cfg:  algs("RS256", "PS256"),
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "PS256", "rsa-ps", e.k.rsa, claimsFor(issA), nil)
			},
		},
		{
			name: "ES384 token, ES384 not in Algorithms: ErrAlgorithm",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES384", "ec384-1", e.k.ec384, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "ES384 token, ES384 listed: accepted",
			cfg:  algs("ES256", "ES384"),
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES384", "ec384-1", e.k.ec384, claimsFor(issA), nil)
			},
		},
		{
			name: "RS256 token, only ES256 listed: ErrAlgorithm",
			cfg:  algs("ES256"),
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "RS256", "rsa-1", e.k.rsa, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "HS256 token, issuer HMACSecret and HS256 listed: accepted",
			cfg:  hmacIssuer("HS256"),
			tok:  func(t *testing.T, e *verifyEnv) string { return sign(t, "HS256", "", testSecret, claimsFor(issH), nil) },
		},
		{
			name: "HS256 token, issuer HMACSecret, signed with another secret: ErrSignature",
			cfg:  hmacIssuer("HS256"),
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "HS256", "", []byte("another-secret-of-at-least-32-bytes!!"), claimsFor(issH), nil)
			},
			want: ErrSignature,
		},
		{
			name: "HS256 token, issuer HMACSecret but only HS384 listed: ErrAlgorithm",
			cfg:  hmacIssuer("HS384"),
			tok:  func(t *testing.T, e *verifyEnv) string { return sign(t, "HS256", "", testSecret, claimsFor(issH), nil) },
			want: ErrAlgorithm,
		},
		{
			name: "HS256 token, HS256 listed but the issuer has only public keys: ErrAlgorithm",
			cfg:  algs("ES256", "HS256"),
			tok:  func(t *testing.T, e *verifyEnv) string { return sign(t, "HS256", "", testSecret, claimsFor(issA), nil) },
			want: ErrAlgorithm,
		},
		{
			name: "alg confusion: HS256 signed with the RSA public key PEM as secret, RSA issuer by PEM, HS256 listed: ErrAlgorithm",
			cfg: func(e *verifyEnv, c *Config) {
				c.Algorithms = []string{"RS256", "HS256"}
				c.Issuers = []Issuer{{Name: issA, PublicKeyPEM: rsaPEM(e)}}
			},
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "HS256", "", []byte(rsaPEM(e)), claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "alg confusion: HS256 signed with the RSA public key PEM as secret, RSA issuer by PEM, default Algorithms: ErrAlgorithm",
			cfg: func(e *verifyEnv, c *Config) {
				c.Issuers = []Issuer{{Name: issA, PublicKeyPEM: rsaPEM(e)}}
			},
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "HS256", "", []byte(rsaPEM(e)), claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "alg confusion: HS256 signed with the RSA public key PEM naming the JWKS kid rsa-1, HS256 listed: ErrAlgorithm",
			cfg:  algs("RS256", "HS256"),
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "HS256", "rsa-1", []byte(rsaPEM(e)), claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "HMAC issuer beside a public-key issuer: HS256 token naming the public-key issuer, signed with the secret: ErrAlgorithm",
			cfg: func(e *verifyEnv, c *Config) {
				c.Algorithms = []string{"ES256", "HS256"}
				c.Issuers = append(c.Issuers, Issuer{Name: issH, HMACSecret: testSecret})
			},
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "HS256", "ec-1", testSecret, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "HMAC issuer: RS256 token naming it is never checked against the secret: ErrAlgorithm",
			cfg: func(e *verifyEnv, c *Config) {
				c.Algorithms = []string{"RS256", "HS256"}
				c.Issuers = append(c.Issuers, Issuer{Name: issH, HMACSecret: testSecret})
			},
			tok:  func(t *testing.T, e *verifyEnv) string { return sign(t, "RS256", "", e.k.rsa, claimsFor(issH), nil) },
			want: ErrAlgorithm,
		},
		{
			name: `alg "none" with an empty signature: ErrAlgorithm`,
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "none", "", jwt.UnsafeAllowNoneSignatureType, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: `alg "none" naming a known kid: ErrAlgorithm`,
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "none", "ec-1", jwt.UnsafeAllowNoneSignatureType, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: `alg "NONE" (other case): ErrAlgorithm`,
			tok: func(t *testing.T, e *verifyEnv) string {
				return rawToken(map[string]any{"alg": "NONE", "typ": "JWT"}, claimsFor(issA), "")
			},
			want: ErrAlgorithm,
		},
		{
			name: "alg unknown to golang-jwt: ErrAlgorithm",
			tok: func(t *testing.T, e *verifyEnv) string {
				return rawToken(map[string]any{"alg": "XS999", "kid": "ec-1"}, claimsFor(issA), "c2ln")
			},
			want: ErrAlgorithm,
		},
		{
			name: "alg header missing: ErrAlgorithm",
			tok: func(t *testing.T, e *verifyEnv) string {
				return rawToken(map[string]any{"kid": "ec-1"}, claimsFor(issA), "c2ln")
			},
			want: ErrAlgorithm,
		},
		{
			name: "ES256 token against a JWKS key whose alg is RS256: ErrAlgorithm",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].JWKSURL = e.mislabelled.URL },
			tok:  func(t *testing.T, e *verifyEnv) string { return e.es(t) },
			want: ErrAlgorithm,
		},
		{
			name: "RS256 token naming the kid of an ES256 key: ErrAlgorithm",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "RS256", "ec-1", e.k.rsa, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "EdDSA token naming the kid of an RS256 key: ErrAlgorithm",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "EdDSA", "rsa-1", e.k.ed, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "key without alg: EC P-256 verifies ES256",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok:  func(t *testing.T, e *verifyEnv) string { return e.es(t) },
		},
		{
			name: "key without alg: ES384 token naming a P-256 key is refused even with ES384 listed: ErrAlgorithm",
			cfg: func(e *verifyEnv, c *Config) {
				c.Issuers[0].JWKSURL = e.noAlg.URL
				c.Algorithms = []string{"ES256", "ES384"}
			},
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES384", "ec-1", e.k.ec384, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "key without alg: P-384 key with ES384 not listed is still under the allow-list: ErrAlgorithm",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES384", "ec384-1", e.k.ec384, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "key without alg: P-384 key with ES384 listed verifies ES384",
			cfg: func(e *verifyEnv, c *Config) {
				c.Issuers[0].JWKSURL = e.noAlg.URL
				c.Algorithms = []string{"ES384"}
			},
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES384", "ec384-1", e.k.ec384, claimsFor(issA), nil)
			},
		},
		{
			name: "key without alg: RSA key verifies RS256",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "RS256", "rsa-1", e.k.rsa, claimsFor(issA), nil)
			},
		},
		{
			name: "key without alg: RSA key, PS256 not listed: ErrAlgorithm",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "PS256", "rsa-1", e.k.rsa, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "key without alg: RSA key, PS256 listed: accepted",
			cfg: func(e *verifyEnv, c *Config) {
				c.Issuers[0].JWKSURL = e.noAlg.URL
				c.Algorithms = []string{"PS256"}
			},
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "PS256", "rsa-1", e.k.rsa, claimsFor(issA), nil)
			},
		},
		{
			name: "key without alg: Ed25519 key verifies EdDSA",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok:  func(t *testing.T, e *verifyEnv) string { return sign(t, "EdDSA", "ed-1", e.k.ed, claimsFor(issA), nil) },
		},
		{
			name: "key without alg: ES256 token naming the Ed25519 key: ErrAlgorithm",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].JWKSURL = e.noAlg.URL },
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "ed-1", e.k.ec256, claimsFor(issA), nil)
			},
			want: ErrAlgorithm,
		},
		{
			name: "JWK with use=enc is ignored: a token naming it: ErrUnknownKey",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].JWKSURL = e.enc.URL },
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "ec-enc", e.k.ec256, claimsFor(issA), nil)
			},
			want: ErrUnknownKey,
		},
		{
			name: "JWK with use=enc is ignored: the use=sig key beside it still verifies",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].JWKSURL = e.enc.URL },
			tok:  func(t *testing.T, e *verifyEnv) string { return sign(t, "EdDSA", "ed-1", e.k.ed, claimsFor(issA), nil) },
		},
		{
			name: "JWK with use=enc in a static JWKS is ignored: ErrUnknownKey",
			cfg: func(e *verifyEnv, c *Config) {
				c.Issuers = []Issuer{{Name: issA, JWKS: jwkSet(
					jwkOf(e.k.ec256, "ec-enc", "ES256", "enc"),
					jwkOf(e.k.ed, "ed-1", "EdDSA", "sig"),
				)}}
			},
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "ec-enc", e.k.ec256, claimsFor(issA), nil)
			},
			want: ErrUnknownKey,
		},
	}
	runVerifyRows(t, e, rows)
}

func TestVerifyTokenHeaders(t *testing.T) {
	e := newVerifyEnv(t)
	attackerJWK := func(e *verifyEnv, kid string) map[string]any {
		var m map[string]any
		b, _ := json.Marshal(jwkOf(e.k.attacker, kid, "ES256", "sig"))
		json.Unmarshal(b, &m)
		return m
	}
	rows := []verifyRow{
		{
			name: "jku header pointing at the attacker's JWKS is ignored: attacker-signed token: ErrUnknownKey",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "att-1", e.k.attacker, claimsFor(issA), map[string]any{"jku": e.attacker.URL + "/jwks.json"})
			},
			want: ErrUnknownKey,
		},
		{
			name: "x5u header pointing at the attacker's server is ignored: ErrUnknownKey",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "att-1", e.k.attacker, claimsFor(issA), map[string]any{"x5u": e.attacker.URL + "/cert.pem"})
			},
			want: ErrUnknownKey,
		},
		{
			name: "embedded jwk header with the attacker's key and a kid of its own is ignored: ErrUnknownKey",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "att-1", e.k.attacker, claimsFor(issA), map[string]any{"jwk": attackerJWK(e, "att-1")})
			},
			want: ErrUnknownKey,
		},
		{
			name: "embedded jwk header with the attacker's key under the issuer's kid is ignored: ErrSignature",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "ec-1", e.k.attacker, claimsFor(issA), map[string]any{"jwk": attackerJWK(e, "ec-1")})
			},
			want: ErrSignature,
		},
		{
			name: "jku, x5u and jwk headers together on an attacker token with no kid: ErrSignature",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "", e.k.attacker, claimsFor(issA), map[string]any{
					"jku": e.attacker.URL, "x5u": e.attacker.URL, "jwk": attackerJWK(e, "att-1"),
				})
			},
			want: ErrSignature,
		},
		{
			name: "legitimate token carrying jku, x5u and jwk headers is verified with the issuer's keys only: accepted",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "ec-1", e.k.ec256, claimsFor(issA), map[string]any{
					"jku": e.attacker.URL, "x5u": e.attacker.URL, "jwk": attackerJWK(e, "ec-1"),
				})
			},
		},
		{
			name: "crit header naming an extension: ErrMalformed",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "ec-1", e.k.ec256, claimsFor(issA), map[string]any{
					"crit": []string{"urn:example:must-understand"}, "urn:example:must-understand": true,
				})
			},
			want: ErrMalformed,
		},
		{
			name: "crit header naming b64 (RFC 7797): ErrMalformed",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "ec-1", e.k.ec256, claimsFor(issA), map[string]any{"crit": []string{"b64"}, "b64": true})
			},
			want: ErrMalformed,
		},
		{
			name: "kid header that is not a string: ErrMalformed",
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "", e.k.ec256, claimsFor(issA), map[string]any{"kid": 7})
			},
			want: ErrMalformed,
		},
		{
			name: "not a JWT at all: ErrMalformed",
			tok:  func(t *testing.T, e *verifyEnv) string { return "not-a-jwt" },
			want: ErrMalformed,
		},
		{
			name: "header segment that is not base64url JSON: ErrMalformed",
			tok:  func(t *testing.T, e *verifyEnv) string { return "%%%.e30.c2ln" },
			want: ErrMalformed,
		},
		{
			name: "payload changed after signing: ErrSignature",
			tok: func(t *testing.T, e *verifyEnv) string {
				good := strings.Split(e.es(t), ".")
				evil := strings.Split(e.es(t, withClaim("sub", "admin")), ".")
				return good[0] + "." + evil[1] + "." + good[2]
			},
			want: ErrSignature,
		},
	}
	runVerifyRows(t, e, rows)
	if n := e.attacker.hits.Load(); n != 0 {
		t.Errorf("the attacker's key server named in jku/x5u headers was fetched %d times; want 0", n)
	}
}

// The crit rule is sessiongate's own: golang-jwt alone accepts the token.
func TestVerifyCritHeaderIsRefusedThoughGolangJWTAccepts(t *testing.T) {
	k := testKeys()
	tok := sign(t, "ES256", "ec-1", k.ec256, claimsFor(issA), map[string]any{"crit": []string{"urn:x"}, "urn:x": 1})
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return &k.ec256.PublicKey, nil }, jwt.WithTimeFunc(fixedClock)); err != nil {
		t.Fatalf("precondition: golang-jwt alone should accept the crit token, got %v", err)
	}
	g := newGate(t, Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.ec256)}}})
	s, err := g.Verify(tok, SourceAuthorization)
	checkResult(t, "Verify", s, err, tok, ErrMalformed)
}

func TestVerifyClaims(t *testing.T) {
	e := newVerifyEnv(t)
	leeway := func(e *verifyEnv, c *Config) { c.Leeway = 30 * time.Second }
	es := func(mods ...func(jwt.MapClaims)) func(t *testing.T, e *verifyEnv) string {
		return func(t *testing.T, e *verifyEnv) string { return e.es(t, mods...) }
	}
	rows := []verifyRow{
		{name: "all time claims valid: accepted", tok: es(atOffset("nbf", -time.Minute))},
		{name: "exp missing: ErrClaims (exp is required)", tok: es(withClaim("exp", nil)), want: ErrClaims},
		{name: "exp not a number: ErrClaims", tok: es(withClaim("exp", "tomorrow")), want: ErrClaims},
		{name: "exp in the past: ErrExpired", tok: es(atOffset("exp", -time.Minute)), want: ErrExpired},
		{name: "exp exactly now: ErrExpired", tok: es(atOffset("exp", 0)), want: ErrExpired},
		{name: "exp 1s in the past, no leeway: ErrExpired", tok: es(atOffset("exp", -time.Second)), want: ErrExpired},
		{name: "exp 20s in the past, leeway 30s: accepted", cfg: leeway, tok: es(atOffset("exp", -20*time.Second))},
		{name: "exp 40s in the past, leeway 30s: ErrExpired", cfg: leeway, tok: es(atOffset("exp", -40*time.Second)), want: ErrExpired},
		{name: "nbf in the future: ErrNotYetValid", tok: es(atOffset("nbf", time.Minute)), want: ErrNotYetValid},
		{name: "nbf exactly now: accepted", tok: es(atOffset("nbf", 0))},
		{name: "nbf 20s in the future, leeway 30s: accepted", cfg: leeway, tok: es(atOffset("nbf", 20*time.Second))},
		{name: "nbf 40s in the future, leeway 30s: ErrNotYetValid", cfg: leeway, tok: es(atOffset("nbf", 40*time.Second)), want: ErrNotYetValid},
		{name: "iat in the future: ErrIssuedInFuture", tok: es(atOffset("iat", time.Minute)), want: ErrIssuedInFuture},
		{name: "iat exactly now: accepted", tok: es(atOffset("iat", 0))},
		{name: "iat missing: accepted (iat is optional)", tok: es(withClaim("iat", nil))},
		{name: "iat 20s in the future, leeway 30s: accepted", cfg: leeway, tok: es(atOffset("iat", 20*time.Second))},
		{name: "iat 40s in the future, leeway 30s: ErrIssuedInFuture", cfg: leeway, tok: es(atOffset("iat", 40*time.Second)), want: ErrIssuedInFuture},
	}
	runVerifyRows(t, e, rows)
}

func TestVerifyIssuer(t *testing.T) {
	e := newVerifyEnv(t)
	several := func(e *verifyEnv, c *Config) {
		c.Issuers = []Issuer{
			{Name: issA, JWKSURL: e.main.URL},
			{Name: issB, JWKSURL: e.b.URL},
			{Name: issC, JWKS: jwkSet(jwkOf(e.k.ec256new, "c-1", "ES256", "sig"))},
		}
	}
	signA := func(iss any) func(t *testing.T, e *verifyEnv) string {
		return func(t *testing.T, e *verifyEnv) string { return e.es(t, withClaim("iss", iss)) }
	}
	rows := []verifyRow{
		{name: "iss equals the first configured issuer: accepted", cfg: several, tok: signA(issA)},
		{
			name: "iss equals the second configured issuer, its own key: accepted", cfg: several,
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "b-1", e.k.ec256b, claimsFor(issB), nil)
			},
		},
		{
			name: "iss equals the third configured issuer (static JWKS), its own key: accepted", cfg: several,
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "c-1", e.k.ec256new, claimsFor(issC), nil)
			},
		},
		{name: "iss with a trailing slash the configuration lacks: ErrIssuer", cfg: several, tok: signA(issA + "/"), want: ErrIssuer},
		{
			name: "configured issuer with a trailing slash, iss without it: ErrIssuer",
			cfg:  func(e *verifyEnv, c *Config) { c.Issuers[0].Name = issA + "/" },
			tok:  signA(issA),
			want: ErrIssuer,
		},
		{name: "iss differing only in case: ErrIssuer", cfg: several, tok: signA("HTTPS://A.EXAMPLE"), want: ErrIssuer},
		{name: "iss with an extra path: ErrIssuer", cfg: several, tok: signA(issA + "/tenant"), want: ErrIssuer},
		{name: "iss not configured: ErrIssuer", cfg: several, tok: signA("https://evil.example"), want: ErrIssuer},
		{name: "iss missing: ErrIssuer", cfg: several, tok: signA(nil), want: ErrIssuer},
		{name: "iss not a string: ErrIssuer", cfg: several, tok: signA(42), want: ErrIssuer},
		{
			name: "keys are bound per issuer: iss A signed by issuer B's key naming B's kid: ErrUnknownKey", cfg: several,
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "b-1", e.k.ec256b, claimsFor(issA), nil)
			},
			want: ErrUnknownKey,
		},
		{
			name: "keys are bound per issuer: iss A signed by issuer B's key without kid: ErrSignature", cfg: several,
			tok:  func(t *testing.T, e *verifyEnv) string { return sign(t, "ES256", "", e.k.ec256b, claimsFor(issA), nil) },
			want: ErrSignature,
		},
		{
			name: "keys are bound per issuer: iss B signed by issuer A's key naming A's kid: ErrUnknownKey", cfg: several,
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "ec-1", e.k.ec256, claimsFor(issB), nil)
			},
			want: ErrUnknownKey,
		},
		{
			name: "keys are bound per issuer: iss C (static keys) signed by issuer A's key: ErrSignature", cfg: several,
			tok: func(t *testing.T, e *verifyEnv) string {
				return sign(t, "ES256", "c-1", e.k.ec256, claimsFor(issC), nil)
			},
			want: ErrSignature,
		},
	}
	runVerifyRows(t, e, rows)
}

func TestVerifyAudienceAndHook(t *testing.T) {
	e := newVerifyEnv(t)
	auds := func(e *verifyEnv, c *Config) { c.Audiences = []string{"api", "admin"} }
	errBlocked := errors.New("subject is blocked")
	hook := func(e *verifyEnv, c *Config) {
		c.ValidateClaims = func(s *Session) error {
			if s.Subject == "blocked" {
				return errBlocked
			}
			return nil
		}
	}
	es := func(mods ...func(jwt.MapClaims)) func(t *testing.T, e *verifyEnv) string {
		return func(t *testing.T, e *verifyEnv) string { return e.es(t, mods...) }
	}
	rows := []verifyRow{
		{name: "aud a string naming one configured audience: accepted", cfg: auds, tok: es(withClaim("aud", "admin"))},
		{name: "aud a list with one configured audience among others: accepted", cfg: auds, tok: es(withClaim("aud", []string{"web", "api"}))},
		{name: "aud naming no configured audience: ErrAudience", cfg: auds, tok: es(withClaim("aud", []string{"web", "mobile"})), want: ErrAudience},
		{name: "aud differing in case: ErrAudience", cfg: auds, tok: es(withClaim("aud", "API")), want: ErrAudience},
		{name: "aud missing while audiences are configured: ErrClaims (required claim missing)", cfg: auds, tok: es(), want: ErrClaims},
		{name: "no audiences configured: any aud accepted", tok: es(withClaim("aud", "whatever"))},
		{name: "ValidateClaims hook accepts: accepted", cfg: hook, tok: es(withClaim("sub", "alice"))},
		{name: "ValidateClaims hook refuses: ErrClaims", cfg: hook, tok: es(withClaim("sub", "blocked")), want: ErrClaims},
		{
			name: "ValidateClaims hook is not consulted for a token that fails earlier: ErrExpired",
			cfg:  hook,
			tok:  es(withClaim("sub", "blocked"), atOffset("exp", -time.Hour)),
			want: ErrExpired,
		},
	}
	runVerifyRows(t, e, rows)

	t.Run("the hook's error is wrapped so callers can tell why", func(t *testing.T) {
		cfg := e.base()
		hook(e, &cfg)
		g := newGate(t, cfg)
		_, err := g.Verify(e.es(t, withClaim("sub", "blocked")), SourceAuthorization)
		if !errors.Is(err, ErrClaims) || !errors.Is(err, errBlocked) {
			t.Fatalf("error %v: want errors.Is ErrClaims and the hook's error", err)
		}
	})
}

func TestVerifySessionFields(t *testing.T) {
	k := testKeys()
	type want struct {
		aud            []string
		iat, nbf       time.Time
		id             string
		claimsIncluded map[string]any
	}
	rows := []struct {
		name   string
		claims jwt.MapClaims
		want   want
	}{
		{
			name: "every registered claim and custom claims are exposed",
			claims: claimsFor(issA, withClaim("sub", "user-42"), withClaim("aud", []string{"api", "web"}), withClaim("jti", "jti-1"),
				atOffset("nbf", -2*time.Minute), withClaim("email", "a@example.com"), withClaim("roles", []string{"admin"})),
			want: want{
				aud: []string{"api", "web"}, id: "jti-1",
				iat: testNow.Add(-time.Minute), nbf: testNow.Add(-2 * time.Minute),
				claimsIncluded: map[string]any{"email": "a@example.com", "roles": []any{"admin"}, "sub": "user-42"},
			},
		},
		{
			name:   "aud as a single string becomes a one-element Audience",
			claims: claimsFor(issA, withClaim("sub", "user-42"), withClaim("aud", "api")),
			want:   want{aud: []string{"api"}, iat: testNow.Add(-time.Minute)},
		},
		{
			name:   "no iat, nbf, aud or jti: zero values",
			claims: claimsFor(issA, withClaim("sub", "user-42"), withClaim("iat", nil)),
			want:   want{},
		},
	}
	g := newGate(t, Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.ec256)}}})
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tok := sign(t, "ES256", "ec-1", k.ec256, row.claims, nil)
			s, err := g.Verify(tok, SourceCookie)
			if err != nil {
				t.Fatal(err)
			}
			if s.Subject != "user-42" || s.Issuer != issA || s.ID != row.want.id {
				t.Errorf("Subject %q, Issuer %q, ID %q; want user-42, %s, %q", s.Subject, s.Issuer, s.ID, issA, row.want.id)
			}
			if !reflect.DeepEqual(s.Audience, row.want.aud) && !(len(s.Audience) == 0 && len(row.want.aud) == 0) {
				t.Errorf("Audience %q, want %q", s.Audience, row.want.aud)
			}
			if !s.ExpiresAt.Equal(testNow.Add(10 * time.Minute)) {
				t.Errorf("ExpiresAt %v, want %v", s.ExpiresAt, testNow.Add(10*time.Minute))
			}
			if !s.IssuedAt.Equal(row.want.iat) {
				t.Errorf("IssuedAt %v, want %v", s.IssuedAt, row.want.iat)
			}
			if !s.NotBefore.Equal(row.want.nbf) {
				t.Errorf("NotBefore %v, want %v", s.NotBefore, row.want.nbf)
			}
			if s.Source != SourceCookie {
				t.Errorf("Source %q, want %q", s.Source, SourceCookie)
			}
			if string(s.Token) != tok {
				t.Errorf("Token does not hold the raw token")
			}
			if s.Claims()["iss"] != issA {
				t.Errorf("Claims[iss] = %v", s.Claims()["iss"])
			}
			for k, v := range row.want.claimsIncluded {
				if !reflect.DeepEqual(s.Claims()[k], v) {
					t.Errorf("Claims[%q] = %#v, want %#v", k, s.Claims()[k], v)
				}
			}
		})
	}
}

func TestClaimsAs(t *testing.T) {
	k := testKeys()
	type org struct {
		ID   string `json:"id"`
		Plan string `json:"plan"`
	}
	type myClaims struct {
		jwt.RegisteredClaims
		Email string   `json:"email"`
		Roles []string `json:"roles"`
		Org   org      `json:"org"`
	}
	g := newGate(t, Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.ec256)}}})
	verify := func(t *testing.T, claims jwt.MapClaims) *Session {
		s, err := g.Verify(sign(t, "ES256", "", k.ec256, claims, nil), SourceAuthorization)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("a custom claims struct is decoded, registered claims included", func(t *testing.T) {
		s := verify(t, claimsFor(issA, withClaim("email", "a@example.com"), withClaim("roles", []string{"admin", "dev"}),
			withClaim("org", map[string]any{"id": "o-1", "plan": "pro"})))
		c, err := ClaimsAs[myClaims](s)
		if err != nil {
			t.Fatal(err)
		}
		if c.Email != "a@example.com" || !reflect.DeepEqual(c.Roles, []string{"admin", "dev"}) || c.Org != (org{"o-1", "pro"}) {
			t.Errorf("decoded %+v", c)
		}
		if c.Subject != "user-1" || c.Issuer != issA || c.ExpiresAt == nil || !c.ExpiresAt.Time.Equal(testNow.Add(10*time.Minute)) {
			t.Errorf("registered claims decoded as %+v", c.RegisteredClaims)
		}
	})
	t.Run("a claim of the wrong type: ErrClaims", func(t *testing.T) {
		s := verify(t, claimsFor(issA, withClaim("roles", "admin")))
		if _, err := ClaimsAs[myClaims](s); !errors.Is(err, ErrClaims) {
			t.Errorf("error %v, want ErrClaims", err)
		}
	})
	t.Run("a map type works too", func(t *testing.T) {
		s := verify(t, claimsFor(issA, withClaim("email", "b@example.com")))
		m, err := ClaimsAs[map[string]any](s)
		if err != nil || m["email"] != "b@example.com" {
			t.Errorf("got %v, %v", m, err)
		}
	})
	t.Run("nil session: error", func(t *testing.T) {
		if _, err := ClaimsAs[myClaims](nil); err == nil {
			t.Error("no error for a nil session")
		}
	})
}

func TestTokenRedaction(t *testing.T) {
	k := testKeys()
	g := newGate(t, Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.ec256)}}})
	tok := sign(t, "ES256", "", k.ec256, claimsFor(issA, withClaim("sub", "alice")), nil)
	s, err := g.Verify(tok, SourceAuthorization)
	if err != nil {
		t.Fatal(err)
	}
	sig := tok[strings.LastIndex(tok, ".")+1:]

	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("verified", "session", s, "token", s.Token, "value", *s)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("verified", "session", s, "token", s.Token, "value", *s)
	marshalled, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	expired := sign(t, "ES256", "", k.ec256, claimsFor(issA, atOffset("exp", -time.Hour)), nil)
	_, expiredErr := g.Verify(expired, SourceAuthorization)

	outputs := []struct {
		name, out, token string
	}{
		{"fmt %v %+v %#v of session, *session and Token", fmt.Sprintf("%v %+v %#v", s, *s, s.Token), tok},
		{"fmt %#v of the session value", fmt.Sprintf("%#v", *s), tok},
		{"fmt %s %q %v of the Token", fmt.Sprintf("%s %q %v", s.Token, s.Token, s.Token), tok},
		{"slog text handler", text.String(), tok},
		{"slog JSON handler", js.String(), tok},
		{"json.Marshal of the session", string(marshalled), tok},
		{"error of a refused (expired) token", expiredErr.Error(), expired},
	}
	for _, o := range outputs {
		t.Run(o.name, func(t *testing.T) {
			if strings.Contains(o.out, o.token) || strings.Contains(o.out, o.token[strings.LastIndex(o.token, ".")+1:]) {
				t.Fatalf("output contains the token:\n%s", o.out)
			}
			if o.token == tok && !strings.Contains(o.out, "[redacted]") {
				t.Fatalf("output does not show the token as [redacted]:\n%s", o.out)
			}
		})
	}
	if string(s.Token) != tok || !strings.HasSuffix(string(s.Token), sig) {
		t.Error("string(s.Token) must still give the raw token for forwarding")
	}
}

func TestVerifyTokenSize(t *testing.T) {
	e := newVerifyEnv(t)
	// Padding with an unknown kid: were it parsed, it would trigger a JWKS
	// fetch; refused by size, it must not.
	big := sign(t, "ES256", "kid-nobody-knows", e.k.ec256, claimsFor(issA, withClaim("pad", strings.Repeat("x", 9000))), nil)
	good := e.es(t)
	rows := []struct {
		name    string
		max     int
		tok     string
		want    error
		fetches int64
	}{
		{"token one byte over MaxTokenSize: ErrTokenTooLarge", len(good) - 1, good, ErrTokenTooLarge, 0},
		{"token exactly MaxTokenSize: accepted", len(good), good, nil, 0},
		{"garbage over MaxTokenSize: ErrTokenTooLarge, not ErrMalformed (refused before parsing)", 64, strings.Repeat("!", 65), ErrTokenTooLarge, 0},
		{"garbage within MaxTokenSize: ErrMalformed", 64, strings.Repeat("!", 64), ErrMalformed, 0},
		{"token over the default 8 KiB naming an unknown kid: ErrTokenTooLarge and no JWKS fetch", 0, big, ErrTokenTooLarge, 0},
		{"the same token under a raised limit is parsed: ErrUnknownKey after one fetch", 16 << 10, big, ErrUnknownKey, 1},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			cfg := e.base()
			cfg.MaxTokenSize = row.max
			g := newGate(t, cfg)
			before := e.main.hits.Load()
			s, err := g.Verify(row.tok, SourceAuthorization)
			checkResult(t, "Verify", s, err, row.tok, row.want)
			d := g.Check(bearerRequest(row.tok), CheckOptions{})
			checkResult(t, "Check", d.Session, d.Err, row.tok, row.want)
			if got := e.main.hits.Load() - before; got != row.fetches {
				t.Errorf("JWKS fetches during the requests: %d, want %d", got, row.fetches)
			}
		})
	}
}

// TestClaimsAsErrorQuotesNoClaim: a claim set that does not fit the
// caller's type gives ErrClaims with a fixed cause, never a claim value.
func TestClaimsAsErrorQuotesNoClaim(t *testing.T) {
	k := testKeys()
	tok := sign(t, "ES256", "ec-1", k.ec256, claimsFor(issA, withClaim("level", 987654321)), nil)
	g := newGate(t, Config{Issuers: staticIssuers()})
	s, err := g.Verify(tok, SourceAuthorization)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ClaimsAs[struct {
		Level int8 `json:"level"` // encoding/json's overflow message quotes the number
	}](s)
	if !errors.Is(err, ErrClaims) || strings.Contains(err.Error(), "987654321") {
		t.Fatalf("ClaimsAs error %v: want ErrClaims without the claim's value", err)
	}
}

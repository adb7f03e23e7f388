package core

// Tests of the keys themselves: which JWKs and PEM keys are loaded, and how
// a loaded key verifies.

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// pssWithSalt is an RSA-PSS signing method that signs with the given salt
// length, for tokens a conforming signer would not produce.
func pssWithSalt(name string, h crypto.Hash, salt int) *jwt.SigningMethodRSAPSS {
	return &jwt.SigningMethodRSAPSS{
		SigningMethodRSA: &jwt.SigningMethodRSA{Name: name, Hash: h},
		Options:          &rsa.PSSOptions{SaltLength: salt},
	}
}

func signWith(t *testing.T, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return s
}

func TestKeysPSSSaltMustEqualHashLength(t *testing.T) {
	k := testKeys()
	rows := []struct {
		name   string
		method jwt.SigningMethod
		want   error
	}{
		{"PS256 with a 32-byte salt (the hash length, RFC 7518 3.5): accepted", jwt.SigningMethodPS256, nil},
		{"PS384 with a 48-byte salt: accepted", jwt.SigningMethodPS384, nil},
		{"PS512 with a 64-byte salt: accepted", jwt.SigningMethodPS512, nil},
		{"PS256 with the longest salt the key allows: refused", pssWithSalt("PS256", crypto.SHA256, rsa.PSSSaltLengthAuto), ErrSignature},
		{"PS256 with a 31-byte salt: refused", pssWithSalt("PS256", crypto.SHA256, 31), ErrSignature},
		{"PS384 with a 32-byte salt (shorter than its hash): refused", pssWithSalt("PS384", crypto.SHA384, 32), ErrSignature},
		{"PS512 with a 32-byte salt (shorter than its hash): refused", pssWithSalt("PS512", crypto.SHA512, 32), ErrSignature},
	}
	g := newGate(t, Config{
		Issuers:    []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.rsa)}},
		Algorithms: []string{"PS256", "PS384", "PS512"},
	})
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tok := signWith(t, row.method, k.rsa, claimsFor(issA))
			s, err := g.Verify(tok, SourceAuthorization)
			checkResult(t, "Verify", s, err, tok, row.want)
		})
	}

	t.Run("golang-jwt's own PS256 still accepts any salt after the gate verified: the gate changed nothing of the package", func(t *testing.T) {
		tok := signWith(t, pssWithSalt("PS256", crypto.SHA256, rsa.PSSSaltLengthAuto), k.rsa, claimsFor(issA))
		if _, err := g.Verify(tok, SourceAuthorization); err == nil {
			t.Fatal("the gate accepted a PS256 token with a long salt")
		}
		if jwt.GetSigningMethod("PS256") != jwt.SigningMethodPS256 {
			t.Error("the registered PS256 method was replaced")
		}
		if vo := jwt.SigningMethodPS256.VerifyOptions; vo == nil || vo.SaltLength != rsa.PSSSaltLengthAuto {
			t.Errorf("golang-jwt's PS256 VerifyOptions changed: %+v", vo)
		}
		parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return &k.rsa.PublicKey, nil }, jwt.WithTimeFunc(fixedClock))
		if err != nil || !parsed.Valid {
			t.Errorf("golang-jwt itself no longer accepts the token: %v", err)
		}
	})
}

// jwkJSON renders one JWK with extra raw JSON members (`"key_ops":["sign"]`)
// that go-jose cannot write.
func jwkJSON(k jose.JSONWebKey, members ...string) string {
	b, err := k.MarshalJSON()
	if err != nil {
		panic(err)
	}
	s := string(b)
	for _, m := range members {
		s = "{" + m + "," + strings.TrimPrefix(s, "{")
	}
	return s
}

func TestKeysKeyOpsWithoutVerifyNeverVerify(t *testing.T) {
	k := testKeys()
	rows := []struct {
		name   string
		keyOps string // the key_ops member of ec-2; "" for none
		want   error
	}{
		{"no key_ops: the key verifies", "", nil},
		{`key_ops ["verify"]: the key verifies`, `"key_ops":["verify"]`, nil},
		{`key_ops ["sign","verify"]: the key verifies`, `"key_ops":["sign","verify"]`, nil},
		{`key_ops ["sign"]: the key never verifies (RFC 7517 4.3)`, `"key_ops":["sign"]`, ErrUnknownKey},
		{`key_ops ["encrypt","wrapKey"]: the key never verifies`, `"key_ops":["encrypt","wrapKey"]`, ErrUnknownKey},
		{`key_ops []: the key never verifies`, `"key_ops":[]`, ErrUnknownKey},
		{`key_ops ["Verify"] (values are case-sensitive): the key never verifies`, `"key_ops":["Verify"]`, ErrUnknownKey},
		{`key_ops "verify" (not an array): the malformed key is skipped`, `"key_ops":"verify"`, ErrUnknownKey},
	}
	sources := []struct {
		name string
		cfg  func(t *testing.T, set string) Config
	}{
		{"static JWKS", func(t *testing.T, set string) Config { return Config{Issuers: []Issuer{{Name: issA, JWKS: set}}} }},
		{"JWKS URL", func(t *testing.T, set string) Config {
			return Config{Issuers: []Issuer{{Name: issA, JWKSURL: newKeyServer(t, set).URL}}}
		}},
	}
	for _, src := range sources {
		for _, row := range rows {
			t.Run(src.name+", "+row.name, func(t *testing.T) {
				ec2 := jwkOf(k.ec256new, "ec-2", "ES256", "")
				var members []string
				if row.keyOps != "" {
					members = append(members, row.keyOps)
				}
				set := `{"keys":[` + jwkJSON(jwkOf(k.ec256, "ec-1", "ES256", "sig")) + "," + jwkJSON(ec2, members...) + `]}`
				g := newGate(t, src.cfg(t, set))
				tok := tokenWithKid(t, "ec-2", k.ec256new)
				s, err := g.Verify(tok, SourceAuthorization)
				checkResult(t, "Verify", s, err, tok, row.want)
				if err := verifyVia(g, tokenWithKid(t, "ec-1", k.ec256)); err != nil {
					t.Errorf("the other key of the set: %v, want accepted", err)
				}
			})
		}
	}

	t.Run("static JWKS whose only key lacks verify in key_ops: config error naming the field", func(t *testing.T) {
		set := `{"keys":[` + jwkJSON(jwkOf(k.ec256, "ec-1", "ES256", ""), `"key_ops":["sign"]`) + `]}`
		_, err := New(Config{Issuers: []Issuer{{Name: issA, JWKS: set}}, Logger: quietLogger})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "Issuers[0].JWKS" {
			t.Fatalf("New: %v, want a ConfigError for Issuers[0].JWKS", err)
		}
	})
}

// weakRSA is a 1024-bit RSA key: below RFC 7518's 2048-bit minimum.
var weakRSA = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	return k
})

func TestKeysRSABelow2048BitsRefused(t *testing.T) {
	k := testKeys()
	weakSet := jwkSet(jwkOf(weakRSA(), "rsa-weak", "RS256", "sig"), jwkOf(k.ec256, "ec-1", "ES256", "sig"))
	weakTok := sign(t, "RS256", "rsa-weak", weakRSA(), claimsFor(issA), nil)

	t.Run("JWKS URL with a 1024-bit RSA key: the key never verifies, the others do, and a log line names its kid", func(t *testing.T) {
		logs := &logSink{}
		g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: newKeyServer(t, weakSet).URL}}, Logger: logs.logger(), Algorithms: []string{"RS256", "ES256"}})
		s, err := g.Verify(weakTok, SourceAuthorization)
		checkResult(t, "Verify", s, err, weakTok, ErrUnknownKey)
		if err := verifyVia(g, tokenWithKid(t, "ec-1", k.ec256)); err != nil {
			t.Errorf("the 256-bit EC key of the same set: %v, want accepted", err)
		}
		if l := logs.String(); !strings.Contains(l, `rsa-weak`) || !strings.Contains(l, "1024") {
			t.Errorf("no log line names the refused key and its size; log:\n%s", l)
		}
	})

	configRows := []struct {
		name   string
		issuer Issuer
		field  string
		names  string // the error must contain it
	}{
		{"static JWKS with a 1024-bit RSA key: config error naming its kid", Issuer{Name: issA, JWKS: weakSet}, "Issuers[0].JWKS", `"rsa-weak"`},
		{"PEM with a 1024-bit RSA key: config error naming its size", Issuer{Name: issA, PublicKeyPEM: pemOf(k.ec256, weakRSA())}, "Issuers[0].PublicKeyPEM", "1024"},
	}
	for _, row := range configRows {
		t.Run(row.name, func(t *testing.T) {
			g, err := New(Config{Issuers: []Issuer{row.issuer}, Logger: quietLogger, Algorithms: []string{"RS256", "ES256"}})
			var ce *ConfigError
			if !errors.As(err, &ce) {
				if g != nil {
					g.Close()
				}
				t.Fatalf("New: %v, want a ConfigError", err)
			}
			if ce.Field != row.field || !strings.Contains(err.Error(), row.names) {
				t.Errorf("New: %v, want field %s and %s named", err, row.field, row.names)
			}
		})
	}

	t.Run("2048-bit RSA keys, the minimum, verify from PEM and from JWKS", func(t *testing.T) {
		tok := sign(t, "RS256", "rsa-1", k.rsa, claimsFor(issA), nil)
		for _, is := range []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.rsa)}, {Name: issA, JWKS: jwkSet(jwkOf(k.rsa, "rsa-1", "RS256", "sig"))}} {
			g := newGate(t, Config{Issuers: []Issuer{is}, Algorithms: []string{"RS256"}})
			if err := verifyVia(g, tok); err != nil {
				t.Errorf("%d-bit key: %v, want accepted", k.rsa.N.BitLen(), err)
			}
		}
	})
}

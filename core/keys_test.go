package core

// Tests of the keys themselves: which JWKs and PEM keys are loaded, and how
// a loaded key verifies.

import (
	"crypto"
	"crypto/rsa"
	"testing"

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

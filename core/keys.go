package core

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// key is one verification key of an issuer.
type key struct {
	kid string
	alg string // "" when the key does not restrict it
	pub any    // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or []byte (HMAC)
}

// fits reports whether k may verify a token signed with alg: its own alg when
// it names one, otherwise the algorithms its type implies. The caller has
// already checked alg against the allow-list.
func (k key) fits(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch p := k.pub.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P256():
			return alg == "ES256"
		case elliptic.P384():
			return alg == "ES384"
		case elliptic.P521():
			return alg == "ES512"
		}
	case ed25519.PublicKey:
		return alg == "EdDSA"
	case []byte:
		return strings.HasPrefix(alg, "HS")
	}
	return false
}

// keySet is an immutable set of keys, replaced whole on every fetch.
type keySet struct {
	keys []key
}

// match returns the keys that may verify a token with kid and alg, and
// whether any key has that kid at all (to tell an unknown key from an
// algorithm that does not fit a known key). A token without kid may be
// verified by any key that fits; a key without kid serves any token.
func (s *keySet) match(kid, alg string) (out []any, kidKnown bool) {
	if s == nil {
		return nil, false
	}
	for _, k := range s.keys {
		if kid != "" && k.kid != "" && k.kid != kid {
			continue
		}
		kidKnown = true
		if k.fits(alg) {
			out = append(out, k.pub)
		}
	}
	return out, kidKnown
}

// parseJWKS reads a JWK set ({"keys": [...]}) or a single JWK. Keys that are
// not for signatures (use=enc), that are malformed or of an unsupported type
// are skipped, so one odd key does not take the others down; a set with no
// usable key is an error.
func parseJWKS(data []byte) (*keySet, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("JWKS is not JSON: %w", err)
	}
	if set.Keys == nil {
		set.Keys = []json.RawMessage{data} // a single JWK
	}
	ks := &keySet{}
	for _, raw := range set.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil || jwk.Use == "enc" {
			continue
		}
		if !jwk.IsPublic() {
			pub := jwk.Public()
			jwk = pub
		}
		if p, ok := jwk.Key.(*rsa.PublicKey); ok && (p.N == nil || p.N.Sign() == 0) {
			continue // go-jose refuses e < 2 but takes "n":"" as modulus 0
		}
		switch jwk.Key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			ks.keys = append(ks.keys, key{kid: jwk.KeyID, alg: jwk.Algorithm, pub: jwk.Key})
		}
	}
	if len(ks.keys) == 0 {
		return nil, errors.New("JWKS holds no usable signature key")
	}
	return ks, nil
}

// parsePEM reads every PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE block.
func parsePEM(data []byte) ([]key, error) {
	var out []key
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		var pub any
		var err error
		switch block.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case "CERTIFICATE":
			var cert *x509.Certificate
			if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
				pub = cert.PublicKey
			}
		default:
			return nil, fmt.Errorf("PEM block %q is not a public key (private keys do not belong in a verifier)", block.Type)
		}
		if err != nil {
			return nil, err
		}
		switch pub.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			out = append(out, key{pub: pub})
		default:
			return nil, fmt.Errorf("unsupported public key type %T", pub)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM public key found")
	}
	return out, nil
}

package core

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
)

// minRSABits is the smallest RSA modulus a key may have (RFC 7518 3.3 and
// 3.5 require 2048 bits for RS and PS algorithms).
const minRSABits = 2048

// checkRSASize refuses an RSA key below minRSABits; other keys pass.
func checkRSASize(pub any) error {
	if p, ok := pub.(*rsa.PublicKey); ok && p.N.BitLen() < minRSABits {
		return fmt.Errorf("RSA key of %d bits; at least %d are required (RFC 7518 3.3)", p.N.BitLen(), minRSABits)
	}
	return nil
}

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
	seq  uint64 // sequence number of the fetch that brought it; 0 for static keys
	// gen changes only when a fetched set holds other keys than the set it
	// replaces (nextGeneration): the verified-token cache keeps an entry
	// while its issuer's generation is the one it was verified under, so a
	// refresh that brings the same keys back does not empty it.
	gen uint64

	indexOnce sync.Once
	index     keyIndex
}

// keyIndex answers match without building a list per request: the keys
// that may verify each alg, for every kid of the set, for a token without
// kid and for a kid the set lacks. Built once per key set.
type keyIndex struct {
	byKid     map[string]*algKeys // keys with that kid, and keys without kid
	anyKid    algKeys             // a token without kid: every key
	otherKid  algKeys             // a kid no key has: the keys without kid
	anonymous bool                // whether some key has no kid (it serves any kid)
}

// algKeys lists keys by the index of their alg in indexedAlgs.
type algKeys [len(indexedAlgs)][]any

// indexedAlgs are the algorithms golang-jwt implements (besides none).
var indexedAlgs = [...]string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512",
}

// algIndex returns alg's index in indexedAlgs, or -1.
func algIndex(alg string) int {
	for i, a := range indexedAlgs {
		if a == alg {
			return i
		}
	}
	return -1
}

// build fills s.index from s.keys, keeping their order in every list.
func (s *keySet) build() {
	x := &s.index
	x.byKid = make(map[string]*algKeys)
	for _, k := range s.keys {
		if k.kid != "" && x.byKid[k.kid] == nil {
			x.byKid[k.kid] = &algKeys{}
		}
		x.anonymous = x.anonymous || k.kid == ""
	}
	for _, k := range s.keys {
		for i, alg := range indexedAlgs {
			if !k.fits(alg) {
				continue
			}
			x.anyKid[i] = append(x.anyKid[i], k.pub)
			if k.kid == "" {
				x.otherKid[i] = append(x.otherKid[i], k.pub)
			}
			for kid, lists := range x.byKid {
				if k.kid == "" || k.kid == kid {
					lists[i] = append(lists[i], k.pub)
				}
			}
		}
	}
}

// match returns the keys that may verify a token with kid and alg, and
// whether any key has that kid at all (to tell an unknown key from an
// algorithm that does not fit a known key). A token without kid may be
// verified by any key that fits; a key without kid serves any token. The
// list is shared: callers only read it.
func (s *keySet) match(kid, alg string) (out []any, kidKnown bool) {
	if s == nil {
		return nil, false
	}
	i := algIndex(alg)
	if i < 0 {
		return nil, s.kidKnown(kid) // no key fits an alg golang-jwt lacks
	}
	s.indexOnce.Do(s.build)
	x := &s.index
	switch lists := x.byKid[kid]; {
	case kid == "":
		return x.anyKid[i], len(s.keys) > 0
	case lists != nil:
		return lists[i], true
	}
	return x.otherKid[i], x.anonymous
}

// kidKnown reports whether a key of s may serve kid.
func (s *keySet) kidKnown(kid string) bool {
	for _, k := range s.keys {
		if kid == "" || k.kid == "" || k.kid == kid {
			return true
		}
	}
	return false
}

// nextGeneration is the generation of next, the set that replaces cur (nil
// before any keys were loaded): cur's own when both hold the same keys in
// the same order, the next one otherwise.
func nextGeneration(cur, next *keySet) uint64 {
	switch {
	case cur == nil:
		return 1
	case sameKeys(cur.keys, next.keys):
		return cur.gen
	}
	return cur.gen + 1
}

// sameKeys reports whether a and b hold equal keys in the same order.
func sameKeys(a, b []key) bool {
	return slices.EqualFunc(a, b, func(x, y key) bool {
		if x.kid != y.kid || x.alg != y.alg {
			return false
		}
		if p, ok := x.pub.(interface{ Equal(crypto.PublicKey) bool }); ok {
			return p.Equal(y.pub)
		}
		xb, _ := x.pub.([]byte)
		yb, ok := y.pub.([]byte)
		return ok && bytes.Equal(xb, yb)
	})
}

// errNoUsableKey: a key set parsed fine but holds no key that may verify a
// signature. Fetched, it withdraws the issuer's keys; configured, it is a
// config error.
var errNoUsableKey = errors.New("JWKS holds no usable signature key")

// decide answers from s alone when it can: the keys that may verify a token
// with kid and alg, or ErrAlgorithm when s has kid but alg fits none of its
// keys. done is false when s (possibly nil) lacks kid.
func (s *keySet) decide(kid, alg string) (keys []any, e *Error, done bool) {
	keys, known := s.match(kid, alg)
	switch {
	case len(keys) > 0:
		return keys, nil, true
	case known:
		return nil, newError(ErrAlgorithm, fmt.Errorf("alg %s does not fit key %q", alg, kid)), true
	}
	return nil, nil, false
}

// parseJWKS reads a JWK set ({"keys": [...]}) or a single JWK. Keys that are
// not for verifying signatures, that are malformed or of an unsupported type
// are skipped, so one odd key does not take the others down; signature keys
// too weak to trust are skipped as well and listed in refused, each naming
// its kid. The set may come out empty (RFC 7517 5 allows that); only a
// document that is not a key set at all is an error.
func parseJWKS(data []byte) (ks *keySet, refused []error, err error) {
	raws, err := jwkList(data)
	if err != nil {
		return nil, nil, err
	}
	ks = &keySet{}
	for _, raw := range raws {
		k, ok, weak := parseJWK(raw)
		if weak != nil {
			refused = append(refused, weak)
		}
		if ok {
			ks.keys = append(ks.keys, k)
		}
	}
	return ks, refused, nil
}

// jwkList splits a JWK set into its keys; a single JWK (it has "kty") is a
// set of one. Anything else, such as {} or an error object a server answers
// with status 200, is not a key set: a fetch of it fails and keeps the
// cached keys rather than withdrawing them.
func jwkList(data []byte) ([]json.RawMessage, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("JWKS is not a JSON object: %w", err)
	}
	raw, ok := doc["keys"]
	if !ok {
		if _, ok := doc["kty"]; ok {
			return []json.RawMessage{data}, nil
		}
		return nil, errors.New(`JWKS has neither "keys" nor "kty"`)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, errors.New(`JWKS "keys" is not an array`)
	}
	return list, nil
}

// parseJWK reads one JWK; ok is false when it is malformed, of an
// unsupported type, not meant for verifying signatures, or too weak (then
// weak says why, naming the kid).
func parseJWK(raw json.RawMessage) (k key, ok bool, weak error) {
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil || jwk.Use == "enc" {
		return key{}, false, nil
	}
	// go-jose drops key_ops (RFC 7517 4.3). When present it must permit
	// "verify", exactly as written; a key_ops that is not a list of strings
	// makes the key malformed.
	var ops struct {
		KeyOps *[]string `json:"key_ops"`
	}
	if err := json.Unmarshal(raw, &ops); err != nil || (ops.KeyOps != nil && !slices.Contains(*ops.KeyOps, "verify")) {
		return key{}, false, nil
	}
	if !jwk.IsPublic() {
		jwk = jwk.Public()
	}
	switch jwk.Key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		if err := checkRSASize(jwk.Key); err != nil {
			return key{}, false, fmt.Errorf("key %q: %w", jwk.KeyID, err)
		}
		return key{kid: jwk.KeyID, alg: jwk.Algorithm, pub: jwk.Key}, true, nil
	}
	return key{}, false, nil
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
		if err := checkRSASize(pub); err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", len(out)+1, err)
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

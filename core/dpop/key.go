package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// The JWS algorithms a Key signs with (RFC 7518, RFC 8037).
const (
	ES256 = "ES256" // ECDSA P-256 with SHA-256: NewKey's, and the default for P-256 keys
	ES384 = "ES384" // ECDSA P-384 with SHA-384
	ES512 = "ES512" // ECDSA P-521 with SHA-512
	EdDSA = "EdDSA" // Ed25519
	PS256 = "PS256" // RSASSA-PSS with SHA-256: the default for RSA keys
	RS256 = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, for servers without PS256
)

// minRSABits is the smallest RSA modulus a Key accepts (RFC 7518 §3.3).
const minRSABits = 2048

// Key is a client's DPoP key: a private key and the algorithm it signs
// proofs with. Its public JWK and the proof header, which are the same for
// every proof, are computed once. A Key is safe for concurrent use.
type Key struct {
	signer     crypto.Signer
	alg        string
	hash       crypto.Hash       // digest signed; 0 for Ed25519 (signs the message)
	opts       crypto.SignerOpts // passed to signer.Sign
	ecSize     int               // bytes of r and of s in an ECDSA signature; 0 otherwise
	jwk        []byte            // public JWK, RFC 7638 canonical form
	thumbprint string
	header     string // base64url of the proof's JOSE header, with its trailing "."
}

// NewKey returns a fresh ECDSA P-256 key signing ES256: the algorithm every
// DPoP server supports.
func NewKey() (*Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return KeyFromSigner(priv, "")
}

// KeyFromSigner returns a Key signing with signer: an *ecdsa.PrivateKey,
// ed25519.PrivateKey, *rsa.PrivateKey, or any crypto.Signer whose Public
// key is one of those types (a key in a hardware module or a KMS). alg ""
// picks the default for the key: ES256, ES384 or ES512 by curve, EdDSA, or
// PS256 for RSA (RS256 when asked for). An algorithm that does not fit the
// key is an ErrKey.
func KeyFromSigner(signer crypto.Signer, alg string) (*Key, error) {
	if signer == nil {
		return nil, fmt.Errorf("%w: nil signer", ErrKey)
	}
	k := &Key{signer: signer}
	jwk, err := k.setAlg(signer.Public(), alg)
	if err != nil {
		return nil, err
	}
	if k.jwk, err = json.Marshal(jwk); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	sum := sha256.Sum256(k.jwk)
	k.thumbprint = base64.RawURLEncoding.EncodeToString(sum[:])
	header, err := json.Marshal(struct {
		Typ string          `json:"typ"`
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}{"dpop+jwt", k.alg, k.jwk})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	k.header = base64.RawURLEncoding.EncodeToString(header) + "."
	return k, nil
}

// setAlg sets the algorithm, hash and signer options for the public key pub
// and returns its JWK.
func (k *Key) setAlg(pub crypto.PublicKey, alg string) (any, error) {
	jwk, err := publicJWK(pub)
	if err != nil {
		return nil, err
	}
	want, hash := "", crypto.Hash(0)
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		want, hash = ecAlgs[p.Curve.Params().Name].alg, ecAlgs[p.Curve.Params().Name].hash
		k.ecSize = (p.Curve.Params().BitSize + 7) / 8
		k.opts = hash
	case ed25519.PublicKey:
		want, k.opts = EdDSA, crypto.Hash(0)
	case *rsa.PublicKey:
		want, hash = PS256, crypto.SHA256
		k.opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: hash}
		if alg == RS256 {
			want, k.opts = RS256, hash
		}
	}
	if alg != "" && alg != want {
		return nil, fmt.Errorf("%w: algorithm %q does not fit a %s key", ErrKey, alg, jwkType(jwk))
	}
	k.alg, k.hash = want, hash
	return jwk, nil
}

// ecAlgs maps a curve to its JWS algorithm and hash (RFC 7518 §3.4).
var ecAlgs = map[string]struct {
	alg  string
	hash crypto.Hash
}{
	"P-256": {ES256, crypto.SHA256},
	"P-384": {ES384, crypto.SHA384},
	"P-521": {ES512, crypto.SHA512},
}

// The public JWKs, with exactly the members RFC 7638 §3.2 requires, in
// lexicographic order: marshalled, each is the thumbprint's input.
type (
	ecJWK struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}
	okpJWK struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
	}
	rsaJWK struct {
		E   string `json:"e"`
		Kty string `json:"kty"`
		N   string `json:"n"`
	}
)

func jwkType(jwk any) string {
	switch jwk.(type) {
	case ecJWK:
		return "EC"
	case okpJWK:
		return "OKP"
	}
	return "RSA"
}

// publicJWK returns the public JWK of pub, or an ErrKey for a key DPoP
// cannot use.
func publicJWK(pub crypto.PublicKey) (any, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		if p == nil || p.Curve == nil {
			return nil, fmt.Errorf("%w: nil ECDSA key", ErrKey)
		}
		name := p.Curve.Params().Name
		if _, ok := ecAlgs[name]; !ok {
			return nil, fmt.Errorf("%w: ECDSA curve %q (want P-256, P-384 or P-521)", ErrKey, name)
		}
		raw, err := p.Bytes() // 0x04 || X || Y, each padded to the curve size
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKey, err)
		}
		n := (len(raw) - 1) / 2
		return ecJWK{Crv: name, Kty: "EC", X: b64(raw[1 : 1+n]), Y: b64(raw[1+n:])}, nil
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: Ed25519 public key of %d bytes", ErrKey, len(p))
		}
		return okpJWK{Crv: "Ed25519", Kty: "OKP", X: b64(p)}, nil
	case *rsa.PublicKey:
		if p == nil || p.N == nil {
			return nil, fmt.Errorf("%w: nil RSA key", ErrKey)
		}
		if p.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("%w: RSA key of %d bits (want at least %d)", ErrKey, p.N.BitLen(), minRSABits)
		}
		return rsaJWK{E: b64(big.NewInt(int64(p.E)).Bytes()), Kty: "RSA", N: b64(p.N.Bytes())}, nil
	}
	return nil, fmt.Errorf("%w: unsupported public key type %T", ErrKey, pub)
}

// Thumbprint returns the RFC 7638 JWK SHA-256 thumbprint of a public key
// (*ecdsa.PublicKey, ed25519.PublicKey or *rsa.PublicKey), base64url
// without padding: the value of an access token's cnf.jkt.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	jwk, err := publicJWK(pub)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(jwk)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrKey, err)
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// Thumbprint returns the RFC 7638 thumbprint of the key's public JWK: the
// value an authorization server binds a token to (cnf.jkt), and what a
// client sends as dpop_jkt.
func (k *Key) Thumbprint() string { return k.thumbprint }

// Alg returns the JWS algorithm the key signs proofs with.
func (k *Key) Alg() string { return k.alg }

// PublicJWK returns the key's public JWK as JSON (the members RFC 7638
// requires, in its canonical order).
func (k *Key) PublicJWK() []byte { return append([]byte(nil), k.jwk...) }

// Public returns the key's public key.
func (k *Key) Public() crypto.PublicKey { return k.signer.Public() }

package sessions

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Refresh tokens are opaque to clients:
//
//	sgr1.<sid>.<generation>.<secret>
//
// sid is the session ID (16 random bytes, base64url), generation the
// decimal Record.Generation the token is for, and secret the base64url
// HMAC-SHA256, under a key derived from a configured Secret, of the prefix,
// sid, generation and Record.Seed. The store keeps only the seed, so it can
// neither make nor check a token; the successor of a token is
// deterministic, so OutcomeRepeated hands out the very token OutcomeRotated
// did. The prefix is versioned so the format can change.
const (
	refreshPrefix = "sgr1."
	sidLen        = 22 // base64url of 16 bytes
	macLen        = 43 // base64url of 32 bytes
	// maxRefreshLen bounds what Refresh reads: prefix, sid, 20 digits of
	// a uint64, the secret and three dots.
	maxRefreshLen = len(refreshPrefix) + sidLen + 1 + 20 + 1 + macLen
)

// HKDF info strings: one derived key per purpose and secret, so the
// refresh-token key and the key-sealing key are independent.
const (
	infoRefresh = "sessiongate sessions refresh-token hmac v1"
	infoSeal    = "sessiongate sessions signing-key seal v1"
)

var b64 = base64.RawURLEncoding.Strict()

// derive returns the 32-byte key HKDF-SHA256 derives from secret for info.
func derive(secret []byte, info string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, info, 32)
	if err != nil { // only for a length HKDF cannot give; 32 it always can
		panic("sessions: hkdf: " + err.Error())
	}
	return k
}

// refreshToken is a parsed refresh token.
type refreshToken struct {
	sid string
	gen uint64
	mac [32]byte
}

// parseRefresh reads a refresh token strictly: the one canonical spelling
// of each part, or ErrRefreshInvalid. The error never quotes the token.
func parseRefresh(tok string) (refreshToken, error) {
	var t refreshToken
	if len(tok) > maxRefreshLen || !strings.HasPrefix(tok, refreshPrefix) {
		return t, fmt.Errorf("%w: not a refresh token of this format", ErrRefreshInvalid)
	}
	sid, rest, ok1 := strings.Cut(tok[len(refreshPrefix):], ".")
	gen, mac, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || !validSID(sid) || len(mac) != macLen {
		return t, fmt.Errorf("%w: malformed", ErrRefreshInvalid)
	}
	g, ok := parseGeneration(gen)
	if !ok {
		return t, fmt.Errorf("%w: malformed generation", ErrRefreshInvalid)
	}
	if n, err := b64.Decode(t.mac[:], []byte(mac)); err != nil || n != len(t.mac) {
		return t, fmt.Errorf("%w: malformed secret", ErrRefreshInvalid)
	}
	t.sid, t.gen = sid, g
	return t, nil
}

// validSID reports whether s is a session ID this manager makes: 16 bytes
// in canonical base64url.
func validSID(s string) bool {
	var buf [16]byte
	if len(s) != sidLen {
		return false
	}
	n, err := b64.Decode(buf[:], []byte(s))
	return err == nil && n == len(buf)
}

// parseGeneration reads a positive decimal without sign or leading zero.
func parseGeneration(s string) (uint64, bool) {
	if s == "" || len(s) > 20 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	g, err := strconv.ParseUint(s, 10, 64)
	return g, err == nil
}

// sessionDigest is what a refresh token's secret covers of its session
// besides ID and generation: the seed, and everything the access tokens it
// renews are made from (subject, extra claims, key binding) or are bounded
// by (creation, absolute expiry). Someone who can write to the store but
// does not hold the manager's secret can then neither make a token nor
// change what an existing one grants: a session whose subject or claims
// were edited no longer verifies its own refresh tokens.
func sessionDigest(r *Record) Hash {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		h.Write(binary.BigEndian.AppendUint64(n[:0], uint64(len(b))))
		h.Write(b)
	}
	field(r.Seed[:])
	field([]byte(r.Subject))
	field(r.Claims)
	field([]byte(r.KeyBinding))
	var times [16]byte
	binary.BigEndian.PutUint64(times[:8], uint64(r.CreatedAt.UnixMicro()))
	binary.BigEndian.PutUint64(times[8:], uint64(r.ExpiresAt.UnixMicro()))
	field(times[:])
	var out Hash
	h.Sum(out[:0])
	return out
}

// refreshMAC computes a token's secret under one derived key; digest is
// the session's sessionDigest.
func refreshMAC(key []byte, sid string, gen uint64, digest Hash) [32]byte {
	m := hmac.New(sha256.New, key)
	var buf [len(refreshPrefix) + sidLen + 1 + 8 + len(Hash{})]byte
	b := append(buf[:0], refreshPrefix...)
	b = append(b, sid...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint64(b, gen)
	b = append(b, digest[:]...)
	m.Write(b)
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// formatRefresh writes the token of generation gen of a session.
func formatRefresh(key []byte, sid string, gen uint64, digest Hash) string {
	mac := refreshMAC(key, sid, gen, digest)
	var sb strings.Builder
	sb.Grow(maxRefreshLen)
	sb.WriteString(refreshPrefix)
	sb.WriteString(sid)
	sb.WriteByte('.')
	sb.WriteString(strconv.FormatUint(gen, 10))
	sb.WriteByte('.')
	var enc [macLen]byte
	b64.Encode(enc[:], mac[:])
	sb.Write(enc[:])
	return sb.String()
}

// randomID returns n random bytes in base64url.
func randomID(n int) string {
	buf := make([]byte, n)
	rand.Read(buf) // never fails (crypto/rand panics rather than return an error)
	return b64.EncodeToString(buf)
}

// registeredClaims are the names Identity.Claims may not use: the manager
// sets them (RFC 7519 §4.1, sid, cnf) or they would change what a gate
// decides.
var registeredClaims = map[string]bool{
	"iss": true, "sub": true, "aud": true, "exp": true, "nbf": true, "iat": true,
	"jti": true, "sid": true, "cnf": true,
}

// maxClaimsSize bounds Identity.Claims as JSON: they ride in every access
// token, and a token must fit in a cookie.
const maxClaimsSize = 2048

// accessClaims is an access token's claim set: the registered claims, sid,
// cnf, and the session's extra claims (Record.Claims) spliced in as JSON.
type accessClaims struct {
	jwt.RegisteredClaims
	SessionID string        `json:"sid"`
	Cnf       *confirmation `json:"cnf,omitempty"`
	extra     []byte        // a JSON object, or nil
}

// confirmation is the cnf claim of a DPoP-bound token (RFC 9449 §6.1).
type confirmation struct {
	JKT string `json:"jkt"`
}

// MarshalJSON writes the claims with the extra claims merged into the
// object, so Record.Claims need not be decoded for every token.
func (c accessClaims) MarshalJSON() ([]byte, error) {
	type plain accessClaims // no MarshalJSON: no recursion
	b, err := json.Marshal(plain(c))
	if err != nil || len(c.extra) <= 2 { // nil or "{}"
		return b, err
	}
	b = append(b[:len(b)-1], ',')
	return append(b, c.extra[1:]...), nil
}

// signingKey is one key access tokens are signed with, unsealed.
type signingKey struct {
	rec    KeyRecord // Sealed dropped
	key    crypto.Signer
	method jwt.SigningMethod
	public json.RawMessage // the public JWK, built from the private key
}

// mint signs an access token for session r at now.
func (k *signingKey) mint(cfg *Config, r *Record, now time.Time) (string, time.Time, error) {
	exp := now.Add(cfg.AccessTTL)
	if exp.After(r.ExpiresAt) { // no token outlives its session
		exp = r.ExpiresAt
	}
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: cfg.Issuer, Subject: r.Subject, Audience: cfg.Audience,
			ExpiresAt: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now),
			ID: randomID(16),
		},
		SessionID: r.ID,
		extra:     r.Claims,
	}
	if r.KeyBinding != "" {
		c.Cnf = &confirmation{JKT: r.KeyBinding}
	}
	t := jwt.NewWithClaims(k.method, c)
	t.Header["kid"] = k.rec.KID
	t.Header["typ"] = "at+jwt" // RFC 9068 §2.1
	s, err := t.SignedString(k.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sessions: sign access token: %w", err)
	}
	return s, exp.Truncate(time.Second), nil
}

// signerAlg is the JWS algorithm for a public key, or why there is none.
func signerAlg(pub crypto.PublicKey) (string, error) {
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		if p.Curve == elliptic.P256() {
			return "ES256", nil
		}
		return "", errors.New("ECDSA keys must use P-256 (ES256)")
	case ed25519.PublicKey:
		return "EdDSA", nil
	case *rsa.PublicKey:
		if p.N.BitLen() >= 2048 {
			return "RS256", nil
		}
		return "", fmt.Errorf("RSA key has %d bits, want at least 2048", p.N.BitLen())
	}
	return "", fmt.Errorf("unsupported public key type %T (want P-256 ECDSA, Ed25519 or RSA)", pub)
}

// methodFor picks the golang-jwt signing method for key: the library's own
// for in-memory keys, signerMethod for any other crypto.Signer (KMS, HSM).
func methodFor(alg string, key crypto.Signer) jwt.SigningMethod {
	switch key.(type) {
	case *ecdsa.PrivateKey, *rsa.PrivateKey, ed25519.PrivateKey:
		return jwt.GetSigningMethod(alg)
	}
	return signerMethod{alg: alg}
}

// signerMethod signs through crypto.Signer, for keys golang-jwt's own
// methods do not take (they want *ecdsa.PrivateKey or *rsa.PrivateKey). It
// is not registered with golang-jwt: it only signs.
type signerMethod struct{ alg string }

func (m signerMethod) Alg() string { return m.alg }

// Verify delegates to golang-jwt's method of the same name; the manager
// never verifies with it.
func (m signerMethod) Verify(signingString string, sig []byte, key any) error {
	return jwt.GetSigningMethod(m.alg).Verify(signingString, sig, key)
}

// Sign signs signingString with key, a crypto.Signer, in JWS form.
func (m signerMethod) Sign(signingString string, key any) ([]byte, error) {
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, jwt.ErrInvalidKeyType
	}
	if m.alg == "EdDSA" {
		return s.Sign(rand.Reader, []byte(signingString), crypto.Hash(0))
	}
	var h hash.Hash = sha256.New()
	h.Write([]byte(signingString))
	sig, err := s.Sign(rand.Reader, h.Sum(nil), crypto.SHA256)
	if err != nil || m.alg != "ES256" {
		return sig, err // RS256: PKCS #1 v1.5 is already the JWS form
	}
	return ecdsaRaw(sig)
}

// ecdsaRaw turns an ASN.1 ECDSA signature into JWS's fixed-size R || S
// (RFC 7518 §3.4).
func ecdsaRaw(der []byte) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) > 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 256 || rs.S.BitLen() > 256 {
		return nil, errors.New("sessions: signer returned a malformed ECDSA signature")
	}
	out := make([]byte, 64)
	rs.R.FillBytes(out[:32])
	rs.S.FillBytes(out[32:])
	return out, nil
}

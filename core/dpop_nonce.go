package core

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// nonces issues and checks DPoP server nonces (RFC 9449 §8) without
// keeping state: a nonce is the number of the period it was issued in and
// a MAC of that number under the secret, so every instance with the same
// secret issues and accepts the same nonces, and a client cannot make one.
type nonces struct {
	secret []byte
	period time.Duration
}

// nonceMACSize is how much of the HMAC-SHA256 a nonce carries: 128 bits.
const nonceMACSize = 16

// nonceLen is the length of a nonce: base64url of 8 + nonceMACSize bytes.
var nonceLen = base64.RawURLEncoding.EncodedLen(8 + nonceMACSize)

// index is the number of the period now falls in.
func (n *nonces) index(now time.Time) uint64 {
	return uint64(now.UnixNano() / int64(n.period))
}

// make returns the nonce of period i.
func (n *nonces) make(i uint64) string {
	var b [8 + nonceMACSize]byte
	binary.BigEndian.PutUint64(b[:8], i)
	m := hmac.New(sha256.New, n.secret)
	m.Write([]byte("sessiongate DPoP nonce\x00"))
	m.Write(b[:8])
	copy(b[8:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// current returns the nonce to hand out at now.
func (n *nonces) current(now time.Time) string { return n.make(n.index(now)) }

// check reports whether nonce is one this server issued for the period of
// now or the one before (ok), and whether it is the one before (stale: the
// answer should carry the current one).
func (n *nonces) check(nonce string, now time.Time) (ok, stale bool) {
	if len(nonce) != nonceLen || !canonicalBase64URL(nonce) {
		return false, false
	}
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil {
		return false, false
	}
	i, cur := binary.BigEndian.Uint64(b[:8]), n.index(now)
	if i != cur && i+1 != cur {
		return false, false
	}
	if !hmac.Equal([]byte(n.make(i)), []byte(nonce)) {
		return false, false
	}
	return true, i != cur
}

package dpop

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"
)

// maxNonceLen bounds a server nonce the client repeats: far above what
// servers issue, far below what would bloat every request.
const maxNonceLen = 1024

// claims are a proof's claims (RFC 9449 §4.2).
type claims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	ATH   string `json:"ath,omitempty"`
	Nonce string `json:"nonce,omitempty"`
}

// Proof signs a DPoP proof for one request: method and target (an absolute
// http or https URL; its query and fragment are left out of htu), the access
// token the request carries ("" for none, as at a token endpoint: it is
// bound by ath otherwise) and the server's nonce ("" for none). Every call
// signs a fresh proof with a new random jti and the current time as iat.
func (k *Key) Proof(method, target, accessToken, nonce string) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrURL, redactURLError(err))
	}
	htu, err := HTU(u, "")
	if err != nil {
		return "", err
	}
	return k.proof(method, htu, accessToken, nonce, time.Now())
}

// proof signs a proof for htu, already made by HTU.
func (k *Key) proof(method, htu, accessToken, nonce string, now time.Time) (string, error) {
	if !isToken(method) {
		return "", ErrMethod
	}
	if nonce != "" && !validNonce(nonce) {
		return "", ErrNonce
	}
	c := claims{HTM: method, HTU: htu, IAT: now.Unix(), Nonce: nonce}
	if accessToken != "" {
		if !isToken68(accessToken) {
			return "", ErrToken
		}
		sum := sha256.Sum256([]byte(accessToken))
		c.ATH = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	var jti [16]byte // 128 bits, as RFC 9449 §11.1 asks
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("%w: %w", ErrSign, err)
	}
	c.JTI = base64.RawURLEncoding.EncodeToString(jti[:])
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSign, err)
	}
	var b strings.Builder
	enc := base64.RawURLEncoding
	b.Grow(len(k.header) + enc.EncodedLen(len(payload)) + 1 + enc.EncodedLen(2*k.ecSize+512))
	b.WriteString(k.header)
	b.WriteString(enc.EncodeToString(payload))
	sig, err := k.sign(b.String())
	if err != nil {
		return "", err
	}
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(sig))
	return b.String(), nil
}

// sign returns the JWS signature of the signing input.
func (k *Key) sign(input string) ([]byte, error) {
	msg := []byte(input)
	if k.hash != 0 {
		h := k.hash.New()
		h.Write(msg)
		msg = h.Sum(nil)
	}
	sig, err := k.signer.Sign(rand.Reader, msg, k.opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSign, err)
	}
	if k.ecSize == 0 {
		return sig, nil
	}
	// A crypto.Signer returns ECDSA signatures in ASN.1; JWS wants r || s,
	// each padded to the curve size (RFC 7518 §3.4).
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) != 0 ||
		rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 8*k.ecSize || rs.S.BitLen() > 8*k.ecSize {
		return nil, fmt.Errorf("%w: malformed ECDSA signature from the signer", ErrSign)
	}
	out := make([]byte, 2*k.ecSize)
	rs.R.FillBytes(out[:k.ecSize])
	rs.S.FillBytes(out[k.ecSize:])
	return out, nil
}

// HTU returns the htu of a request to u (RFC 9449 §4.2): scheme and host
// in lower case, the port unless it is the scheme's default, and the path
// as sent ("/" when empty), without query and fragment. host, when not
// empty, stands for u.Host, as http.Request.Host does for the Host header.
func HTU(u *url.URL, host string) (string, error) {
	if u == nil || u.Opaque != "" || u.User != nil {
		return "", ErrURL
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", ErrURL
	}
	if host == "" {
		host = u.Host
	}
	authority, err := htuAuthority(scheme, host)
	if err != nil {
		return "", err
	}
	path := u.EscapedPath()
	switch {
	case path == "":
		path = "/"
	case path[0] != '/':
		return "", ErrURL // a hand-made URL whose path would run into its host
	}
	return scheme + "://" + authority + path, nil
}

// htuAuthority checks host (host[:port]) and writes it in lower case,
// without the scheme's default port.
func htuAuthority(scheme, host string) (string, error) {
	h, err := url.Parse(scheme + "://" + host + "/")
	if err != nil || h.Hostname() == "" || h.Host != host || h.User != nil {
		return "", ErrURL
	}
	host = strings.ToLower(host)
	if port := h.Port(); (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return host, nil
}

// redactURLError drops the URL a url.Parse error quotes: it may carry a
// token or a secret in its query.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2), as a
// method must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// isToken68 reports whether s is a token68 (RFC 9110 §11.2), the syntax of
// an access token in "Authorization: DPoP".
func isToken68(s string) bool {
	t := strings.TrimRight(s, "=")
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			return false
		}
	}
	return true
}

// validNonce reports whether s is a DPoP nonce (RFC 9449 §8.1: 1*NQCHAR)
// of at most maxNonceLen bytes.
func validNonce(s string) bool {
	if s == "" || len(s) > maxNonceLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

package adaptertest

import (
	"bytes"
	"crypto/elliptic"
	"encoding/base64"
	"maps"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// tok describes a token a row sends. The fixture's issuer mints it when the
// row runs, so every time in it is relative to that moment.
type tok struct {
	sub       string
	jti       string         // the session ID, to tell two tokens of one subject apart
	extra     map[string]any // claims merged last, overriding the ones above
	issued    time.Duration  // iat relative to now: -time.Hour is an hour ago
	ttl       time.Duration  // from iat to exp; 0: the issuer's 15 minutes
	notBefore time.Duration  // nbf relative to now; 0: no nbf
	iss       string         // an issuer other than the fixture's
	aud       []string
	kid       string   // a key ID other than the signing key's
	mangle    mangle   // applied after signing
	raw       string   // sent as written instead of a minted token
	cnf       proofKey // the client key the token is bound to (cnf.jkt); noKey: a bearer token
}

// mangle is what a row does to a signed token.
type mangle int

const (
	asSigned     mangle = iota
	tampered            // the payload changed after signing
	algNone             // re-headed with alg none and the signature dropped
	critHeader          // a critical header extension nobody understands
	loosePadding        // the signature's last character spelled with non-zero padding bits
	highS               // the ECDSA signature (r, s) rewritten as its twin (r, n-s)
)

func valid(sub string) tok { return tok{sub: sub} }

func expired(sub string) tok { return tok{sub: sub, issued: -time.Hour, ttl: 30 * time.Minute} }

// issuedAgo is a valid token issued ago, to order tokens by iat.
// issuedAgoAs is issuedAgo with session ID jti.
func issuedAgoAs(sub, jti string, ago time.Duration) tok {
	return tok{sub: sub, jti: jti, issued: -ago, ttl: time.Hour}
}

func issuedAgo(sub string, ago time.Duration) tok { return tok{sub: sub, issued: -ago, ttl: time.Hour} }

func raw(s string) tok { return tok{raw: s} }

// mintAll mints the row's tokens, in order.
func (f *Fixture) mintAll(t testing.TB, toks []tok) []string {
	t.Helper()
	out := make([]string, len(toks))
	for i, k := range toks {
		out[i] = f.mint(t, k)
	}
	return out
}

func (f *Fixture) mint(t testing.TB, k tok) string {
	t.Helper()
	if k.raw != "" {
		return k.raw
	}
	now := time.Now()
	c := devissuer.Claims{
		Subject: k.sub, TTL: k.ttl, IssuedAt: now.Add(k.issued), Issuer: k.iss, Audience: k.aud, KeyID: k.kid,
	}
	if k.notBefore != 0 {
		c.NotBefore = now.Add(k.notBefore)
	}
	if k.jti != "" || k.extra != nil || k.cnf != noKey {
		c.Extra = map[string]any{}
		if k.jti != "" {
			c.Extra["jti"] = k.jti
		}
		if k.cnf != noKey {
			c.Extra["cnf"] = map[string]any{"jkt": thumbprint(f.dpop.key(k.cnf))}
		}
		maps.Copy(c.Extra, k.extra)
	}
	s := f.Token(t, c)
	switch k.mangle {
	case tampered:
		return tamper(s)
	case algNone:
		return noneAlg(s)
	case critHeader:
		return withHeader(s, `"crit":["exp-ext"],"exp-ext":1`)
	case loosePadding:
		return withLoosePadding(s)
	case highS:
		return withHighS(s)
	}
	return s
}

// fill puts the tokens in place of {token}, {token2}, {token3}...
func fill(s string, toks []string) string {
	if !strings.Contains(s, "{token") {
		return s
	}
	pairs := make([]string, 0, 2*len(toks))
	for i, v := range toks {
		name := "{token}"
		if i > 0 {
			name = "{token" + strconv.Itoa(i+1) + "}"
		}
		pairs = append(pairs, name, v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// noneAlg returns tok re-headed with alg "none" and no signature.
func noneAlg(tok string) string {
	parts := strings.Split(tok, ".")
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return h + "." + parts[1] + "."
}

// tamper flips the payload so the signature no longer matches.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = bytes.Replace(payload, []byte(`"sub":"`), []byte(`"sub":"x`), 1)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

// withHeader returns tok with extra JOSE header members (signature now invalid
// unless the check happens before the signature, as crit must).
func withHeader(tok, member string) string {
	parts := strings.Split(tok, ".")
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	h = append(h[:len(h)-1], []byte(","+member+"}")...)
	return base64.RawURLEncoding.EncodeToString(h) + "." + parts[1] + "." + parts[2]
}

// withLoosePadding spells the last character of the signature with non-zero
// padding bits: the same bytes to a lenient decoder, another string.
func withLoosePadding(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, tok[len(tok)-1])
	// An ES256 signature is 64 bytes: its last character carries 4 bits and 2
	// padding bits, so setting the lowest bit keeps the decoded bytes.
	return tok[:len(tok)-1] + string(alphabet[i|1])
}

// withHighS rewrites an ES256 signature (r, s) as (r, n-s), which verifies
// as well.
func withHighS(tok string) string {
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(elliptic.P256().Params().N, s)
	s.FillBytes(sig[32:])
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

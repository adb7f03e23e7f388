package core

import (
	"crypto/ecdsa"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// tokenSources put a token where the gate reads it: each returns the
// request, or nil for Verify. Every source must give the same answer.
var tokenSources = []struct {
	name string
	req  func(tok string) Request
}{
	{"Verify", nil},
	{"Authorization header", bearerRequest},
	{"custom header", func(tok string) Request {
		r := httptest.NewRequest(http.MethodGet, "https://api.a.example/me", nil)
		r.Header.Set("X-Session-Token", tok)
		return HTTPRequest(r)
	}},
	{"query parameter", func(tok string) Request {
		return HTTPRequest(httptest.NewRequest(http.MethodGet, "https://api.a.example/me?access_token="+url.QueryEscape(tok), nil))
	}},
	{"cookie", func(tok string) Request {
		r := httptest.NewRequest(http.MethodGet, "https://api.a.example/me", nil)
		r.Header.Set("Cookie", "sid="+tok)
		return HTTPRequest(r)
	}},
}

// sourcesGate reads every source tokenSources writes to.
func sourcesGate(t *testing.T) *Gate {
	return newGate(t, Config{
		Issuers:     []Issuer{{Name: issA, PublicKeyPEM: pemOf(testKeys().ec256)}},
		CookieNames: []string{"sid"},
		HeaderName:  "X-Session-Token",
		QueryParam:  "access_token",
	})
}

// checkEverySource asserts that tok gets want from every source.
func checkEverySource(t *testing.T, g *Gate, tok string, want error) {
	t.Helper()
	for _, src := range tokenSources {
		if src.req == nil {
			s, err := g.Verify(tok, SourceAuthorization)
			checkResult(t, src.name, s, err, tok, want)
			continue
		}
		d := g.Check(src.req(tok), CheckOptions{})
		checkResult(t, src.name, d.Session, d.Err, tok, want)
	}
}

// looseToken is a valid ES256 token whose three segments all end in a
// character that carries padding bits (length not a multiple of 4), so each
// has a second, non-canonical spelling.
func looseToken(t *testing.T) string {
	k := testKeys()
	for i := range 16 {
		tok := sign(t, "ES256", "", k.ec256, claimsFor(issA, withClaim("pad", strings.Repeat("p", i/4))), map[string]any{"x": strings.Repeat("h", i%4)})
		if segs := strings.Split(tok, "."); len(segs[0])%4 != 0 && len(segs[1])%4 != 0 && len(segs[2])%4 != 0 {
			return tok
		}
	}
	t.Fatal("no token with padding bits in every segment")
	return ""
}

// setPaddingBit spells seg's last character with its lowest padding bit set:
// the same bytes to a lenient decoder, another string to everyone else.
func setPaddingBit(seg string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alphabet[i|1])
}

func TestVerifyOneStringForm(t *testing.T) {
	g := sourcesGate(t)
	tok := looseToken(t)
	segNames := []string{"header", "payload", "signature"}
	type defect struct {
		name  string
		apply func(seg string) string
	}
	defects := []defect{
		{"last character with a non-zero padding bit (non-canonical)", setPaddingBit},
		{"'=' padding appended", func(s string) string { return s + strings.Repeat("=", (4-len(s)%4)%4) }},
	}
	for _, c := range []struct{ name, char string }{
		{"CR", "\r"}, {"LF", "\n"}, {"CRLF", "\r\n"}, {"space", " "}, {"tab", "\t"},
		{"'='", "="}, {"'+'", "+"}, {"'/'", "/"}, {"NUL", "\x00"},
	} {
		defects = append(defects, defect{c.name + " inside", func(s string) string { return s[:4] + c.char + s[4:] }})
	}
	t.Run("control: the token as issued is accepted from every source", func(t *testing.T) {
		checkEverySource(t, g, tok, nil)
	})
	for i, seg := range segNames {
		for _, d := range defects {
			t.Run(d.name+" in the "+seg+" segment: ErrMalformed from every source", func(t *testing.T) {
				segs := strings.Split(tok, ".")
				segs[i] = d.apply(segs[i])
				checkEverySource(t, g, strings.Join(segs, "."), ErrMalformed)
			})
		}
	}
}

// ECDSA signatures come in pairs: (r, s) and (r, n−s) both verify. Decision:
// both are accepted. Go's crypto/ecdsa, node's jose and cloud KMS signers
// produce the high-S form about half the time unless the issuer normalises,
// so requiring low-S would refuse half the tokens of ordinary issuers. The
// twin is a valid signature by the issuer's key over the same claims, so
// accepting it grants nothing: a verification cache keyed on the token
// string just holds two correct entries. What must not key on the token
// string is a deny-list (a revoked token would return as its twin): key it
// on jti or on the signing input.
func TestVerifyECDSASignatureTwin(t *testing.T) {
	g := sourcesGate(t)
	tok := sign(t, "ES256", "", testKeys().ec256, claimsFor(issA), nil)
	twin := ecdsaTwin(t, tok, testKeys().ec256)
	if twin == tok {
		t.Fatal("twin equals the token")
	}
	t.Run("signature with s replaced by n−s (the other of the pair): accepted by decision, same claims", func(t *testing.T) {
		checkEverySource(t, g, twin, nil)
		a, _ := g.Verify(tok, SourceAuthorization)
		b, _ := g.Verify(twin, SourceAuthorization)
		if a.Subject != b.Subject || !a.ExpiresAt.Equal(b.ExpiresAt) {
			t.Errorf("the twins verify to different sessions: %+v, %+v", a, b)
		}
	})
}

// ecdsaTwin returns tok with its ES256 signature (r, s) replaced by (r, n−s).
func ecdsaTwin(t *testing.T, tok string, key *ecdsa.PrivateKey) string {
	t.Helper()
	segs := strings.Split(tok, ".")
	sig, err := base64.RawURLEncoding.DecodeString(segs[2])
	if err != nil || len(sig) != 64 {
		t.Fatalf("not an ES256 signature: %v", err)
	}
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(key.Curve.Params().N, s)
	s.FillBytes(sig[32:])
	return segs[0] + "." + segs[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
}

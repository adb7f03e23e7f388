package core

// Fuzz targets for the parsers that read attacker-controlled bytes: the
// Authorization header, the Cookie header, a configured cookie domain and a
// key server's JWKS. Each asserts what the parser promises, not only that it
// does not panic. The seeds (f.Add and testdata/fuzz/<FuzzName>/) run with
// every go test; make fuzz explores further.

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/net/publicsuffix"
)

// FuzzBearer: a token bearer returns is non-empty, holds no space, tab or
// comma, is part of the header value, and reads back the same when put
// behind "Bearer "; only a Bearer scheme is ever reported as one.
func FuzzBearer(f *testing.F) {
	for _, seed := range []string{
		"Bearer abc.def.ghi", "bearer\t\tabc", "BEARER abc ", "Bearer", "Bearer ", "Bearer a b",
		"Bearer a,b", "BearerX abc", "Basic Zm9vOmJhcg==", " \tBearer abc", "Bearer \x00\xff", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, ok, malformed := bearer(v)
		if !ok {
			if malformed || tok != "" {
				t.Fatalf("not Bearer, yet token %q malformed %v", tok, malformed)
			}
			return
		}
		if trimmed := strings.TrimLeft(v, " \t"); len(trimmed) < 6 || !strings.EqualFold(trimmed[:6], "bearer") {
			t.Fatalf("%q reported as a Bearer value", v)
		}
		if malformed {
			if tok != "" {
				t.Fatalf("malformed, yet token %q", tok)
			}
			return
		}
		if tok == "" || strings.ContainsAny(tok, " \t,") || !strings.Contains(v, tok) {
			t.Fatalf("token %q from %q", tok, v)
		}
		if again, ok, malformed := bearer("Bearer " + tok); again != tok || !ok || malformed {
			t.Fatalf("token %q reads back as %q (ok %v, malformed %v)", tok, again, ok, malformed)
		}
	})
}

// FuzzCookieValues: cookieValues returns at most maxCookieValues
// distinct, non-empty values, each taken from a cookie pair whose name is
// one of the asked names, grouped in the order of the names.
func FuzzCookieValues(f *testing.F) {
	for _, seed := range [][2]string{
		{"sid=a; sid=b", ""},
		{"sid=\"quoted\"; other=x", "x"},
		{"sid=a\nsid_old=b; sid=c", "app"},
		{" sid =a;sid= b ;;=;sid", ""},
		{"sid=1; sid=2; sid=3; sid=4; sid=5; sid=6; sid=7; sid_old=8", ""},
		{"xsid=a; sidx=b; SID=c", "sid"},
		{"sid=\"\"; sid=\"; sid=a=b", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, header, extra string) {
		names := []string{"sid", "sid_old"}
		if extra != "" && !strings.ContainsAny(extra, "; =\t\r\n\"") && !slices.Contains(names, extra) {
			names = append(names, extra)
		}
		lines := strings.Split(header, "\n")
		vals, dups := cookieValues(lines, names)
		if len(vals) > maxCookieValues {
			t.Fatalf("%d values, more than the cap %d", len(vals), maxCookieValues)
		}
		last := 0
		for i, c := range vals {
			at := slices.Index(names, c.name)
			if at < 0 || at < last {
				t.Fatalf("value %d has name %q, not asked or out of order (names %q)", i, c.name, names)
			}
			last = at
			if c.value == "" || slices.ContainsFunc(vals[:i], func(p cookieValue) bool { return p.value == c.value }) {
				t.Fatalf("value %d (%q) is empty or repeated", i, c.value)
			}
			if !fromPairNamed(lines, c.name, c.value) {
				t.Fatalf("value %q is in no %s=... pair of %q", c.value, c.name, header)
			}
		}
		for _, d := range dups {
			if !slices.Contains(names, d) {
				t.Fatalf("duplicate name %q was not asked", d)
			}
		}
	})
}

// fromPairNamed reports whether some ";"-separated pair in lines has the
// key name (white space aside) and a value that contains value.
func fromPairNamed(lines []string, name, value string) bool {
	for _, line := range lines {
		for pair := range strings.SplitSeq(line, ";") {
			k, v, ok := strings.Cut(pair, "=")
			if ok && strings.TrimSpace(k) == name && strings.Contains(v, value) {
				return true
			}
		}
	}
	return false
}

// FuzzNormalizeCookieDomain: a domain NormalizeCookieDomain accepts is lower
// case ASCII, has no leading or trailing dot, no empty label, no port, path
// or white space, is not an IP, localhost or a public suffix, and normalises
// to itself. A refusal is a *ConfigError matching ErrConfig.
func FuzzNormalizeCookieDomain(f *testing.F) {
	for _, seed := range []string{
		"example.com", ".Example.COM", "https://example.com:8443/x", "api.example.co.uk", "co.uk", "com",
		"127.0.0.1", "[::1]:80", "localhost", "app.localhost", "bücher.example", "xn--bcher-kva.example",
		"example.com.", "example..com", "example.com:", "example.com:80x", " example.com ", "",
		"com..", "example.com\u3002", "127.1", "0x7f.1", "1.2.3.04", "example.0x", "example.0xzz",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		d, err := NormalizeCookieDomain(raw)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || d != "" {
				t.Fatalf("refusal %T %v with result %q", err, err, d)
			}
			return
		}
		if d == "" || d != strings.ToLower(d) || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
			t.Fatalf("%q normalises to %q: empty, not lower case or a bad dot", raw, d)
		}
		if strings.ContainsFunc(d, func(r rune) bool { return r > 0x7e || r <= ' ' || strings.ContainsRune(":/?#[]@\\", r) }) {
			t.Fatalf("%q normalises to %q, which is not a plain ASCII host name", raw, d)
		}
		if net.ParseIP(d) != nil || endsInANumber(d) || d == "localhost" || strings.HasSuffix(d, ".localhost") {
			t.Fatalf("%q normalises to the IP or localhost %q", raw, d)
		}
		if ps, _ := publicsuffix.PublicSuffix(d); ps == d {
			t.Fatalf("%q normalises to the public suffix %q", raw, d)
		}
		if again, err := NormalizeCookieDomain(d); again != d || err != nil {
			t.Fatalf("%q normalises to %q, which normalises to %q (%v)", raw, d, again, err)
		}
	})
}

// endsInANumber is the WHATWG URL Standard's "ends in a number checker": a
// browser parses such a host as an IPv4 address ("127.1" and "0x7f.1" are
// 127.0.0.1), so it is never a cookie domain.
func endsInANumber(host string) bool {
	parts := strings.Split(host, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	hex, ok := strings.CutPrefix(strings.ToLower(last), "0x")
	return ok && strings.Trim(hex, "0123456789abcdef") == ""
}

// FuzzParseJWKS: parseJWKS returns only public RSA, ECDSA (P-256/384/521,
// on the curve) or Ed25519 keys, never a private key and never one an HS
// algorithm could use; its error never repeats the document or a string
// from it such as a private JWK's "d" or an oct key's "k".
func FuzzParseJWKS(f *testing.F) {
	k := testKeys()
	priv, _ := json.Marshal(jose.JSONWebKey{Key: k.ec256, KeyID: "private", Algorithm: "ES256"})
	for _, seed := range []string{
		jwkSet(jwkOf(k.ec256, "ec", "ES256", "sig"), jwkOf(k.rsa, "rsa", "RS256", ""), jwkOf(k.ed, "ed", "", "sig")),
		jwkSet(jwkOf(k.ec384, "enc", "", "enc")),
		`{"keys":[` + string(priv) + `]}`,
		string(priv),
		`{"keys":[{"kty":"oct","k":"c2VjcmV0LWhtYWMta2V5LW1hdGVyaWFs","alg":"HS256"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]}`,
		`{"keys":[]}`, `{"keys":null}`, `{"keys":{}}`, `[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, refused, err := parseJWKS(data)
		for _, r := range refused {
			// A refused key is named (kid) but its material is never repeated.
			for _, s := range jsonStrings(data) {
				if len(s) >= 64 && strings.Contains(r.Error(), s) {
					t.Fatalf("refusal %q repeats %q from the document", r, s)
				}
			}
		}
		if err != nil {
			if ks != nil {
				t.Fatal("an error and a key set")
			}
			for _, s := range jsonStrings(data) {
				// Key material is long and has no space; the fixed parts of
				// the messages have a space at least every 16 bytes.
				if len(s) >= 16 && !strings.Contains(s, " ") && strings.Contains(err.Error(), s) {
					t.Fatalf("error %q repeats %q from the document", err, s)
				}
			}
			if len(data) >= 32 && strings.Contains(err.Error(), string(data)) {
				t.Fatalf("error %q repeats the document", err)
			}
			return
		}
		if ks == nil {
			// An empty set is the issuer withdrawing its keys (RFC 7517 5).
			t.Fatal("no error and no key set")
		}
		for _, key := range ks.keys {
			if err := publicVerificationKey(key.pub); err != nil {
				t.Fatalf("key %q: %v", key.kid, err)
			}
			for _, alg := range []string{"HS256", "HS384", "HS512"} {
				if key.fits(alg) {
					t.Fatalf("key %q (%T) fits %s", key.kid, key.pub, alg)
				}
			}
		}
	})
}

// publicVerificationKey says what is wrong with pub as a key from a JWKS.
func publicVerificationKey(pub any) error {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p.N == nil || p.N.Sign() <= 0 || p.E < 2 {
			return errors.New("RSA key without a usable modulus or exponent")
		}
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() && p.Curve != elliptic.P384() && p.Curve != elliptic.P521() {
			return errors.New("ECDSA key on an unsupported curve")
		}
		if _, err := p.ECDH(); err != nil {
			return errors.New("ECDSA point not on its curve")
		}
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return errors.New("Ed25519 key of the wrong size")
		}
	default:
		return errors.New("not a supported public key type (private, symmetric or other)")
	}
	return nil
}

// jsonStrings returns every string (keys and values) in data when data is
// JSON, or nothing.
func jsonStrings(data []byte) []string {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				out = append(out, k)
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

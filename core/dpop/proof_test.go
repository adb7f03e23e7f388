package dpop

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// verified is a proof as a third party reads it: go-jose checks the
// signature with the JWK of the proof's own header.
type verified struct {
	typ, alg string
	jwk      jose.JSONWebKey
	claims   map[string]any
}

// verifyProof parses and verifies proof with go-jose, failing t on any
// problem.
func verifyProof(t *testing.T, proof string) verified {
	t.Helper()
	algs := []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.PS256, jose.RS256}
	jws, err := jose.ParseSignedCompact(proof, algs)
	if err != nil {
		t.Fatalf("go-jose cannot parse the proof: %v", err)
	}
	if len(jws.Signatures) != 1 {
		t.Fatalf("proof has %d signatures", len(jws.Signatures))
	}
	h := jws.Signatures[0].Protected
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() {
		t.Fatalf("proof header jwk = %+v, want a public key", h.JSONWebKey)
	}
	payload, err := jws.Verify(h.JSONWebKey)
	if err != nil {
		t.Fatalf("go-jose: the proof's signature does not verify with its own jwk: %v", err)
	}
	v := verified{alg: h.Algorithm, jwk: *h.JSONWebKey}
	v.typ, _ = h.ExtraHeaders["typ"].(string)
	if err := json.Unmarshal(payload, &v.claims); err != nil {
		t.Fatalf("proof payload is not JSON: %v", err)
	}
	return v
}

func ath(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TestProofVerifiesWithGoJose: for every key type the proof is a
// dpop+jwt whose signature verifies with the public jwk in its header and
// whose claims are RFC 9449 §4.2's.
func TestProofVerifiesWithGoJose(t *testing.T) {
	cases := []struct{ key, alg string }{
		{"P-256", ES256}, {"P-384", ES384}, {"P-521", ES512}, {"Ed25519", EdDSA},
		{"RSA-2048", PS256}, {"RSA-2048", RS256},
	}
	for _, tc := range cases {
		t.Run(tc.alg+" "+tc.key, func(t *testing.T) {
			k, err := KeyFromSigner(opaqueSigner{testKeys()[tc.key]}, tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			before := time.Now().Unix()
			proof, err := k.Proof("POST", "https://API.example.com:443/orders/7?secret=1#frag", "tok.en-1", "n0nce")
			if err != nil {
				t.Fatal(err)
			}
			v := verifyProof(t, proof)
			if v.typ != "dpop+jwt" || v.alg != tc.alg {
				t.Fatalf("typ, alg = %q, %q; want dpop+jwt, %s", v.typ, v.alg, tc.alg)
			}
			tp, _ := v.jwk.Thumbprint(crypto.SHA256)
			if base64.RawURLEncoding.EncodeToString(tp) != k.Thumbprint() {
				t.Fatal("the header's jwk is not the key's")
			}
			want := map[string]any{"htm": "POST", "htu": "https://api.example.com/orders/7", "ath": ath("tok.en-1"), "nonce": "n0nce"}
			for name, w := range want {
				if v.claims[name] != w {
					t.Errorf("claim %s = %v, want %v", name, v.claims[name], w)
				}
			}
			iat, _ := v.claims["iat"].(float64)
			if int64(iat) < before || int64(iat) > time.Now().Unix() {
				t.Errorf("iat = %v, want the time of signing", v.claims["iat"])
			}
			jti, _ := v.claims["jti"].(string)
			if raw, err := base64.RawURLEncoding.DecodeString(jti); err != nil || len(raw) < 16 {
				t.Errorf("jti = %q, want at least 128 random bits", jti)
			}
		})
	}
}

func TestProofOmitsAthAndNonceWhenNotGiven(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	proof, err := k.Proof("GET", "https://as.example/token", "", "")
	if err != nil {
		t.Fatal(err)
	}
	c := verifyProof(t, proof).claims
	if _, ok := c["ath"]; ok {
		t.Error("a proof without an access token has ath")
	}
	if _, ok := c["nonce"]; ok {
		t.Error("a proof without a nonce has nonce")
	}
	if len(c) != 4 {
		t.Errorf("claims = %v, want exactly jti, htm, htu, iat", c)
	}
}

func TestProofJTIIsFreshEveryTime(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 200 {
		proof, err := k.Proof("GET", "https://rs.example/", "", "")
		if err != nil {
			t.Fatal(err)
		}
		jti := verifyProof(t, proof).claims["jti"].(string)
		if seen[jti] {
			t.Fatalf("jti %q repeated", jti)
		}
		seen[jti] = true
	}
}

func TestHTU(t *testing.T) {
	cases := []struct {
		name, url, host, want string
	}{
		{"query and fragment are left out", "https://rs.example/a/b?x=1&token=t#f", "", "https://rs.example/a/b"},
		{"scheme and host in lower case", "HTTPS://RS.Example/Path", "", "https://rs.example/Path"},
		{"default https port dropped", "https://rs.example:443/", "", "https://rs.example/"},
		{"default http port dropped", "http://rs.example:80/x", "", "http://rs.example/x"},
		{"other port kept", "https://rs.example:8443/x", "", "https://rs.example:8443/x"},
		{"port 443 kept on http", "http://rs.example:443/x", "", "http://rs.example:443/x"},
		{"empty path is /", "https://rs.example", "", "https://rs.example/"},
		{"empty path with a query is /", "https://rs.example?q=1", "", "https://rs.example/"},
		{"path as sent, escaped", "https://rs.example/a%2Fb/c%20d", "", "https://rs.example/a%2Fb/c%20d"},
		{"IPv6 literal with port", "http://[::1]:8080/x", "", "http://[::1]:8080/x"},
		{"the Host override stands for the URL's host", "http://127.0.0.1:9000/x", "API.example", "http://api.example/x"},
		{"a Host override with the default port", "https://10.0.0.1/x", "api.example:443", "https://api.example/x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			got, err := HTU(u, tc.host)
			if err != nil || got != tc.want {
				t.Fatalf("HTU(%q, %q) = %q, %v; want %q", tc.url, tc.host, got, err, tc.want)
			}
		})
	}
}

func TestHTURefusesWhatCannotBeATargetURI(t *testing.T) {
	cases := []struct{ name, url, host string }{
		{"relative reference", "/path", ""},
		{"another scheme", "ftp://rs.example/x", ""},
		{"websocket scheme", "wss://rs.example/x", ""},
		{"no host", "https:///x", ""},
		{"opaque URL", "https:rs.example", ""},
		{"user info", "https://user:pw@rs.example/", ""},
		{"user info in the Host override", "https://rs.example/", "user@evil.example"},
		{"a Host override with a path", "https://rs.example/", "evil.example/x"},
		{"a port without a host", "https://:443/", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := HTU(u, tc.host); !errors.Is(err, ErrURL) {
				t.Fatalf("HTU(%q, %q) = %q, %v; want ErrURL", tc.url, tc.host, got, err)
			}
		})
	}
	if _, err := HTU(nil, ""); !errors.Is(err, ErrURL) {
		t.Fatalf("HTU(nil) = %v, want ErrURL", err)
	}
	if _, err := HTU(&url.URL{Scheme: "https", Host: "rs.example", Path: "x"}, ""); !errors.Is(err, ErrURL) {
		t.Fatalf("HTU of a path without its leading slash = %v, want ErrURL", err)
	}
}

// TestProofRefusesBadInputWithoutQuotingIt: each refusal is typed, and no
// error message repeats the token, the nonce or the URL's query.
func TestProofRefusesBadInputWithoutQuotingIt(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cr3t"
	cases := []struct {
		name                      string
		method, url, token, nonce string
		want                      error
	}{
		{"empty method", "", "https://rs.example/", "", "", ErrMethod},
		{"method with a space", "GE T", "https://rs.example/", "", "", ErrMethod},
		{"unparsable URL", "GET", "https://rs.example/%zz?" + secret, "", "", ErrURL},
		{"relative URL", "GET", "/x?" + secret, "", "", ErrURL},
		{"token with a space", "GET", "https://rs.example/", secret + " x", "", ErrToken},
		{"token with a quote", "GET", "https://rs.example/", secret + `"`, "", ErrToken},
		{"token of only =", "GET", "https://rs.example/", "==", "", ErrToken},
		{"nonce with a quote", "GET", "https://rs.example/", "", secret + `"`, ErrNonce},
		{"nonce with a space", "GET", "https://rs.example/", "", secret + " x", ErrNonce},
		{"nonce too long", "GET", "https://rs.example/", "", secret + strings.Repeat("n", maxNonceLen), ErrNonce},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proof, err := k.Proof(tc.method, tc.url, tc.token, tc.nonce)
			if !errors.Is(err, tc.want) || proof != "" {
				t.Fatalf("Proof = %q, %v; want %v", proof, err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error %q quotes the input", err)
			}
		})
	}
}

// failingSigner fails, or returns a garbled ECDSA signature.
type failingSigner struct {
	opaqueSigner
	sig []byte
}

func (f failingSigner) Sign(_ io.Reader, _ []byte, _ crypto.SignerOpts) ([]byte, error) {
	if f.sig == nil {
		return nil, errors.New("hardware module unplugged")
	}
	return f.sig, nil
}

func TestProofReportsSignerFailures(t *testing.T) {
	for name, sig := range map[string][]byte{"signer error": nil, "not ASN.1": []byte("xx"), "empty ASN.1 sequence": {0x30, 0x00}} {
		t.Run(name, func(t *testing.T) {
			k, err := KeyFromSigner(failingSigner{opaqueSigner{testKeys()["P-256"]}, sig}, "")
			if err != nil {
				t.Fatal(err)
			}
			if proof, err := k.Proof("GET", "https://rs.example/", "", ""); !errors.Is(err, ErrSign) || proof != "" {
				t.Fatalf("Proof = %q, %v; want ErrSign", proof, err)
			}
		})
	}
}

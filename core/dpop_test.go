package core

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestDPoPProofs: each row sends one request with "Authorization: DPoP
// <bound token>" and a proof, and states the kind core answers with (nil:
// the request passes). The proof and the token never appear in the error.
func TestDPoPProofs(t *testing.T) {
	k, d := testKeys(), dpopKeys()
	tok := boundToken(t, d.client)
	me := apiURL + "/me"
	ok := func(mods ...func(h, c map[string]any)) string {
		return proofFor(t, d.client, "", "GET", me, tok, mods...)
	}
	at := func(htu string) string { return proofFor(t, d.client, "", "GET", htu, tok) }
	rows := []struct {
		name   string
		token  string // default tok
		target string // default /me
		method string // default GET
		proofs []string
		want   error
	}{
		{name: "a valid ES256 proof of the bound key passes", proofs: []string{ok()}},
		{name: "typ is compared as a media type (application/DPoP+JWT)", proofs: []string{ok(header("typ", "application/DPoP+JWT"))}},
		{name: "typ JWT is refused", proofs: []string{ok(header("typ", "JWT"))}, want: ErrDPoPProof},
		{name: "no typ is refused", proofs: []string{ok(header("typ", nil))}, want: ErrDPoPProof},
		{name: "a symmetric alg (HS256, oct jwk) is refused", want: ErrDPoPProof, proofs: []string{
			signRaw(t, "HS256", testSecret, map[string]any{"typ": "dpop+jwt", "alg": "HS256", "jwk": map[string]any{"kty": "oct", "k": "c2VjcmV0"}},
				map[string]any{"jti": "x", "htm": "GET", "htu": me, "iat": testNow.Unix(), "ath": athOf(tok)})}},
		{name: "alg none is refused", proofs: []string{signRaw(t, "none", nil,
			map[string]any{"typ": "dpop+jwt", "alg": "none", "jwk": jwkMap(t, d.client, false)},
			map[string]any{"jti": "x", "htm": "GET", "htu": me, "iat": testNow.Unix(), "ath": athOf(tok)})}, want: ErrDPoPProof},
		{name: "a jwk with its private key is refused", proofs: []string{ok(header("jwk", jwkMap(t, d.client, true)))}, want: ErrDPoPProof},
		{name: "no jwk is refused", proofs: []string{ok(header("jwk", nil))}, want: ErrDPoPProof},
		{name: "a signature by another key than the jwk is refused", proofs: []string{ok(header("jwk", jwkMap(t, d.other, false)))}, want: ErrDPoPProof},
		{name: "an alg that does not fit the jwk (ES384 over a P-256 key) is refused", want: ErrDPoPProof,
			proofs: []string{proofFor(t, k.ec384, "ES384", "GET", me, tok, header("jwk", jwkMap(t, d.client, false)))}},
		{name: "an RSA jwk below 2048 bits is refused", want: ErrDPoPProof, proofs: []string{ok(header("jwk", map[string]any{"kty": "RSA", "n": "sXch", "e": "AQAB"}))}},
		{name: "a critical header extension is refused", proofs: []string{ok(header("crit", []string{"x"}), header("x", 1))}, want: ErrDPoPProof},
		{name: "a proof naming a claim twice is refused", want: ErrDPoPProof,
			proofs: []string{dupClaim(t, ok(), `"htm":"GET"`, `"htm":"POST","htm":"GET"`)}},
		{name: "htm of another method is refused", proofs: []string{ok(claim("htm", "POST"))}, want: ErrDPoPProof},
		{name: "htm compares exactly (get is not GET)", proofs: []string{ok(claim("htm", "get"))}, want: ErrDPoPProof},
		{name: "htu with a query is refused", proofs: []string{at(me + "?a=1")}, want: ErrDPoPProof},
		{name: "htu with an empty query is refused", proofs: []string{at(me + "?")}, want: ErrDPoPProof},
		{name: "htu with a fragment is refused", proofs: []string{at(me + "#f")}, want: ErrDPoPProof},
		{name: "the request's query is not part of htu", target: "/me?x=1", proofs: []string{at(me)}},
		{name: "htu scheme and host in upper case pass", proofs: []string{at("HTTPS://API.A.EXAMPLE/me")}},
		{name: "htu with the default port passes", proofs: []string{at("https://api.a.example:443/me")}},
		{name: "htu with an unreserved character percent-encoded passes", proofs: []string{at(apiURL + "/%6De")}},
		{name: "htu with dot segments passes", proofs: []string{at(apiURL + "/x/../me")}},
		{name: "htu with another port is refused", proofs: []string{at("https://api.a.example:8443/me")}, want: ErrDPoPProof},
		{name: "htu with http instead of https is refused", proofs: []string{at("http://api.a.example/me")}, want: ErrDPoPProof},
		{name: "htu of another path is refused", proofs: []string{at(apiURL + "/admin")}, want: ErrDPoPProof},
		{name: "path case matters (/Me is another path)", proofs: []string{at(apiURL + "/Me")}, want: ErrDPoPProof},
		{name: "htu of another host is refused", proofs: []string{at("https://evil.example/me")}, want: ErrDPoPProof},
		{name: "the Host header alone does not make an origin: htu of the request's own Host is refused",
			target: "https://other.example/me", proofs: []string{proofFor(t, d.client, "", "GET", "https://other.example/me", tok)}, want: ErrDPoPProof},
		{name: "htu with user information is refused", proofs: []string{at("https://u@api.a.example/me")}, want: ErrDPoPProof},
		{name: "htu that is not a string is refused", proofs: []string{ok(claim("htu", 7))}, want: ErrDPoPProof},
		{name: "ath of another token is refused", proofs: []string{ok(claim("ath", athOf(tok+"x")))}, want: ErrDPoPProof},
		{name: "no ath is refused", proofs: []string{ok(claim("ath", nil))}, want: ErrDPoPProof},
		{name: "no jti is refused", proofs: []string{ok(claim("jti", nil))}, want: ErrDPoPProof},
		{name: "an empty jti is refused", proofs: []string{ok(claim("jti", ""))}, want: ErrDPoPProof},
		{name: "no iat is refused", proofs: []string{ok(claim("iat", nil))}, want: ErrDPoPProof},
		{name: "an iat that is a string is refused", proofs: []string{ok(claim("iat", "1"))}, want: ErrDPoPProof},
		{name: "iat MaxAge+Leeway old passes", proofs: []string{ok(claim("iat", testNow.Add(-70*time.Second).Unix()))}},
		{name: "iat older than MaxAge+Leeway is refused", proofs: []string{ok(claim("iat", testNow.Add(-71*time.Second).Unix()))}, want: ErrDPoPProof},
		{name: "iat within Leeway in the future passes", proofs: []string{ok(claim("iat", testNow.Add(10*time.Second).Unix()))}},
		{name: "iat beyond Leeway in the future is refused", proofs: []string{ok(claim("iat", testNow.Add(11*time.Second).Unix()))}, want: ErrDPoPProof},
		{name: "a proof of another key than the token's cnf.jkt is refused",
			proofs: []string{proofFor(t, d.other, "", "GET", me, tok)}, want: ErrDPoPBinding},
		{name: "a token without cnf sent with the DPoP scheme is refused", token: sign(t, "ES256", "", k.ec256, claimsFor(issA), nil),
			want: ErrDPoPBinding},
		{name: "no DPoP header is refused", proofs: []string{}, want: ErrDPoPProof},
		{name: "two DPoP headers are a malformed request", proofs: []string{ok(), ok()}, want: ErrMalformedRequest},
		{name: "a proof longer than MaxTokenSize is refused", proofs: []string{ok(claim("pad", strings.Repeat("a", 9000)))}, want: ErrDPoPProof},
		{name: "a proof that is not a JWS is refused", proofs: []string{"not-a-proof"}, want: ErrDPoPProof},
		{name: "an expired bound token is refused as expired, with the DPoP challenge",
			token: boundToken(t, d.client, atOffset("exp", -time.Hour)), want: ErrExpired},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			g := newGate(t, dpopConfig())
			token, method, target := row.token, row.method, row.target
			if token == "" {
				token = tok
			}
			if method == "" {
				method = "GET"
			}
			if target == "" {
				target = "/me"
			}
			proofs := row.proofs
			if row.token != "" && proofs == nil {
				proofs = []string{proofFor(t, d.client, "", method, me, token)}
			}
			dec := g.Check(dpopRequest(method, target, token, proofs...), CheckOptions{})
			checkResult(t, "Check", dec.Session, dec.Err, token, row.want)
			for i, p := range proofs {
				if dec.Err != nil && strings.Contains(dec.Err.Error(), p) {
					t.Errorf("the error names proof %d", i)
				}
			}
			if row.want == nil && dec.Session.KeyBinding != thumbprintOf(t, d.client) {
				t.Errorf("KeyBinding = %q, want the client key's thumbprint", dec.Session.KeyBinding)
			}
			if row.want != nil && row.want != ErrMalformedRequest {
				if h := ErrorResponse(dec.Err).Header[0][1]; !strings.HasPrefix(h, "DPoP error=") {
					t.Errorf("challenge %q, want DPoP's", h)
				}
			}
		})
	}
}

// dupClaim re-signs proof with its claim set's text edited (old replaced by
// repl), for JSON no encoder writes.
func dupClaim(t *testing.T, proof, old, repl string) string {
	t.Helper()
	p := strings.Split(proof, ".")
	h, c := decodeB64(t, p[0]), decodeB64(t, p[1])
	c = strings.Replace(c, old, repl, 1)
	input := b64(h) + "." + b64(c)
	sig, err := jwt.SigningMethodES256.Sign(input, dpopKeys().client)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(string(sig))
}

// TestDPoPAlgorithms: a proof of every default algorithm passes with a key
// of its type.
func TestDPoPAlgorithms(t *testing.T) {
	k := testKeys()
	for _, c := range []struct {
		alg string
		key any
	}{{"ES256", dpopKeys().client}, {"EdDSA", k.ed}, {"RS256", k.rsa}, {"PS256", k.rsa}} {
		t.Run(c.alg, func(t *testing.T) {
			g := newGate(t, dpopConfig())
			tok := boundToken(t, c.key)
			p := proofFor(t, c.key, c.alg, "POST", apiURL+"/orders", tok)
			dec := g.Check(dpopRequest("POST", "/orders", tok, p), CheckOptions{})
			checkResult(t, "Check", dec.Session, dec.Err, tok, nil)
		})
	}
	t.Run("an algorithm left off DPoP.Algorithms is refused", func(t *testing.T) {
		g := newGate(t, dpopConfig(func(c *Config) { c.DPoP.Algorithms = []string{"EdDSA"} }))
		tok := boundToken(t, dpopKeys().client)
		dec := g.Check(dpopRequest("GET", "/me", tok, proofFor(t, dpopKeys().client, "", "GET", apiURL+"/me", tok)), CheckOptions{})
		checkResult(t, "Check", dec.Session, dec.Err, tok, ErrDPoPProof)
		if got := ErrorResponse(dec.Err).Header[0][1]; !strings.HasSuffix(got, `algs="EdDSA"`) {
			t.Errorf("challenge %q does not offer the configured algs", got)
		}
	})
}

// TestDPoPBasePath: with a base URL that has a path (a proxy strips /api),
// htu is that path followed by the request's.
func TestDPoPBasePath(t *testing.T) {
	g := newGate(t, dpopConfig(func(c *Config) { c.DPoP.URLs = []string{"https://www.a.example/api/", apiURL} }))
	d := dpopKeys()
	tok := boundToken(t, d.client)
	for _, c := range []struct {
		htu  string
		want error
	}{
		{"https://www.a.example/api/me", nil},
		{apiURL + "/me", nil},
		{"https://www.a.example/me", ErrDPoPProof},
		{"https://www.a.example/apime", ErrDPoPProof},
	} {
		dec := g.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", c.htu, tok)), CheckOptions{})
		checkResult(t, c.htu, dec.Session, dec.Err, tok, c.want)
	}
}

// TestDPoPReplay: a proof passes once; the same proof again within its
// window is a replay; after the window it is too old, and the cache has
// let it go.
func TestDPoPReplay(t *testing.T) {
	clock := newFakeClock()
	cache := NewMemoryReplayCache(0, clock.Now)
	g := newGate(t, dpopConfig(func(c *Config) { c.Clock = clock.Now; c.DPoP.Replay = cache }))
	d := dpopKeys()
	tok := boundToken(t, d.client, atOffset("exp", time.Hour))
	p := proofFor(t, d.client, "", "GET", apiURL+"/me", tok)
	send := func() Decision { return g.Check(dpopRequest("GET", "/me", tok, p), CheckOptions{}) }
	dec := send()
	checkResult(t, "first use", dec.Session, dec.Err, tok, nil)
	dec = send()
	checkResult(t, "the same proof again", dec.Session, dec.Err, tok, ErrDPoPReplay)
	if got := ErrorResponse(dec.Err); got.Code != "invalid_dpop_proof" || got.Status != 401 {
		t.Errorf("replay answered %d %s, want 401 invalid_dpop_proof", got.Status, got.Code)
	}
	clock.Advance(30 * time.Second)
	dec = send()
	checkResult(t, "the same proof within the window", dec.Session, dec.Err, tok, ErrDPoPReplay)
	clock.Advance(41 * time.Second) // 71s: past MaxAge 60s + Leeway 10s
	dec = send()
	checkResult(t, "the same proof after the window", dec.Session, dec.Err, tok, ErrDPoPProof)
	if _, err := cache.UseOnce(t.Context(), [32]byte{1}, clock.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := cache.Len(); n != 1 {
		t.Errorf("the cache holds %d keys after the window, want only the new one (the proof's was dropped)", n)
	}
	fresh := proofFor(t, d.client, "", "GET", apiURL+"/me", tok, claim("iat", clock.Now().Unix()))
	dec = g.Check(dpopRequest("GET", "/me", tok, fresh), CheckOptions{})
	checkResult(t, "a fresh proof", dec.Session, dec.Err, tok, nil)
}

// TestDPoPReplaySameJtiOtherKey: jti is remembered per key, so one
// client's jti values cannot lock another out.
func TestDPoPReplaySameJtiOtherKey(t *testing.T) {
	g := newGate(t, dpopConfig())
	d := dpopKeys()
	for _, key := range []any{d.client, d.other} {
		tok := boundToken(t, key)
		p := proofFor(t, key, "", "GET", apiURL+"/me", tok, claim("jti", "same"))
		dec := g.Check(dpopRequest("GET", "/me", tok, p), CheckOptions{})
		checkResult(t, "Check", dec.Session, dec.Err, tok, nil)
	}
}

// TestDPoPReplayCacheDown: a cache that cannot answer is a 503, never a
// pass, and outranks a cookie's refusal.
func TestDPoPReplayCacheDown(t *testing.T) {
	g := newGate(t, dpopConfig(func(c *Config) { c.DPoP.Replay = failingReplay{} }))
	d := dpopKeys()
	tok := boundToken(t, d.client)
	dec := g.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", apiURL+"/me", tok)), CheckOptions{})
	checkResult(t, "Check", dec.Session, dec.Err, tok, ErrDPoPReplayUnavailable)
	if r := ErrorResponse(dec.Err); r.Status != 503 || r.Header[0] != [2]string{"Retry-After", "5"} {
		t.Errorf("answered %d %q, want 503 with Retry-After", r.Status, r.Header)
	}
}

// TestDPoPTokenCache: the access token's verification comes from the
// token cache, the proof is checked on every request.
func TestDPoPTokenCache(t *testing.T) {
	g := newGate(t, dpopConfig())
	d := dpopKeys()
	tok := boundToken(t, d.client)
	for i := range 3 {
		dec := g.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", apiURL+"/me", tok)), CheckOptions{})
		checkResult(t, "a fresh proof", dec.Session, dec.Err, tok, nil)
		if i == 0 && g.verifier.cache.len() != 1 {
			t.Fatalf("the bound token is not cached")
		}
	}
	dec := g.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.other, "", "GET", apiURL+"/me", tok)), CheckOptions{})
	checkResult(t, "a cached token with another key's proof", dec.Session, dec.Err, tok, ErrDPoPBinding)
}

// TestDPoPBoundTokenWithoutProof: a bound token is refused as a bearer
// token, in a cookie, through Verify, in every mode.
func TestDPoPBoundTokenWithoutProof(t *testing.T) {
	d := dpopKeys()
	tok := boundToken(t, d.client)
	bearer := func() Request { return bearerRequest(tok) }
	cookie := func() Request {
		r := httptest.NewRequest("GET", apiURL+"/me", nil)
		r.Header.Set("Cookie", "sid="+tok)
		return HTTPRequest(r)
	}
	for _, mode := range []struct {
		name      string
		mod       func(*Config)
		challenge string
	}{
		{"allowed", func(*Config) {}, `DPoP error="invalid_token", error_description="the session token is DPoP-bound and needs a DPoP proof", algs="ES256 EdDSA RS256 PS256"`},
		{"allowed without URLs", func(c *Config) { c.DPoP.URLs = nil }, `Bearer error="invalid_token", error_description="the session token is DPoP-bound and needs a DPoP proof"`},
		{"disabled", func(c *Config) { c.DPoP.Mode = DPoPDisabled }, `Bearer error="invalid_token", error_description="the session token is DPoP-bound and needs a DPoP proof"`},
	} {
		t.Run(mode.name, func(t *testing.T) {
			g := newGate(t, dpopConfig(mode.mod))
			for via, r := range map[string]func() Request{"bearer": bearer, "cookie": cookie} {
				dec := g.Check(r(), CheckOptions{})
				checkResult(t, via, dec.Session, dec.Err, tok, ErrTokenBound)
				if got := ErrorResponse(dec.Err).Header[0][1]; got != mode.challenge {
					t.Errorf("%s: challenge %q, want %q", via, got, mode.challenge)
				}
			}
			s, err := g.Verify(tok, SourceAuthorization)
			checkResult(t, "Verify", s, err, tok, ErrTokenBound)
		})
	}
}

// TestDPoPModes: what each mode does with a bearer token, a DPoP request
// and no token.
func TestDPoPModes(t *testing.T) {
	k, d := testKeys(), dpopKeys()
	plain := sign(t, "ES256", "", k.ec256, claimsFor(issA), nil)
	bound := boundToken(t, d.client)
	proof := func() string { return proofFor(t, d.client, "", "GET", apiURL+"/me", bound) }
	none := func() Request { return HTTPRequest(httptest.NewRequest("GET", apiURL+"/me", nil)) }
	cookie := func() Request {
		r := httptest.NewRequest("GET", apiURL+"/me", nil)
		r.Header.Set("Cookie", "sid="+plain)
		return HTTPRequest(r)
	}
	const algs = `algs="ES256 EdDSA RS256 PS256"`
	for _, c := range []struct {
		name      string
		mod       func(*Config)
		req       func() Request
		want      error
		challenge string
	}{
		{"allowed: a bearer token without cnf passes", nil, func() Request { return bearerRequest(plain) }, nil, ""},
		{"allowed: a DPoP request passes", nil, func() Request { return dpopRequest("GET", "/me", bound, proof()) }, nil, ""},
		{"allowed: no token offers both schemes", nil, none, ErrNoToken, "Bearer, DPoP " + algs},
		{"required: a bearer token is refused", required, func() Request { return bearerRequest(plain) }, ErrDPoPRequired,
			`DPoP error="invalid_token", error_description="a DPoP-bound token with a DPoP proof is required", ` + algs},
		{"required: a cookie is refused", required, cookie, ErrDPoPRequired, ""},
		{"required: a DPoP request passes", required, func() Request { return dpopRequest("GET", "/me", bound, proof()) }, nil, ""},
		{"required: no token offers DPoP", required, none, ErrNoToken, "DPoP " + algs},
		{"disabled: the DPoP scheme carries no token", disabled, func() Request { return dpopRequest("GET", "/me", bound, proof()) }, ErrNoToken, "Bearer"},
		{"disabled: a bearer token passes", disabled, func() Request { return bearerRequest(plain) }, nil, ""},
		{"allowed without URLs: the DPoP scheme carries no token", noURLs, func() Request { return dpopRequest("GET", "/me", bound, proof()) }, ErrNoToken, "Bearer"},
		{"a malformed DPoP credential is malformed, with the DPoP challenge", nil, func() Request { return dpopRequest("GET", "/me", "a b", proof()) }, ErrMalformed,
			`DPoP error="invalid_token", error_description="the session token is malformed", ` + algs},
		{"two DPoP headers: 400 with the DPoP challenge", nil, func() Request { return dpopRequest("GET", "/me", bound, proof(), proof()) }, ErrMalformedRequest,
			`DPoP error="invalid_request", error_description="more than one DPoP header", ` + algs},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := dpopConfig()
			if c.mod != nil {
				c.mod(&cfg)
			}
			g := newGate(t, cfg)
			dec := g.Check(c.req(), CheckOptions{})
			checkResult(t, "Check", dec.Session, dec.Err, "", c.want)
			if c.challenge != "" {
				if got := ErrorResponse(dec.Err).Header[0][1]; got != c.challenge {
					t.Errorf("challenge %q, want %q", got, c.challenge)
				}
			}
		})
	}
}

func required(c *Config) { c.DPoP.Mode = DPoPRequired }
func disabled(c *Config) { c.DPoP.Mode = DPoPDisabled }
func noURLs(c *Config)   { c.DPoP.URLs = nil }

// TestDPoPNonces: with RequireNonce, a proof without the server's nonce is
// refused with use_dpop_nonce and a nonce in DPoP-Nonce; a proof with it
// passes; a nonce of the period before passes and gets the current one; an
// older nonce, or one made with another secret, is refused.
func TestDPoPNonces(t *testing.T) {
	clock := newFakeClock()
	secret := []byte("a-nonce-secret-of-at-least-32-bytes!")
	withNonces := func(c *Config) {
		c.Clock = clock.Now
		c.DPoP.RequireNonce, c.DPoP.NonceSecret, c.DPoP.NoncePeriod = true, secret, time.Minute
	}
	g := newGate(t, dpopConfig(withNonces))
	d := dpopKeys()
	tok := boundToken(t, d.client, atOffset("exp", time.Hour))
	send := func(mods ...func(h, c map[string]any)) Decision {
		mods = append(mods, claim("iat", clock.Now().Unix()))
		return g.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", apiURL+"/me", tok, mods...)), CheckOptions{})
	}
	dec := send()
	checkResult(t, "no nonce", dec.Session, dec.Err, tok, ErrDPoPNonce)
	if len(dec.Header) != 1 || dec.Header[0][0] != "DPoP-Nonce" || dec.Header[0][1] == "" {
		t.Fatalf("Header = %q, want one DPoP-Nonce", dec.Header)
	}
	nonce := dec.Header[0][1]
	if r := ErrorResponse(dec.Err); r.Code != "use_dpop_nonce" || !strings.HasPrefix(r.Header[0][1], `DPoP error="use_dpop_nonce"`) {
		t.Errorf("answered %s %q, want use_dpop_nonce with the DPoP challenge", r.Code, r.Header[0][1])
	}
	dec = send(claim("nonce", nonce))
	checkResult(t, "the nonce from the answer", dec.Session, dec.Err, tok, nil)
	if dec.Header != nil {
		t.Errorf("a current nonce got Header %q, want none", dec.Header)
	}
	clock.Advance(time.Minute)
	dec = send(claim("nonce", nonce))
	checkResult(t, "the nonce of the period before", dec.Session, dec.Err, tok, nil)
	if len(dec.Header) != 1 || dec.Header[0][1] == nonce {
		t.Errorf("Header = %q, want the next nonce", dec.Header)
	}
	clock.Advance(time.Minute)
	dec = send(claim("nonce", nonce))
	checkResult(t, "a nonce two periods old", dec.Session, dec.Err, tok, ErrDPoPNonce)

	other := newGate(t, dpopConfig(withNonces, func(c *Config) { c.DPoP.NonceSecret = []byte(strings.Repeat("x", 32)) }))
	foreign := other.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", apiURL+"/me", tok, claim("iat", clock.Now().Unix()))), CheckOptions{}).Header[0][1]
	dec = send(claim("nonce", foreign))
	checkResult(t, "another secret's nonce", dec.Session, dec.Err, tok, ErrDPoPNonce)
	dec = send(claim("nonce", strings.Repeat("A", nonceLen)))
	checkResult(t, "a made-up nonce", dec.Session, dec.Err, tok, ErrDPoPNonce)
	dec = send(claim("nonce", 5))
	checkResult(t, "a nonce that is not a string", dec.Session, dec.Err, tok, ErrDPoPNonce)

	shared := newGate(t, dpopConfig(withNonces))
	dec = g.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", apiURL+"/me", tok, claim("iat", clock.Now().Unix()))), CheckOptions{})
	n2 := dec.Header[0][1]
	dec = shared.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", apiURL+"/me", tok, claim("iat", clock.Now().Unix()), claim("nonce", n2))), CheckOptions{})
	checkResult(t, "one instance's nonce at another with the same secret", dec.Session, dec.Err, tok, nil)
}

// TestDPoPNonceNotUsedUp: a proof refused for its nonce does not use up its
// jti; a proof refused for anything else neither.
func TestDPoPNonceNotUsedUp(t *testing.T) {
	cache := NewMemoryReplayCache(0, fixedClock)
	g := newGate(t, dpopConfig(func(c *Config) { c.DPoP.RequireNonce = true; c.DPoP.Replay = cache }))
	d := dpopKeys()
	tok := boundToken(t, d.client)
	g.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", apiURL+"/me", tok)), CheckOptions{})
	g.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", apiURL+"/other", tok)), CheckOptions{})
	if n := cache.Len(); n != 0 {
		t.Errorf("refused proofs left %d keys in the replay cache", n)
	}
}

// TestDPoPConfig: New refuses each bad DPoP field, naming it.
func TestDPoPConfig(t *testing.T) {
	for _, c := range []struct {
		name  string
		mod   func(*Config)
		field string
	}{
		{"a symmetric algorithm", func(c *Config) { c.DPoP.Algorithms = []string{"ES256", "HS256"} }, "DPoP.Algorithms[1]"},
		{"alg none", func(c *Config) { c.DPoP.Algorithms = []string{"none"} }, "DPoP.Algorithms[0]"},
		{"an unknown algorithm", func(c *Config) { c.DPoP.Algorithms = []string{"ES257"} }, "DPoP.Algorithms[0]"},
		{"a URL with a query", func(c *Config) { c.DPoP.URLs = []string{"https://a.example/?x"} }, "DPoP.URLs[0]"},
		{"a URL that is a host name", func(c *Config) { c.DPoP.URLs = []string{apiURL, "api.a.example"} }, "DPoP.URLs[1]"},
		{"a URL of another scheme", func(c *Config) { c.DPoP.URLs = []string{"ftp://a.example"} }, "DPoP.URLs[0]"},
		{"required without URLs", func(c *Config) { c.DPoP.URLs = nil; c.DPoP.Mode = DPoPRequired }, "DPoP.URLs"},
		{"URLs with TransferCookie", func(c *Config) { c.Transfer = TransferCookie }, "DPoP.URLs"},
		{"an unknown mode", func(c *Config) { c.DPoP.Mode = 7 }, "DPoP.Mode"},
		{"a negative MaxAge", func(c *Config) { c.DPoP.MaxAge = -time.Second }, "DPoP.MaxAge"},
		{"a MaxAge over 10m", func(c *Config) { c.DPoP.MaxAge = time.Hour }, "DPoP.MaxAge"},
		{"a Leeway over 5m", func(c *Config) { c.DPoP.Leeway = time.Hour }, "DPoP.Leeway"},
		{"a short NonceSecret", func(c *Config) { c.DPoP.NonceSecret = []byte("short") }, "DPoP.NonceSecret"},
		{"a NoncePeriod under 10s", func(c *Config) { c.DPoP.NoncePeriod = time.Second }, "DPoP.NoncePeriod"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := dpopConfig(c.mod)
			cfg.Clock = fixedClock
			_, err := New(cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != c.field {
				t.Fatalf("New: %v; want a ConfigError naming %s", err, c.field)
			}
		})
	}
	t.Run("the secret is never in the message", func(t *testing.T) {
		_, err := New(dpopConfig(func(c *Config) { c.DPoP.NonceSecret = []byte("hunter2") }))
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("New: %v", err)
		}
	})
}

// TestDPoPCnfClaim: cnf must be an object with a well-formed jkt; another
// confirmation method is refused rather than taken for a bearer token.
func TestDPoPCnfClaim(t *testing.T) {
	g := newGate(t, dpopConfig())
	k := testKeys()
	for _, c := range []struct {
		name string
		cnf  any
		want error
	}{
		{"cnf that is a string", "x", ErrClaims},
		{"cnf with x5t#S256 only (mTLS)", map[string]any{"x5t#S256": "abc"}, ErrClaims},
		{"cnf.jkt that is not a thumbprint", map[string]any{"jkt": "short"}, ErrClaims},
		{"cnf.jkt that is a number", map[string]any{"jkt": 1}, ErrClaims},
		{"cnf naming jkt twice", nil, ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			var tok string
			if c.cnf == nil {
				tok = dupClaimToken(t, `"cnf":{"jkt":"a"}`, `"cnf":{"jkt":"a","jkt":"b"}`)
			} else {
				tok = sign(t, "ES256", "", k.ec256, claimsFor(issA, withClaim("cnf", c.cnf)), nil)
			}
			dec := g.Check(bearerRequest(tok), CheckOptions{})
			checkResult(t, "Check", dec.Session, dec.Err, tok, c.want)
		})
	}
}

// dupClaimToken is a token of issuer A whose claim set text has old
// replaced by repl.
func dupClaimToken(t *testing.T, old, repl string) string {
	t.Helper()
	tok := sign(t, "ES256", "", testKeys().ec256, claimsFor(issA, withClaim("cnf", map[string]any{"jkt": "a"})), nil)
	p := strings.Split(tok, ".")
	c := strings.Replace(decodeB64(t, p[1]), old, repl, 1)
	input := p[0] + "." + b64(c)
	sig, err := jwt.SigningMethodES256.Sign(input, testKeys().ec256)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(string(sig))
}

// TestDPoPNoLogs: DPoP requests, passed and refused, log nothing.
func TestDPoPNoLogs(t *testing.T) {
	var sink logSink
	g := newGate(t, dpopConfig(func(c *Config) { c.Logger = sink.logger() }))
	d := dpopKeys()
	tok := boundToken(t, d.client)
	good := proofFor(t, d.client, "", "GET", apiURL+"/me", tok)
	for _, p := range []string{good, good, proofFor(t, d.other, "", "GET", apiURL+"/me", tok)} {
		g.Check(dpopRequest("GET", "/me", tok, p), CheckOptions{})
	}
	if s := sink.String(); s != "" {
		t.Errorf("logged %q", s)
	}
}

// TestMemoryReplayCache: first use true, then false until its time, true
// again after; exactly one of many concurrent uses is first; a full cache
// refuses instead of forgetting.
func TestMemoryReplayCache(t *testing.T) {
	clock := newFakeClock()
	c := NewMemoryReplayCache(replayShards, clock.Now) // one key per shard
	key := [32]byte{7}
	use := func(k [32]byte, d time.Duration) (bool, error) {
		return c.UseOnce(t.Context(), k, clock.Now().Add(d))
	}
	if first, err := use(key, time.Minute); !first || err != nil {
		t.Fatalf("first use: %v %v", first, err)
	}
	if first, _ := use(key, time.Minute); first {
		t.Fatal("second use within its time is first")
	}
	clock.Advance(time.Minute)
	if first, _ := use(key, time.Minute); !first {
		t.Fatal("a use after the key's time is not first")
	}
	if _, err := use([32]byte{7 + replayShards}, time.Minute); !errors.Is(err, ErrReplayCacheFull) {
		t.Fatalf("a second key in a full shard: %v, want ErrReplayCacheFull", err)
	}
	clock.Advance(time.Minute)
	if first, err := use([32]byte{7 + replayShards}, time.Minute); !first || err != nil {
		t.Fatalf("once the old key expired, a new one fits: %v %v", first, err)
	}

	many := NewMemoryReplayCache(0, nil)
	var wg sync.WaitGroup
	var firsts atomic.Int64
	for range 100 {
		wg.Go(func() {
			if ok, err := many.UseOnce(t.Context(), key, time.Now().Add(time.Minute)); ok && err == nil {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d of 100 concurrent uses were first, want 1", n)
	}
}

// TestNormalizePath: RFC 3986 §6.2.2 and §6.2.3 on paths.
func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/": "/", "/me": "/me", "/%6d%65": "/me", "/a%2fb": "/a%2Fb", "/a%2Fb": "/a%2Fb",
		"/a/./b": "/a/b", "/a/../b": "/b", "/../a": "/a", "/a/..": "/", "/a/.": "/a/", "/%7Euser": "/~user",
		"/a%": "/a%", "/a%zz": "/a%zz", "/é": "/é",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDPoPChallengeCarriesAlgs: every DPoP refusal's challenge names the
// algorithms, in the configured order, and the body has the code.
func TestDPoPChallengeCarriesAlgs(t *testing.T) {
	g := newGate(t, dpopConfig(func(c *Config) { c.DPoP.Algorithms = []string{"PS256", "ES256"} }))
	d := dpopKeys()
	tok := boundToken(t, d.client)
	dec := g.Check(dpopRequest("GET", "/me", tok, proofFor(t, d.client, "", "GET", apiURL+"/x", tok)), CheckOptions{})
	r := ErrorResponse(dec.Err)
	want := `DPoP error="invalid_dpop_proof", error_description="the DPoP proof is invalid", algs="PS256 ES256"`
	if r.Status != http.StatusUnauthorized || r.Header[0] != [2]string{"WWW-Authenticate", want} ||
		!slices.Contains([]string{`{"error":"invalid_dpop_proof","error_description":"the DPoP proof is invalid"}` + "\n"}, string(r.Body)) {
		t.Errorf("answer %d %q %s", r.Status, r.Header, r.Body)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeB64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGateProof: a token endpoint's proof (no access token, so no ath)
// gives the key's thumbprint to bind; it is used once, names the
// endpoint's method and URL, and follows RequireNonce.
func TestGateProof(t *testing.T) {
	d := dpopKeys()
	endpoint := func(proofs ...string) Request {
		r := httptest.NewRequest("POST", apiURL+"/auth/exchange", nil)
		r.Header["Dpop"] = proofs
		return HTTPRequest(r)
	}
	noAth := claim("ath", nil)
	g := newGate(t, dpopConfig())
	p := proofFor(t, d.client, "", "POST", apiURL+"/auth/exchange", "", noAth)
	jkt, hdr, err := g.Proof(t.Context(), endpoint(p))
	if err != nil || jkt != thumbprintOf(t, d.client) || hdr != nil {
		t.Fatalf("Proof = %q %q %v, want the client key's thumbprint", jkt, hdr, err)
	}
	for _, c := range []struct {
		name string
		req  Request
		want error
	}{
		{"the same proof again", endpoint(p), ErrDPoPReplay},
		{"a proof with ath", endpoint(proofFor(t, d.client, "", "POST", apiURL+"/auth/exchange", "x")), ErrDPoPProof},
		{"a proof for another endpoint", endpoint(proofFor(t, d.client, "", "POST", apiURL+"/auth/refresh", "", noAth)), ErrDPoPProof},
		{"no proof", endpoint(), ErrDPoPProof},
		{"two proofs", endpoint(p, p), ErrMalformedRequest},
	} {
		_, _, err := g.Proof(t.Context(), c.req)
		checkResult(t, c.name, nil, err, "", c.want)
	}

	off := newGate(t, dpopConfig(noURLs))
	_, _, err = off.Proof(t.Context(), endpoint(p))
	checkResult(t, "without DPoP.URLs", nil, err, "", ErrDPoPProof)

	nonces := newGate(t, dpopConfig(func(c *Config) { c.DPoP.RequireNonce = true }))
	_, hdr, err = nonces.Proof(t.Context(), endpoint(proofFor(t, d.client, "", "POST", apiURL+"/auth/exchange", "", noAth)))
	checkResult(t, "RequireNonce without a nonce", nil, err, "", ErrDPoPNonce)
	if len(hdr) != 1 || hdr[0][0] != "DPoP-Nonce" {
		t.Fatalf("header %q, want a DPoP-Nonce", hdr)
	}
	jkt, _, err = nonces.Proof(t.Context(), endpoint(proofFor(t, d.client, "", "POST", apiURL+"/auth/exchange", "", noAth, claim("nonce", hdr[0][1]))))
	if err != nil || jkt != thumbprintOf(t, d.client) {
		t.Fatalf("with the nonce: %q %v", jkt, err)
	}
}

package adaptertest

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// DPoP in the suite: the rows' clients sign proofs with keys of the
// fixture (ES256, written with the standard library only), and the gate
// knows the service as DPoPURL, as behind a TLS-terminating proxy: the
// request reaches the loopback server, the proof names the external URL.

// DPoPURL is the external URL the DPoP rows configure (DPoPConfig.URLs).
const DPoPURL = "https://api.example.test"

// proofKey names one of the fixture's client keys.
type proofKey int

const (
	noKey     proofKey = iota
	clientKey          // the key tokens are bound to
	otherKey           // another client's key
)

// dpopKeys are the fixture's client keys.
type dpopKeys struct {
	client, other *ecdsa.PrivateKey
}

func newDPoPKeys() dpopKeys {
	a, errA := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, errB := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if errA != nil || errB != nil {
		panic("adaptertest: generating P-256 keys failed")
	}
	return dpopKeys{client: a, other: b}
}

func (k dpopKeys) key(which proofKey) *ecdsa.PrivateKey {
	if which == otherKey {
		return k.other
	}
	return k.client
}

// publicJWK is the RFC 7517 JWK of k's public key, members in RFC 7638
// order, so its JSON is also the thumbprint's input.
func publicJWK(k *ecdsa.PrivateKey) string {
	b, err := k.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return `{"crv":"P-256","kty":"EC","x":"` + enc(b[1:33]) + `","y":"` + enc(b[33:]) + `"}`
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of k's public key,
// base64url: the cnf.jkt of a token bound to it.
func thumbprint(k *ecdsa.PrivateKey) string {
	sum := sha256.Sum256([]byte(publicJWK(k)))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// proof describes a DPoP proof a row sends; the zero value is a valid
// proof of the client key for the row's request and its first token.
type proof struct {
	key     proofKey      // the signing key; default clientKey
	typ     string        // default "dpop+jwt"
	alg     string        // default ES256; "HS256" signs with HMAC and an oct jwk
	private bool          // the jwk carries the private key too
	jwk     proofKey      // the key the jwk names, when not the signing key
	htm     string        // default the row's method
	htu     string        // default DPoPURL + the row's path; "{base}" is the target's URL
	iat     time.Duration // relative to now
	ath     int           // the index of the token whose hash ath carries
	nonce   string        // sent as written; fromServer asks the server first
}

// fromServer: the suite first sends the request with a proof without a
// nonce, and signs the row's proof with the DPoP-Nonce of the answer.
const fromServer = "{from-server}"

var jtiSeq atomic.Uint64

// mintProof signs p for a request of method to path (no query) carrying
// toks; base is the target's URL, nonce the server's.
func (k dpopKeys) mintProof(p proof, method, path, base, nonce string, toks []string) string {
	alg, typ, htm, htu := cmp.Or(p.alg, "ES256"), cmp.Or(p.typ, "dpop+jwt"), cmp.Or(p.htm, method), cmp.Or(p.htu, DPoPURL+path)
	htu = strings.ReplaceAll(htu, "{base}", base)
	signer := k.key(p.key)
	jwk := publicJWK(k.key(cmp.Or(p.jwk, p.key)))
	if p.private {
		jwk = strings.TrimSuffix(jwk, "}") + `,"d":"` + base64.RawURLEncoding.EncodeToString(privateBytes(signer)) + `"}`
	}
	if alg == "HS256" {
		jwk = `{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}`
	}
	sum := sha256.Sum256([]byte(toks[p.ath]))
	claims := map[string]any{
		"jti": "jti-" + strconv.FormatUint(jtiSeq.Add(1), 10) + "-" + rand.Text(),
		"htm": htm, "htu": htu, "iat": time.Now().Add(p.iat).Unix(), "ath": base64.RawURLEncoding.EncodeToString(sum[:]),
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	c, _ := json.Marshal(claims)
	h := `{"typ":"` + typ + `","alg":"` + alg + `","jwk":` + jwk + `}`
	input := base64.RawURLEncoding.EncodeToString([]byte(h)) + "." + base64.RawURLEncoding.EncodeToString(c)
	return input + "." + base64.RawURLEncoding.EncodeToString(signES256(alg, signer, input))
}

// signES256 signs input: ES256 with key (r || s, 32 bytes each), or
// HS256 with a fixed secret.
func signES256(alg string, key *ecdsa.PrivateKey, input string) []byte {
	if alg == "HS256" {
		m := hmac.New(sha256.New, []byte("secret-secret-secret-secret-secret"))
		m.Write([]byte(input))
		return m.Sum(nil)
	}
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		panic(err)
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}

func privateBytes(k *ecdsa.PrivateKey) []byte {
	b, err := k.Bytes()
	if err != nil {
		panic(err)
	}
	return b
}

// suiteReplay is the replay cache of every DPoP row. The suite asks the
// adapter's gate for its own decision after the adapter has answered, and
// a replay cache would answer that second look "used before": so it
// records what it answered the adapter's requests, key by key (the last
// answer), and answers the suite's look the same.
type suiteReplay struct {
	inner core.ReplayCache

	mu        sync.Mutex
	answers   map[[32]byte]replayAnswer
	replaying bool
}

type replayAnswer struct {
	first bool
	err   error
}

func newSuiteReplay(inner core.ReplayCache) *suiteReplay {
	return &suiteReplay{inner: inner, answers: make(map[[32]byte]replayAnswer)}
}

var errNotSeen = errors.New("adaptertest: the suite's own check used a proof the adapter's request did not")

func (r *suiteReplay) UseOnce(ctx context.Context, key [32]byte, until time.Time) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replaying {
		a, ok := r.answers[key]
		if !ok {
			return false, errNotSeen
		}
		return a.first, a.err
	}
	first, err := r.inner.UseOnce(ctx, key, until)
	r.answers[key] = replayAnswer{first, err}
	return first, err
}

// replay switches to answering as recorded.
func (r *suiteReplay) replay() {
	r.mu.Lock()
	r.replaying = true
	r.mu.Unlock()
}

// nonceOf returns the DPoP-Nonce of an answer, failing the test if none.
func nonceOf(t testing.TB, lines []string) string {
	t.Helper()
	if len(lines) != 1 || lines[0] == "" {
		t.Fatalf("the answer to a proof without a nonce has DPoP-Nonce %q, want one nonce", lines)
	}
	return lines[0]
}

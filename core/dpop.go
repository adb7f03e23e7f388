package core

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// DPoP (RFC 9449): a token bound to a key (cnf.jkt) is used with a proof,
// a small JWT the client signs with that key for every request. The gate
// checks the proof on every request (its own parsing, as for tokens;
// golang-jwt for the signature; go-jose for the JWK and its RFC 7638
// thumbprint), while the access token's verification may come from the
// token cache.

// dpopVerifier checks proofs. nil fields are off: nonces without
// RequireNonce.
type dpopVerifier struct {
	mode    DPoPMode
	on      bool // DPoPConfig.on: URLs given and not disabled
	bases   []baseURL
	methods map[string]jwt.SigningMethod
	maxAge  time.Duration
	leeway  time.Duration
	replay  ReplayCache
	nonces  *nonces
	clock   func() time.Time
	maxSize int
	// only is the DPoP challenge; both adds Bearer before it, for a
	// request with no token when both schemes are accepted.
	only, both *challenge
}

// challenge is how a refusal offers DPoP in WWW-Authenticate (RFC 9449
// §7.1): the algorithms proofs may use and whether Bearer is offered too.
type challenge struct {
	algs   string
	bearer bool
}

func newDPoPVerifier(cfg *Config, bases []baseURL) *dpopVerifier {
	c := &cfg.DPoP
	d := &dpopVerifier{
		mode: c.Mode, on: c.on(), bases: bases, methods: make(map[string]jwt.SigningMethod, len(c.Algorithms)),
		maxAge: c.MaxAge, leeway: c.Leeway, replay: c.Replay, clock: cfg.Clock, maxSize: cfg.MaxTokenSize,
	}
	pss := strictPSS()
	for _, a := range c.Algorithms {
		d.methods[a] = jwt.GetSigningMethod(a)
		if m := pss[a]; m != nil {
			d.methods[a] = m
		}
	}
	if c.RequireNonce {
		d.nonces = &nonces{secret: c.NonceSecret, period: c.NoncePeriod}
	}
	algs := strings.Join(c.Algorithms, " ")
	d.only = &challenge{algs: algs}
	d.both = &challenge{algs: algs, bearer: true}
	return d
}

// required reports whether only DPoP-bound tokens with proofs pass.
func (d *dpopVerifier) required() bool { return d.on && d.mode == DPoPRequired }

// noToken is the error for a request without any token.
func (d *dpopVerifier) noToken() *Error {
	switch {
	case d.required():
		return &Error{Kind: ErrNoToken, dpop: d.only}
	case d.on:
		return &Error{Kind: ErrNoToken, dpop: d.both}
	}
	return &Error{Kind: ErrNoToken}
}

// refuse is an error of kind with the DPoP challenge.
func (d *dpopVerifier) refuse(kind error, cause error) *Error {
	return &Error{Kind: kind, Source: SourceAuthorization, Err: cause, dpop: d.only}
}

// bearer applies DPoP's rules to a token that came without a proof (the
// Bearer scheme, a cookie, the custom header, the query parameter): refused
// unread when DPoP is required, refused when bound to a key.
func (g *Gate) bearer(tok string, src Source) (*Session, *Error) {
	if g.dpop.required() {
		return nil, &Error{Kind: ErrDPoPRequired, Source: src, dpop: g.dpop.only, unsigned: true}
	}
	s, e := g.verifier.verify(tok, src)
	if e == nil && s.KeyBinding != "" {
		e = &Error{Kind: ErrTokenBound, Source: src}
		if g.dpop.on {
			e.dpop = g.dpop.only
		}
		return nil, e
	}
	return s, e
}

// withProof verifies tok, sent as "Authorization: DPoP <tok>", and the
// request's proof. nonce, when set, is a fresh nonce the answer carries.
func (g *Gate) withProof(ctx context.Context, r Request, tok string) (s *Session, nonce string, e *Error) {
	lines := r.Header("DPoP")
	if len(lines) > 1 {
		return nil, "", &Error{Kind: ErrMalformedRequest, Source: SourceAuthorization, dpop: g.dpop.only, desc: "more than one DPoP header"}
	}
	if s, e = g.verifier.verify(tok, SourceAuthorization); e != nil {
		e.dpop = g.dpop.only
		return nil, "", e
	}
	if len(lines) == 0 {
		return nil, "", g.dpop.refuse(ErrDPoPProof, errors.New("the request has no DPoP header"))
	}
	if nonce, e = g.dpop.check(ctx, r, lines[0], tok, s.KeyBinding); e != nil {
		return nil, "", e
	}
	return s, nonce, nil
}

// The members of a proof the gate reads, by index.
var (
	proofHeaderNames = [...]string{"typ", "alg", "jwk", "crit"}
	proofClaimNames  = [...]string{"jti", "htm", "htu", "iat", "ath", "nonce"}
)

const (
	pTyp = iota
	pAlg
	pJwk
	pCrit
)

const (
	pJti = iota
	pHtm
	pHtu
	pIat
	pAth
	pNonce
)

// proof is a DPoP proof split and decoded, not yet verified.
type proof struct {
	signingInput string
	sig          []byte
	header       [len(proofHeaderNames)]string
	claims       [len(proofClaimNames)]string
}

// Causes of ErrDPoPProof: fixed texts, never a value from the proof.
var (
	errProofForm   = errors.New("the proof is not a JWS compact JWT of one JSON header and claim set, each naming a member once")
	errProofType   = errors.New("the proof's typ is not dpop+jwt")
	errProofCrit   = errors.New("the proof names a critical header extension")
	errProofAlg    = errors.New("the proof's alg is not on the DPoP allow-list")
	errProofKey    = errors.New("the proof's jwk is not a public key that fits its alg")
	errProofSecret = errors.New("the proof's jwk holds a private or symmetric key")
	errProofSig    = errors.New("the proof's signature does not verify with its jwk")
	errProofJti    = errors.New("the proof has no jti")
	errProofHtm    = errors.New("the proof's htm is not the request's method")
	errProofHtu    = errors.New("the proof's htu is not this request's URL")
	errProofIat    = errors.New("the proof has no numeric iat")
	errProofOld    = errors.New("the proof's iat is older than DPoP.MaxAge")
	errProofFuture = errors.New("the proof's iat is in the future")
	errProofAth    = errors.New("the proof's ath is not the hash of the access token")
	errProofSize   = errors.New("the proof is longer than MaxTokenSize")
	errNotBound    = errors.New("the access token is not bound to a key (no cnf.jkt)")
	errOtherKey    = errors.New("the proof's key is not the key the access token is bound to")
	errNoNonce     = errors.New("the proof carries no nonce, or one that is not current")
)

// check verifies the proof raw for the request r carrying tok, bound to
// the key of thumbprint jkt: every rule that needs no state first, then
// the nonce, then the replay cache, so a refused proof uses up nothing.
func (d *dpopVerifier) check(ctx context.Context, r Request, raw, tok, jkt string) (nonce string, e *Error) {
	now := d.clock()
	p, thumb, iat, err := d.verifyProof(raw, r, tok, now)
	if err != nil {
		return "", d.refuse(ErrDPoPProof, err)
	}
	return d.consume(ctx, &p, thumb, jkt, iat, now)
}

// consume applies the binding (jkt: the token's cnf.jkt), the nonce and
// the replay cache to a proof that passed verifyProof.
func (d *dpopVerifier) consume(ctx context.Context, p *proof, thumb, jkt string, iat, now time.Time) (nonce string, e *Error) {
	switch {
	case jkt == "":
		return "", d.refuse(ErrDPoPBinding, errNotBound)
	case subtle.ConstantTimeCompare([]byte(jkt), []byte(thumb)) != 1:
		return "", d.refuse(ErrDPoPBinding, errOtherKey)
	}
	if nonce, e = d.checkNonce(p.claims[pNonce], now); e != nil {
		return "", e
	}
	jti, _ := jsonString(p.claims[pJti])
	if e = d.useOnce(ctx, thumb, jti, iat); e != nil {
		return "", e
	}
	return nonce, nil
}

// verifyProof applies every rule of RFC 9449 §4.3 that needs no state, and
// returns the proof, its key's thumbprint and its iat.
func (d *dpopVerifier) verifyProof(raw string, r Request, tok string, now time.Time) (p proof, thumb string, iat time.Time, err error) {
	if len(raw) > d.maxSize {
		return p, "", iat, errProofSize
	}
	if p.signingInput, p.sig, err = decodeCompact(raw, proofHeaderNames[:], p.header[:], proofClaimNames[:], p.claims[:]); err != nil {
		return p, "", iat, errProofForm
	}
	if thumb, err = d.verifySignature(&p); err != nil {
		return p, "", iat, err
	}
	if iat, err = d.checkClaims(&p, r, tok, now); err != nil {
		return p, "", iat, err
	}
	return p, thumb, iat, nil
}

// verifySignature checks the proof's header and signature, and returns its
// key's RFC 7638 thumbprint.
func (d *dpopVerifier) verifySignature(p *proof) (string, error) {
	typ, _ := jsonString(p.header[pTyp])
	if !strings.EqualFold(typ, "dpop+jwt") && !strings.EqualFold(typ, "application/dpop+jwt") {
		return "", errProofType
	}
	if p.header[pCrit] != "" {
		return "", errProofCrit
	}
	alg, _ := jsonString(p.header[pAlg])
	m := d.methods[alg]
	if m == nil {
		return "", errProofAlg
	}
	pub, thumb, err := proofKey(p.header[pJwk], alg)
	if err != nil {
		return "", err
	}
	if m.Verify(p.signingInput, p.sig, pub) != nil {
		return "", errProofSig
	}
	return thumb, nil
}

// privateMembers are the JWK members of private and symmetric keys (RFC
// 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// proofKey reads a proof's jwk header, the text raw: a public key only,
// asymmetric, not weak, that fits alg. It returns the key and its RFC 7638
// SHA-256 thumbprint, base64url, as cnf.jkt holds it.
func proofKey(raw, alg string) (any, string, error) {
	if raw == "" || raw[0] != '{' {
		return nil, "", errProofKey
	}
	var members map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &members) != nil {
		return nil, "", errProofKey
	}
	for _, name := range privateMembers {
		if _, ok := members[name]; ok {
			return nil, "", errProofSecret
		}
	}
	var jwk jose.JSONWebKey
	if jwk.UnmarshalJSON([]byte(raw)) != nil || !jwk.IsPublic() {
		return nil, "", errProofKey
	}
	switch jwk.Key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return nil, "", errProofKey
	}
	if checkRSASize(jwk.Key) != nil || !(key{alg: jwk.Algorithm, pub: jwk.Key}).fits(alg) {
		return nil, "", errProofKey
	}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, "", errProofKey
	}
	return jwk.Key, base64.RawURLEncoding.EncodeToString(sum), nil
}

// checkClaims applies the claim rules: jti, htm, htu, iat, ath.
func (d *dpopVerifier) checkClaims(p *proof, r Request, tok string, now time.Time) (time.Time, error) {
	if jti, ok := jsonString(p.claims[pJti]); !ok || jti == "" {
		return time.Time{}, errProofJti
	}
	if htm, ok := jsonString(p.claims[pHtm]); !ok || htm != r.Method() {
		return time.Time{}, errProofHtm
	}
	if htu, ok := jsonString(p.claims[pHtu]); !ok || !matchHTU(htu, r.Path(), d.bases) {
		return time.Time{}, errProofHtu
	}
	iat, err := d.checkIat(p.claims[pIat], now)
	if err != nil {
		return iat, err
	}
	if tok == "" { // a proof at a token endpoint: no access token yet
		if p.claims[pAth] != "" {
			return iat, errProofAth
		}
		return iat, nil
	}
	sum := sha256.Sum256([]byte(tok))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	if ath, ok := jsonString(p.claims[pAth]); !ok || subtle.ConstantTimeCompare([]byte(ath), []byte(want)) != 1 {
		return iat, errProofAth
	}
	return iat, nil
}

// checkIat reads iat (raw, a JSON number) and applies the window: no
// older than MaxAge plus Leeway, no later than now plus Leeway.
func (d *dpopVerifier) checkIat(raw string, now time.Time) (time.Time, error) {
	if raw == "" || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return time.Time{}, errProofIat
	}
	iat := numericDate(raw)
	switch {
	case iat.After(now.Add(d.leeway)):
		return iat, errProofFuture
	case iat.Before(now.Add(-d.maxAge - d.leeway)):
		return iat, errProofOld
	}
	return iat, nil
}

// checkNonce applies RequireNonce to the proof's nonce (raw, its JSON
// text): ErrDPoPNonce with a fresh nonce when it is missing or stale; a
// nonce of the period before passes, and the answer carries the current.
func (d *dpopVerifier) checkNonce(raw string, now time.Time) (string, *Error) {
	if d.nonces == nil {
		return "", nil
	}
	got, _ := jsonString(raw)
	ok, stale := d.nonces.check(got, now)
	if !ok {
		e := d.refuse(ErrDPoPNonce, errNoNonce)
		e.nonce = d.nonces.current(now)
		return "", e
	}
	if stale {
		return d.nonces.current(now), nil
	}
	return "", nil
}

// useOnce records the proof's jti, per key, for as long as the proof would
// pass: ErrDPoPReplay when it was recorded before.
func (d *dpopVerifier) useOnce(ctx context.Context, thumb, jti string, iat time.Time) *Error {
	if ctx == nil {
		ctx = context.Background()
	}
	first, err := d.replay.UseOnce(ctx, replayKey(thumb, jti), iat.Add(d.maxAge+d.leeway))
	switch {
	case err != nil:
		return &Error{Kind: ErrDPoPReplayUnavailable, Source: SourceAuthorization, Err: err}
	case !first:
		return d.refuse(ErrDPoPReplay, nil)
	}
	return nil
}

// replayKey is the replay cache's key for a proof: jti per key, so that
// no client can use up another's jti values.
func replayKey(thumb, jti string) [32]byte {
	h := sha256.New()
	h.Write([]byte("sessiongate DPoP jti\x00"))
	h.Write([]byte(thumb))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// Proof checks the DPoP proof of a request that carries no access token
// yet, such as a token endpoint's exchange or refresh (RFC 9449 §5), so the
// tokens it issues can be bound to the client's key: one DPoP header, a
// proof for the request's method and URL (DPoPConfig.URLs) without ath,
// fresh, unused (it is recorded in the replay cache), with the server's
// nonce when RequireNonce is set. It returns the RFC 7638 thumbprint of the
// proof's key, the value of cnf.jkt, and the response header lines to send
// whatever the outcome (DPoP-Nonce). A refusal is an *Error of a DPoP kind,
// answered with ErrorResponse. Without DPoPConfig.URLs, or in
// DPoPDisabled, it refuses every request (ErrDPoPProof).
func (g *Gate) Proof(ctx context.Context, r Request) (jkt string, header [][2]string, err error) {
	d := g.dpop
	if !d.on {
		return "", nil, d.refuse(ErrDPoPProof, errors.New("DPoP is not configured (DPoP.URLs)"))
	}
	lines := r.Header("DPoP")
	switch len(lines) {
	case 0:
		return "", nil, d.refuse(ErrDPoPProof, errors.New("the request has no DPoP header"))
	case 1:
	default:
		return "", nil, &Error{Kind: ErrMalformedRequest, Source: SourceAuthorization, dpop: d.only, desc: "more than one DPoP header"}
	}
	now := d.clock()
	p, thumb, iat, perr := d.verifyProof(lines[0], r, "", now)
	if perr != nil {
		return "", nil, d.refuse(ErrDPoPProof, perr)
	}
	nonce, e := d.consume(ctx, &p, thumb, thumb, iat, now)
	if e != nil {
		return "", nonceHeader(e.nonce), e
	}
	return thumb, nonceHeader(nonce), nil
}

// nonceHeader is the DPoP-Nonce response header carrying nonce; none for "".
func nonceHeader(nonce string) [][2]string {
	if nonce == "" {
		return nil
	}
	return [][2]string{{"DPoP-Nonce", nonce}}
}

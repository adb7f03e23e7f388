package core

import (
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// issuerKeys are the keys bound to one issuer: static ones, a JWKS cache,
// or both. Keys never come from the token itself: jku, x5u and jwk headers
// are ignored.
type issuerKeys struct {
	static *keySet
	cache  *jwksCache
	fn     *funcKeys // Issuer.Keys; alone, never with static or cache
}

// verifier checks one token against keys, allow-lists and the clock. Given
// the same token, keys and time it returns the same answer; it keeps no
// per-request state. It parses tokens itself (jws.go) and decides on the
// registered claims itself (claims.go); golang-jwt checks the signature.
// Tokens it verified are kept in cache (tokencache.go), nil when disabled.
type verifier struct {
	methods   map[string]jwt.SigningMethod // the alg allow-list
	types     []string                     // Config.Types, in full and lower case
	issuers   map[string]*issuerKeys
	audiences []string
	leeway    time.Duration
	clock     func() time.Time
	validate  func(*Session) error
	maxSize   int
	cache     *tokenCache
}

// strictPSS returns RSA-PSS methods that verify only a salt as long as the
// hash (RFC 7518 3.5). golang-jwt's registered PS256/384/512 accept any salt
// length; they are shared by the whole process, so the verifier keeps its
// own copies in its method table instead of changing them.
func strictPSS() map[string]jwt.SigningMethod {
	out := make(map[string]jwt.SigningMethod, 3)
	for name, h := range map[string]crypto.Hash{"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512} {
		salt := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
		out[name] = &jwt.SigningMethodRSAPSS{SigningMethodRSA: &jwt.SigningMethodRSA{Name: name, Hash: h}, Options: salt, VerifyOptions: salt}
	}
	return out
}

func newVerifier(cfg *Config, issuers map[string]*issuerKeys) *verifier {
	methods := make(map[string]jwt.SigningMethod, len(cfg.Algorithms))
	pss := strictPSS()
	for _, a := range cfg.Algorithms {
		methods[a] = jwt.GetSigningMethod(a) // known: Config.checkAlgorithms
		if m := pss[a]; m != nil {
			methods[a] = m
		}
	}
	v := &verifier{
		methods: methods, types: cfg.Types, issuers: issuers, audiences: cfg.Audiences, leeway: cfg.Leeway,
		clock: cfg.Clock, validate: cfg.ValidateClaims, maxSize: cfg.MaxTokenSize,
	}
	if !cfg.DisableTokenCache {
		v.cache = newTokenCache(cfg.TokenCacheSize, cfg.TokenCacheMaxAge)
	}
	return v
}

// verify checks tok and returns its session. src only labels the result.
// A token verified before is answered from the cache with what verifying
// it again would answer now: the dates are checked against the clock and
// ValidateClaims runs, every time.
func (v *verifier) verify(tok string, src Source) (*Session, *Error) {
	if len(tok) > v.maxSize {
		// Before the cache: an oversized header is not even hashed.
		return nil, &Error{Kind: ErrTokenTooLarge, Source: src, unsigned: true}
	}
	now := v.clock()
	s, e, hit := v.cache.get(tok, now, v)
	if !hit {
		s, e = v.check(tok, now)
	}
	if e != nil {
		e.Source = src
		return nil, e
	}
	s.Source = src
	if v.validate != nil {
		if err := v.validate(s); err != nil {
			return nil, &Error{Kind: ErrClaims, Source: src, Err: err}
		}
	}
	return s, nil
}

// prepared is a token that passed every rule needing no signature check,
// with the keys that may verify it.
type prepared struct {
	c    compact
	alg  string
	ik   *issuerKeys
	gen  uint64 // the key set's generation, read before the lookup
	keys []any
}

// prepare applies every rule that needs no signature check (after the size
// limit, which verify applies): form, type, header and issuer, then finds the keys. An error from it means the
// token never reached a key.
func (v *verifier) prepare(tok string) (p prepared, e *Error) {
	if p.c, e = parseCompact(tok); e != nil {
		return p, e
	}
	typ, _ := jsonString(p.c.header[hTyp])
	if !v.typeAccepted(typ) {
		return p, newError(ErrTokenType, nil)
	}
	p.alg, _ = jsonString(p.c.header[hAlg])
	var kid string
	if p.ik, kid, e = v.issuer(p.alg, &p.c); e != nil {
		return p, e
	}
	p.gen = p.ik.generation()
	p.keys, e = p.ik.lookup(kid, p.alg)
	return p, e
}

// check applies the rules in this order, so a token that breaks several
// always gets the same kind: size, form, type, header and issuer,
// signature, then the registered claims. A token that passes them all is
// cached, under the generation of its issuer's keys read before they were
// looked up (so a key set replaced meanwhile only makes the entry stale).
func (v *verifier) check(tok string, now time.Time) (*Session, *Error) {
	p, e := v.prepare(tok)
	if e != nil {
		e.unsigned = true
		return nil, e
	}
	if !signatureValid(v.methods[p.alg], p.c.signingInput, p.c.sig, p.keys) {
		return nil, newError(ErrSignature, nil)
	}
	s, e := v.session(&p.c, now)
	if e != nil {
		return nil, e
	}
	// A copy: tok may live in a buffer the server reuses (Request).
	s.Token = Token(strings.Clone(tok))
	v.cache.add(s, p.ik, p.gen, now)
	return s, nil
}

// typeAccepted applies Config.Types to the typ header: RFC 7515 §4.1.9
// compares media types ignoring case and reads a typ without "/" as
// "application/" followed by it.
func (v *verifier) typeAccepted(t string) bool {
	if len(v.types) == 0 {
		return true
	}
	if !strings.Contains(t, "/") {
		t = "application/" + t
	}
	for _, want := range v.types {
		if strings.EqualFold(t, want) {
			return true
		}
	}
	return false
}

// signatureValid reports whether one of keys verifies sig over input with
// m, golang-jwt's implementation of the token's alg.
func signatureValid(m jwt.SigningMethod, input string, sig []byte, keys []any) bool {
	for _, k := range keys {
		if m.Verify(input, sig, k) == nil {
			return true
		}
	}
	return false
}

// issuer checks a token's header and finds its issuer's keys: alg on the
// allow-list, no unknown critical header, issuer configured. It returns
// the kid the token names ("" for none).
func (v *verifier) issuer(alg string, c *compact) (*issuerKeys, string, *Error) {
	if v.methods[alg] == nil {
		return nil, "", newError(ErrAlgorithm, fmt.Errorf("alg %q is not on the allow-list", alg))
	}
	if c.header[hCrit] != "" {
		// RFC 7515 4.1.11: crit names extensions the recipient must
		// understand; this verifier understands none.
		return nil, "", newError(ErrMalformed, errors.New("token names a critical header extension this verifier does not understand"))
	}
	iss, _ := jsonString(c.claims[cIss])
	ik := v.issuers[iss]
	if ik == nil {
		return nil, "", newError(ErrIssuer, nil)
	}
	var kid string
	if raw := c.header[hKid]; raw != "" {
		var ok bool
		if kid, ok = jsonString(raw); !ok {
			return nil, "", newError(ErrMalformed, errors.New("kid header is not a string"))
		}
	}
	return ik, kid, nil
}

// generation identifies the issuer's current keys: it changes whenever a
// fetch brings other keys (nextGeneration). Static keys never change.
func (ik *issuerKeys) generation() uint64 {
	if ik.fn != nil {
		v, _ := ik.fn.fn()
		return v
	}
	if ik.cache == nil {
		return 0
	}
	if ks := ik.cache.keys.Load(); ks != nil {
		return ks.gen
	}
	return 0
}

// lookup returns the issuer's keys for kid and alg: static keys first, then
// the JWKS cache.
func (ik *issuerKeys) lookup(kid, alg string) ([]any, *Error) {
	if ik.fn != nil {
		return ik.fn.lookup(kid, alg)
	}
	var keys []any
	staticKnown := false
	if ik.static != nil {
		keys, staticKnown = ik.static.match(kid, alg)
	}
	if len(keys) == 0 && ik.cache != nil {
		var e *Error
		keys, e = ik.cache.lookup(kid, alg)
		if e != nil && !(staticKnown && errors.Is(e, ErrUnknownKey)) {
			return nil, e
		}
	}
	if len(keys) > 0 {
		return keys, nil
	}
	if staticKnown {
		return nil, newError(ErrAlgorithm, fmt.Errorf("alg %s does not fit the issuer's key", alg))
	}
	return nil, newError(ErrUnknownKey, nil)
}

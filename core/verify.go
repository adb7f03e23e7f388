package core

import (
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// issuerKeys are the keys bound to one issuer: static ones, a JWKS cache,
// or both. Keys never come from the token itself: jku, x5u and jwk headers
// are ignored.
type issuerKeys struct {
	static *keySet
	cache  *jwksCache
}

// verifier checks one token against keys, allow-lists and the clock. Given
// the same token, keys and time it returns the same answer; it keeps no
// per-request state.
type verifier struct {
	parser   *jwt.Parser
	algs     map[string]bool
	issuers  map[string]*issuerKeys
	validate func(*Session) error
	maxSize  int
	pss      map[string]jwt.SigningMethod
}

// strictPSS returns RSA-PSS methods that verify only a salt as long as the
// hash (RFC 7518 3.5). golang-jwt's registered PS256/384/512 accept any salt
// length; they are shared by the whole process, so the verifier puts its
// own copies on the tokens it parses instead of changing them.
func strictPSS() map[string]jwt.SigningMethod {
	out := make(map[string]jwt.SigningMethod, 3)
	for name, h := range map[string]crypto.Hash{"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512} {
		salt := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
		out[name] = &jwt.SigningMethodRSAPSS{SigningMethodRSA: &jwt.SigningMethodRSA{Name: name, Hash: h}, Options: salt, VerifyOptions: salt}
	}
	return out
}

func newVerifier(cfg *Config, issuers map[string]*issuerKeys) *verifier {
	opts := []jwt.ParserOption{
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(cfg.Clock),
	}
	if len(cfg.Audiences) > 0 {
		opts = append(opts, jwt.WithAudience(cfg.Audiences...))
	}
	algs := make(map[string]bool, len(cfg.Algorithms))
	for _, a := range cfg.Algorithms {
		algs[a] = true
	}
	return &verifier{parser: jwt.NewParser(opts...), algs: algs, issuers: issuers, validate: cfg.ValidateClaims, maxSize: cfg.MaxTokenSize, pss: strictPSS()}
}

// verify checks tok and returns its session. src only labels the result.
func (v *verifier) verify(tok string, src Source) (*Session, *Error) {
	if len(tok) > v.maxSize {
		return nil, &Error{Kind: ErrTokenTooLarge, Source: src}
	}
	claims := jwt.MapClaims{}
	var keyErr *Error
	_, err := v.parser.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		keys, e := v.keys(t, claims)
		if e != nil {
			keyErr = e
			return nil, e
		}
		return jwt.VerificationKeySet{Keys: keys}, nil
	})
	if keyErr != nil {
		keyErr.Source = src
		return nil, keyErr
	}
	if err != nil {
		e := mapJWTError(err)
		e.Source = src
		return nil, e
	}
	s := &Session{Claims: claims, Token: Token(tok), Source: src}
	s.Subject, _ = claims["sub"].(string)
	s.Issuer, _ = claims["iss"].(string)
	s.ID, _ = claims["jti"].(string)
	if aud, err := claims.GetAudience(); err == nil {
		s.Audience = aud
	}
	s.ExpiresAt = numericTime(claims.GetExpirationTime())
	s.IssuedAt = numericTime(claims.GetIssuedAt())
	s.NotBefore = numericTime(claims.GetNotBefore())
	if v.validate != nil {
		if err := v.validate(s); err != nil {
			return nil, &Error{Kind: ErrClaims, Source: src, Err: err}
		}
	}
	return s, nil
}

func numericTime(d *jwt.NumericDate, err error) time.Time {
	if err != nil || d == nil {
		return time.Time{}
	}
	return d.Time
}

// keys picks the verification keys for t: alg on the allow-list, no
// unknown critical header, issuer configured, key of that issuer by kid.
func (v *verifier) keys(t *jwt.Token, claims jwt.MapClaims) ([]jwt.VerificationKey, *Error) {
	alg, _ := t.Header["alg"].(string)
	if !v.algs[alg] {
		return nil, newError(ErrAlgorithm, fmt.Errorf("alg %q is not on the allow-list", alg))
	}
	if m := v.pss[alg]; m != nil {
		t.Method = m // golang-jwt verifies with t.Method once this key func returns
	}
	if _, ok := t.Header["crit"]; ok {
		// RFC 7515 4.1.11: crit names extensions the recipient must
		// understand; this verifier understands none.
		return nil, newError(ErrMalformed, errors.New("token names a critical header extension this verifier does not understand"))
	}
	iss, _ := claims["iss"].(string)
	ik := v.issuers[iss]
	if ik == nil {
		return nil, newError(ErrIssuer, nil)
	}
	var kid string
	if raw, ok := t.Header["kid"]; ok {
		if kid, ok = raw.(string); !ok {
			return nil, newError(ErrMalformed, errors.New("kid header is not a string"))
		}
	}
	keys, e := ik.lookup(kid, alg)
	if e != nil {
		return nil, e
	}
	out := make([]jwt.VerificationKey, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

// lookup returns the issuer's keys for kid and alg: static keys first, then
// the JWKS cache.
func (ik *issuerKeys) lookup(kid, alg string) ([]any, *Error) {
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

// mapJWTError turns a golang-jwt error into the kind it means.
func mapJWTError(err error) *Error {
	kind := ErrMalformed
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		kind = ErrMalformed
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		kind = ErrSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		kind = ErrExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		kind = ErrNotYetValid
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		kind = ErrIssuedInFuture
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		kind = ErrAudience
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing), errors.Is(err, jwt.ErrInvalidType), errors.Is(err, jwt.ErrTokenInvalidClaims):
		kind = ErrClaims
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		kind = ErrAlgorithm // an alg golang-jwt does not know
	}
	return &Error{Kind: kind, Err: err}
}

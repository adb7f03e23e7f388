package core

import (
	"slices"
	"time"

	"github.com/maypok86/otter/v2"
)

// tokenCache remembers the tokens the gate verified, so that a token seen
// again costs no signature check. It is keyed by the exact token string:
// the parser accepts one spelling per token (canonicalBase64URL), so a
// token cannot be sent in a second form that misses the cache, or one that
// hits an entry it does not own.
//
// An entry holds what the verification established once and for all (the
// signature, the header, the issuer and the claims' types and values) and
// is used only while that still holds: its issuer's keys are of the
// generation they were verified under (after a fetch that brings other keys,
// the issuer's older entries are no longer used and get replaced) and it is
// younger than
// Config.TokenCacheMaxAge. What depends on the moment is decided again on
// every hit: exp, nbf and iat against the clock (verifier.dateRules), then
// ValidateClaims. Only tokens whose signature and claims passed are stored
// (ValidateClaims runs on every hit, so it may refuse a stored one): a
// refusal is never cached, so no token can be locked out by one.
//
// The store is github.com/maypok86/otter/v2 (bench/cachecmp chose it: its
// reads take no lock, and its W-TinyLFU eviction keeps more of the active
// users' tokens than a hand-written CLOCK or random eviction when more
// tokens are live than the cache holds). Its maintenance runs on the
// goroutine that reads or writes (Executor), so the gate starts no
// goroutine for it, and the number of entries never exceeds the size.
type tokenCache struct {
	entries *otter.Cache[string, *cachedToken]
	maxAge  time.Duration
}

// cachedToken is one verified token. It is never changed once stored, and
// a hit hands out a copy of session.
type cachedToken struct {
	session Session // Source and CookieName unset
	keys    *issuerKeys
	gen     uint64    // keys.generation() before the keys were looked up
	staleAt time.Time // when it was verified, plus TokenCacheMaxAge
}

// newTokenCache returns a cache of at most size tokens, each used for at
// most maxAge after its verification.
func newTokenCache(size int, maxAge time.Duration) *tokenCache {
	return &tokenCache{
		entries: otter.Must(&otter.Options[string, *cachedToken]{
			MaximumSize: size,
			Executor:    func(fn func()) { fn() },
		}),
		maxAge: maxAge,
	}
}

// get answers tok from the cache (hit) with what verifying it again would
// answer at now, v's rules and clock being unchanged: a copy of the
// session, or the date rule it now breaks. A nil cache has no hits.
func (c *tokenCache) get(tok string, now time.Time, v *verifier) (s *Session, e *Error, hit bool) {
	if c == nil {
		return nil, nil, false
	}
	t, ok := c.entries.GetIfPresent(tok)
	if !ok || t.keys.generation() != t.gen || !now.Before(t.staleAt) {
		return nil, nil, false // verify again; add replaces the entry
	}
	if e := v.dateRules(&t.session, now); e != nil {
		if e.Kind == ErrExpired {
			c.entries.Invalidate(tok) // it stays expired
		}
		return nil, e, true
	}
	return t.copySession(), nil, true
}

// withAudience is a session and room for its one audience, so that the
// copy a hit hands out (its Audience too: the caller may change it) costs
// one allocation in the common case.
type withAudience struct {
	s   Session
	aud [1]string
}

// copySession returns a copy of the cached session that shares nothing
// the caller could change.
func (t *cachedToken) copySession() *Session {
	if len(t.session.Audience) != 1 {
		cp := t.session
		cp.Audience = slices.Clone(cp.Audience)
		return &cp
	}
	w := &withAudience{s: t.session, aud: [1]string{t.session.Audience[0]}}
	w.s.Audience = w.aud[:]
	return &w.s
}

// add stores s, just verified at now with keys of generation gen, under
// its token (a copy of the request's: see verifier.check). It keeps a copy
// of s: the caller's goes on to one request.
func (c *tokenCache) add(s *Session, keys *issuerKeys, gen uint64, now time.Time) {
	if c == nil {
		return
	}
	t := &cachedToken{session: *s, keys: keys, gen: gen, staleAt: now.Add(c.maxAge)}
	t.session.Audience = slices.Clone(s.Audience)
	c.entries.Set(string(s.Token), t)
}

// len returns the number of cached tokens.
func (c *tokenCache) len() int {
	if c == nil {
		return 0
	}
	return c.entries.EstimatedSize()
}

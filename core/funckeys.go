package core

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// funcKeys holds the keys of an issuer configured with Issuer.Keys: the
// function is asked on every lookup, and its set is parsed once per version.
type funcKeys struct {
	fn  func() (uint64, []byte)
	mu  sync.Mutex // one parse per version
	cur atomic.Pointer[funcKeySet]
}

// funcKeySet is one version of the function's set, parsed, or why not.
type funcKeySet struct {
	version uint64
	keys    *keySet
	err     *Error
}

// current returns the parsed set of the function's current version.
func (f *funcKeys) current() *funcKeySet {
	v, raw := f.fn()
	if c := f.cur.Load(); c != nil && c.version == v {
		return c
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.cur.Load(); c != nil && c.version == v {
		return c
	}
	c := &funcKeySet{version: v}
	ks, _, err := parseJWKS(raw) // a weak key is skipped, as from a URL
	switch {
	case err != nil:
		c.err = newError(ErrKeysUnavailable, fmt.Errorf("key function: %w", err))
	case len(ks.keys) == 0:
		c.err = newError(ErrKeysUnavailable, fmt.Errorf("key function: %w", errNoUsableKey))
	default:
		ks.gen = v
		c.keys = ks
	}
	f.cur.Store(c)
	return c
}

// lookup returns the keys of the current version for kid and alg.
func (f *funcKeys) lookup(kid, alg string) ([]any, *Error) {
	c := f.current()
	if c.err != nil {
		return nil, c.err
	}
	keys, known := c.keys.match(kid, alg)
	switch {
	case len(keys) > 0:
		return keys, nil
	case known:
		return nil, newError(ErrAlgorithm, fmt.Errorf("alg %s does not fit the issuer's key", alg))
	}
	return nil, newError(ErrUnknownKey, nil)
}

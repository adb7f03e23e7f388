package core

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
)

// Gate verifies the session token of a request. Build it once with New,
// share it between middlewares, and Close it when done.
type Gate struct {
	cfg      Config
	verifier *verifier
	caches   []*jwksCache
	cookies  *CookieWriter
	cop      *http.CrossOriginProtection
	noToken  *Error
	dpop     *dpopVerifier

	lastDupWarn atomic.Int64
	closeOnce   sync.Once
}

// New validates cfg, loads static keys, fetches every JWKS once and starts
// the background refreshers. An error names the field and value at fault.
func New(cfg Config) (*Gate, error) {
	cfg = cfg.clone() // before anything reads it: the gate keeps no caller memory
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	bases, err := cfg.DPoP.defaults(cfg.Transfer, cfg.Clock)
	if err != nil {
		return nil, err
	}
	g := &Gate{cfg: cfg}
	g.dpop = newDPoPVerifier(&g.cfg, bases)
	g.noToken = g.dpop.noToken()
	first := ""
	if len(cfg.CookieNames) > 0 {
		first = cfg.CookieNames[0]
	}
	cc := cookieConfig{Name: first, Domain: cfg.CookieDomain, OlderDomain: cfg.OlderCookieDomain, OlderHostOnly: cfg.OlderCookieHostOnly, Attributes: cfg.Cookie}
	if g.cookies, err = newCookieWriter(cc); err != nil {
		return nil, err
	}
	for i, n := range cfg.CookieNames {
		if err := g.cookies.checkName(fmt.Sprintf("CookieNames[%d]", i), n); err != nil {
			return nil, err
		}
	}
	if err := g.checkDomains(); err != nil {
		return nil, err
	}
	g.cop = http.NewCrossOriginProtection()
	for i, o := range cfg.WebsiteOrigins {
		if err := g.cop.AddTrustedOrigin(normalizeOrigin(o)); err != nil {
			return nil, configErr(fmt.Sprintf("WebsiteOrigins[%d]", i), o, "must be scheme://host[:port] with nothing after it")
		}
	}
	issuers, err := g.loadIssuers()
	if err != nil {
		g.Close()
		return nil, err
	}
	g.verifier = newVerifier(&g.cfg, issuers)
	for _, c := range g.caches {
		if err := c.refresh(true); err != nil && !cfg.JWKS.AllowStartWithoutKeys {
			g.Close()
			return nil, fmt.Errorf("sessiongate: keys of issuer %q: %w (set JWKS.AllowStartWithoutKeys to start anyway and answer 503 until they arrive): %w", c.issuer, ErrKeysUnavailable, err)
		}
	}
	for _, c := range g.caches {
		c.start()
	}
	return g, nil
}

// Close stops every background refresher and waits for them to exit. It is
// safe to call more than once.
func (g *Gate) Close() error {
	g.closeOnce.Do(func() {
		for _, c := range g.caches {
			c.close()
		}
	})
	return nil
}

// Cookies returns the gate's cookie writer (CookieDomain, OlderCookieDomain or OlderCookieHostOnly,
// and Cookie attributes), for login handlers that set the session cookie.
func (g *Gate) Cookies() *CookieWriter { return g.cookies }

// CookieName returns the current session cookie name ("" when none is set).
func (g *Gate) CookieName() string { return g.cookies.currentName }

// Verify checks one token as if it came from src, with no cookie or
// cross-site rules: for tokens that reach a service by other means.
// Config.Revocations is asked too (not strictly). A DPoP-bound token is
// refused (ErrTokenBound): Verify sees no proof.
func (g *Gate) Verify(token string, src Source) (*Session, error) {
	s, e := g.verifier.verify(token, src)
	if e == nil && s.KeyBinding != "" {
		e = &Error{Kind: ErrTokenBound, Source: src}
	}
	if e == nil {
		e = g.revoked(context.Background(), s, false)
	}
	if e != nil {
		return nil, e
	}
	return s, nil
}

// CrossSite applies the gate's cross-site rule to r as if r carried a
// session cookie: nil on a safe method, from a trusted website origin or
// from the same site (or with DisableCrossSiteProtection); otherwise an
// *Error of kind ErrCrossSite (403). For endpoints outside the gate that
// act on a cookie, such as the sessions module's refresh endpoint.
func (g *Gate) CrossSite(r Request) error {
	if e := g.crossSite(r); e != nil {
		return e
	}
	return nil
}

package core

import (
	"context"
	"strings"
)

// fromCookies decides on the session cookie values of r; found is false
// when r carries none. headerErr is the header's error, if any; the answer is
// the error that outranks the others (see errorRank).
func (g *Gate) fromCookies(r Request, headerErr *Error) (d Decision, found bool) {
	vals, dups := cookieValues(r.Header("Cookie"), g.cfg.CookieNames)
	if len(vals) == 0 {
		return Decision{}, false
	}
	if e := g.crossSite(r); e != nil {
		return Decision{Err: outrank(headerErr, e)}, true
	}
	var set cookieSet
	for _, name := range dups {
		if c := g.cookies.ClearOlder(name); c != nil {
			set.add(c)
		} else {
			g.warnDuplicate(name)
		}
	}
	s, e := g.bestCookie(vals)
	if s != nil {
		return Decision{Session: s, SetCookies: set.lines()}, true
	}
	return Decision{Err: outrank(headerErr, e), SetCookies: set.lines()}, true
}

// headerSources are tried in this order before any cookie.
var headerSources = [...]Source{SourceAuthorization, SourceCustomHeader, SourceQuery}

// fromHeaders tries the Authorization header, then the custom header, then
// the query parameter. It returns the first verified session (and a fresh
// DPoP nonce for the answer, if any), or the error that outranks the others;
// a malformed request (a repeated header) ends the search at once.
func (g *Gate) fromHeaders(ctx context.Context, r Request) (*Session, string, *Error) {
	var first *Error
	for _, src := range headerSources {
		tok, dpop, e := g.headerToken(r, src)
		if e != nil && e.Kind == ErrMalformedRequest {
			return nil, "", e
		}
		if e == nil && tok != "" {
			var s *Session
			var nonce string
			if dpop {
				s, nonce, e = g.withProof(ctx, r, tok)
			} else {
				s, e = g.bearer(tok, src)
			}
			if s != nil {
				return s, nonce, nil
			}
			if e.Kind == ErrMalformedRequest {
				return nil, "", e // two DPoP headers
			}
		}
		first = outrank(first, e)
	}
	return nil, "", first
}

// headerToken returns the token src carries in r, "" for none; dpop is set
// for "Authorization: DPoP <token>" while DPoP is on.
func (g *Gate) headerToken(r Request, src Source) (tok string, dpop bool, e *Error) {
	switch {
	case src == SourceAuthorization:
		return g.authorizationToken(r.Header("Authorization"))
	case src == SourceCustomHeader && g.cfg.HeaderName != "":
		vals := r.Header(g.cfg.HeaderName)
		if len(vals) > 1 {
			return "", false, &Error{Kind: ErrMalformedRequest, Source: src}
		}
		if len(vals) == 1 {
			return strings.TrimSpace(vals[0]), false, nil
		}
	case src == SourceQuery && g.cfg.QueryParam != "":
		return r.Query(g.cfg.QueryParam), false, nil
	}
	return "", false, nil
}

// authorizationToken returns the token of the Authorization lines, of the
// Bearer scheme or (while DPoP is on) the DPoP scheme: none for no line or
// another scheme, 400 for more than one line.
func (g *Gate) authorizationToken(lines []string) (tok string, dpop bool, e *Error) {
	switch len(lines) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, &Error{Kind: ErrMalformedRequest, Source: SourceAuthorization}
	}
	tok, ok, malformed := bearer(lines[0])
	if !ok && g.dpop.on {
		tok, ok, malformed = credentials(lines[0], "dpop")
		dpop = ok
	}
	if malformed {
		e := &Error{Kind: ErrMalformed, Source: SourceAuthorization}
		if dpop {
			e.dpop = g.dpop.only
		}
		return "", false, e
	}
	return tok, dpop, nil
}

// bestCookie verifies the cookie values in order and returns the valid one
// with the latest iat (the first in order on a tie). It stops after
// maxCookieVerifications values reached a signature check. Valid values of
// different subjects are refused with ErrSessionConflict: picking one by iat
// would let a sibling subdomain swap in its own valid session. With none
// valid it returns the error that outranks the others.
func (g *Gate) bestCookie(vals []cookieValue) (*Session, *Error) {
	var best *Session
	var err *Error
	checked := 0
	for _, v := range vals {
		if checked == maxCookieVerifications {
			break
		}
		s, e := g.bearer(v.value, SourceCookie)
		if e == nil || !e.unsigned {
			checked++
		}
		if e != nil {
			err = outrank(err, e)
			continue
		}
		s.CookieName = v.name
		switch {
		case best == nil:
			best = s
		case !sameSubject(best, s):
			g.warnConflict(v.name)
			return nil, &Error{Kind: ErrSessionConflict, Source: SourceCookie}
		case s.IssuedAt.After(best.IssuedAt):
			best = s
		}
	}
	if best != nil {
		return best, nil
	}
	return nil, err
}

// sameSubject reports whether a and b are sessions of the same user. A sub
// is only unique within its issuer (OpenID Connect Core 2: iss and sub
// together are the stable identifier), so the same sub from two issuers may
// be two people: both must match.
func sameSubject(a, b *Session) bool {
	return a.Issuer == b.Issuer && a.Subject == b.Subject
}

// Error precedence. One request can produce several errors (a header token
// and cookie values); the one answered is, highest first:
//
//  1. a malformed request (two Authorization headers): 400, the request
//     itself is wrong and nothing else is looked at;
//  2. keys unavailable: 503, some token could not be checked, and the same
//     request may succeed once the keys arrive (a junk header such as
//     "Bearer undefined" must not make the app look logged out in an outage);
//  3. cross-site: 403, a cookie on an unsafe cross-site request;
//  4. any other error, the header's before the cookie's, and among values of
//     one source the first.
//
// A verified session beats every error but the malformed request.
func errorRank(kind error) int {
	switch kind {
	case ErrMalformedRequest:
		return 3
	case ErrKeysUnavailable, ErrDPoPReplayUnavailable:
		return 2
	case ErrCrossSite:
		return 1
	}
	return 0
}

// outrank returns the error to answer of cur, found first, and next.
func outrank(cur, next *Error) *Error {
	if cur == nil || (next != nil && errorRank(next.Kind) > errorRank(cur.Kind)) {
		return next
	}
	return cur
}

// warnConflict logs that the session cookie carried valid sessions of
// different subjects. It names only the cookie: never a token or a subject.
// It is logged every time, like the refusal it explains, because it may be
// an attack from a sibling subdomain.
func (g *Gate) warnConflict(name string) {
	g.cfg.Logger.Warn("sessiongate: a request carried valid session cookies of different subjects and was refused; a sibling subdomain may have planted a cookie",
		"cookie", name)
}

// warnDuplicate logs, at most once an hour per gate, that a session cookie
// arrived more than once with neither OlderCookieDomain nor OlderCookieHostOnly to clean it up.
func (g *Gate) warnDuplicate(name string) {
	now := g.cfg.Clock().Unix()
	last := g.lastDupWarn.Load()
	if last != 0 && now-last < 3600 {
		return
	}
	if g.lastDupWarn.CompareAndSwap(last, now) {
		g.cfg.Logger.Warn("sessiongate: a request carried the session cookie more than once; set OlderCookieDomain to the domain the older cookie was set on (or OlderCookieHostOnly if it was host-only) so the extra copy is cleared",
			"cookie", name)
	}
}

package core

import (
	"net/http"
	"net/url"
)

// crossSite refuses a cookie-borne token on an unsafe method from a
// cross-site origin that is not a configured website origin, deciding as
// http.CrossOriginProtection does (Sec-Fetch-Site, then Origin vs Host).
func (g *Gate) crossSite(r Request) *Error {
	if g.cfg.DisableCrossSiteProtection {
		return nil
	}
	switch r.Method() {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	h := make(http.Header, 2)
	if v := r.Header("Sec-Fetch-Site"); len(v) > 0 {
		h["Sec-Fetch-Site"] = v
	}
	if v := r.Header("Origin"); len(v) > 0 {
		h["Origin"] = v
	}
	req := &http.Request{Method: r.Method(), Host: r.Host(), Header: h, URL: &url.URL{}}
	if err := g.cop.Check(req); err != nil {
		return &Error{Kind: ErrCrossSite, Source: SourceCookie, Err: err}
	}
	return nil
}

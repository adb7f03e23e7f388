package core

import (
	"fmt"
	"net/url"
	"strings"
)

// loadIssuers binds every configured issuer to its keys.
func (g *Gate) loadIssuers() (map[string]*issuerKeys, error) {
	out := make(map[string]*issuerKeys, len(g.cfg.Issuers))
	for i, is := range g.cfg.Issuers {
		field := fmt.Sprintf("Issuers[%d]", i)
		if is.Name == "" {
			return nil, configErr(field+".Name", "", "is required (the exact iss claim)")
		}
		if out[is.Name] != nil {
			return nil, configErr(field+".Name", is.Name, "is configured twice")
		}
		ik, err := g.loadIssuer(field, is)
		if err != nil {
			return nil, err
		}
		out[is.Name] = ik
	}
	return out, nil
}

// loadIssuer loads one issuer's keys: an HMAC secret, or any mix of public
// key sources.
func (g *Gate) loadIssuer(field string, is Issuer) (*issuerKeys, error) {
	public := is.JWKSURL != "" || is.Discovery || is.PublicKeyPEM != "" || is.JWKS != ""
	if is.Keys != nil {
		return funcIssuer(field, is, public)
	}
	switch {
	case len(is.HMACSecret) > 0 && public:
		return nil, configErr(field+".HMACSecret", "", "cannot be combined with public keys for the same issuer")
	case len(is.HMACSecret) > 0:
		return g.hmacKeys(field, is)
	case !public:
		return nil, configErr(field, is.Name, "has no keys: set JWKSURL, Discovery, PublicKeyPEM, JWKS, Keys or HMACSecret")
	}
	ik := &issuerKeys{}
	static, err := staticKeys(field, is)
	if err != nil {
		return nil, err
	}
	if static != nil {
		ik.static = &keySet{keys: static}
	}
	if is.JWKSURL != "" || is.Discovery {
		if err := g.remoteKeys(field, is, ik); err != nil {
			return nil, err
		}
	}
	return ik, nil
}

// funcIssuer binds an issuer whose keys come from Issuer.Keys, which
// cannot be combined with any other source.
func funcIssuer(field string, is Issuer, public bool) (*issuerKeys, error) {
	if public || len(is.HMACSecret) > 0 {
		return nil, configErr(field+".Keys", "", "cannot be combined with other keys for the same issuer")
	}
	return &issuerKeys{fn: &funcKeys{fn: is.Keys}}, nil
}

// staticKeys parses the issuer's PEM and JWKS keys, if any.
func staticKeys(field string, is Issuer) ([]key, error) {
	var static []key
	if is.PublicKeyPEM != "" {
		keys, err := parsePEM([]byte(is.PublicKeyPEM))
		if err != nil {
			return nil, configErr(field+".PublicKeyPEM", "", "%v", err)
		}
		static = append(static, keys...)
	}
	if is.JWKS != "" {
		// A weak key in a static set is an operator's to remove, so it
		// refuses the configuration rather than being skipped.
		ks, refused, err := parseJWKS([]byte(is.JWKS))
		switch {
		case err != nil:
		case len(refused) > 0:
			err = refused[0]
		case len(ks.keys) == 0:
			err = errNoUsableKey
		}
		if err != nil {
			return nil, configErr(field+".JWKS", "", "%v", err)
		}
		static = append(static, ks.keys...)
	}
	return static, nil
}

// hmacKeys binds a shared secret; HMAC must be allowed explicitly.
func (g *Gate) hmacKeys(field string, is Issuer) (*issuerKeys, error) {
	if len(is.HMACSecret) < 32 {
		return nil, configErr(field+".HMACSecret", "", "must be at least 32 bytes")
	}
	for _, a := range g.cfg.Algorithms {
		if strings.HasPrefix(a, "HS") {
			return &issuerKeys{static: &keySet{keys: []key{{pub: is.HMACSecret}}}}, nil
		}
	}
	return nil, configErr("Algorithms", strings.Join(g.cfg.Algorithms, ","), "must list HS256, HS384 or HS512 explicitly to use an HMACSecret")
}

// remoteKeys gives ik a JWKS cache for the issuer's JWKS URL or discovery.
func (g *Gate) remoteKeys(field string, is Issuer, ik *issuerKeys) error {
	if is.JWKSURL != "" {
		if u, err := url.Parse(is.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return configErr(field+".JWKSURL", is.JWKSURL, "must be an absolute http(s) URL")
		}
	}
	ik.cache = newJWKSCache(is.Name, is.JWKSURL, is.Discovery, g.cfg.JWKS, g.cfg.Clock, g.cfg.Logger)
	g.caches = append(g.caches, ik.cache)
	return nil
}

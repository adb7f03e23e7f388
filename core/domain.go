package core

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Domain reasons. Every domain error (from New, NormalizeCookieDomain and
// CommonCookieDomain) is a *ConfigError naming the field and value that wraps
// one of these.
var (
	errDomainEmpty        = errors.New("is empty")
	errDomainIP           = errors.New("is an IP address; browsers only accept host-only cookies for IPs: leave the cookie domain unset")
	errDomainLocalhost    = errors.New("is localhost; browsers reject Domain=localhost: alias a named domain (e.g. app.example.test) instead")
	errDomainPublicSuffix = errors.New("is a public suffix; browsers reject cookies for it")
	errDomainMalformed    = errors.New("is not a valid domain name")
)

// NormalizeCookieDomain turns a configured cookie domain into the form core
// compares and writes: trimmed, lower case, without scheme, port, path, query,
// fragment or leading dot, IDNA-encoded to punycode. It refuses IP addresses,
// localhost and its subdomains, public suffixes (from the public suffix list)
// and malformed names. ".Example.COM", "example.com" and
// "https://example.com:8443/x" all normalise to "example.com".
func NormalizeCookieDomain(raw string) (string, error) {
	return normalizeCookieDomain("domain", raw)
}

func normalizeCookieDomain(field, raw string) (string, error) {
	host, err := normalizeHost(raw)
	if err != nil {
		return "", domainErr(field, raw, err)
	}
	if ps, _ := publicsuffix.PublicSuffix(host); ps == host {
		return "", domainErr(field, raw, errDomainPublicSuffix)
	}
	return host, nil
}

// domainErr is the *ConfigError for a refused domain value.
func domainErr(field, raw string, reason error) error {
	return &ConfigError{Field: field, Value: raw, Reason: reason.Error(), Err: reason}
}

// normalizeHost applies every rule of NormalizeCookieDomain except the public
// suffix check.
func normalizeHost(raw string) (string, error) {
	s, err := hostPart(raw)
	if err != nil {
		return "", err
	}
	if net.ParseIP(s) != nil {
		return "", errDomainIP
	}
	ascii, err := idna.Lookup.ToASCII(s)
	// idna encodes invalid UTF-8 (a %-escape such as %80 in a URL) as if it
	// were U+FFFD, without an error; the result would not normalise again.
	if err != nil || !utf8.ValidString(s) || ascii == "" || strings.Contains(ascii, "..") || strings.HasPrefix(ascii, ".") || strings.HasSuffix(ascii, ".") {
		return "", errDomainMalformed // IDNA maps "。" to "."; "com.." kept a dot
	}
	// A browser parses a host whose last label is a number as IPv4 (WHATWG
	// URL "ends in a number"): "127.1" and "0x7f.1" are 127.0.0.1.
	last := ascii[strings.LastIndexByte(ascii, '.')+1:]
	if strings.Trim(last, "0123456789") == "" || (strings.HasPrefix(last, "0x") && strings.Trim(last[2:], "0123456789abcdef") == "") {
		return "", errDomainIP
	}
	if ascii == "localhost" || strings.HasSuffix(ascii, ".localhost") {
		return "", errDomainLocalhost
	}
	return ascii, nil
}

// hostPart cuts raw down to its lower-case host name: no scheme, port, path,
// query, fragment, leading or trailing dot.
func hostPart(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", errDomainMalformed
		}
		s = u.Host
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") > 1 {
		return "", errDomainIP // bracketed or bare IPv6 literal
	}
	if h, port, ok := strings.Cut(s, ":"); ok {
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return "", errDomainMalformed
		}
		s = h
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "."), ".")
	if s == "" {
		return "", errDomainEmpty
	}
	return s, nil
}

// domainMatch reports whether host domain-matches domain (RFC 6265 5.1.3):
// identical, or host ends in "." + domain. Both are normalised; host must not
// be an IP address (normalizeHost already refuses those).
func domainMatch(host, domain string) bool {
	return host == domain || (len(host) > len(domain) && strings.HasSuffix(host, domain) && host[len(host)-len(domain)-1] == '.')
}

// CommonCookieDomain returns the cookie domain that covers every given API
// host, with a leading dot (api.example.com and api2.example.com give
// ".example.com"; a.b.example.com and c.b.example.com give ".b.example.com").
// It errors when the hosts share no registrable domain (api.example.com and
// api.otherdomain.com), or when a host is an IP, localhost or malformed.
func CommonCookieDomain(hosts ...string) (string, error) {
	if len(hosts) == 0 {
		return "", &ConfigError{Field: "hosts", Reason: "at least one host is required"}
	}
	var common []string
	var site string
	for i, raw := range hosts {
		h, err := normalizeHost(raw)
		if err != nil {
			return "", domainErr("host", raw, err)
		}
		s, err := publicsuffix.EffectiveTLDPlusOne(h)
		if err != nil {
			return "", domainErr("host", raw, errDomainPublicSuffix)
		}
		labels := strings.Split(h, ".")
		if i == 0 {
			site, common = s, labels
			continue
		}
		if s != site {
			return "", &ConfigError{Field: "host", Value: raw, Reason: "shares no registrable domain with " + hosts[0] + "; one cookie cannot cover both: use the Authorization header"}
		}
		n := 0
		for n < len(common) && n < len(labels) && common[len(common)-1-n] == labels[len(labels)-1-n] {
			n++
		}
		common = common[len(common)-n:]
	}
	return "." + strings.Join(common, "."), nil
}

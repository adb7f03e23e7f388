package core

import (
	"errors"
	"net"
	"net/http"
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
	errDomainNumeric      = errors.New("ends in a number, so browsers read it as an IPv4 address (127.1 is 127.0.0.1) or refuse it; browsers only accept host-only cookies for IPs: leave the cookie domain unset")
	errDomainLength       = errors.New("is longer than DNS allows (labels of at most 63 characters, 253 in all)")
	errDomainDropped      = errors.New("is not a domain net/http writes in a Set-Cookie line; it would silently drop the Domain attribute")
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
	if !survivesSetCookie(host) {
		return "", domainErr(field, raw, errDomainDropped)
	}
	return host, nil
}

// survivesSetCookie reports whether net/http writes domain as the Domain
// attribute of a Set-Cookie line. For a domain it does not accept, it writes
// the line without Domain, and the cookie silently becomes host-only: better
// to refuse such a domain once, at configuration time.
func survivesSetCookie(domain string) bool {
	line := (&http.Cookie{Name: "probe", Value: "v", Domain: domain}).String()
	return strings.Contains(line, "; Domain="+domain)
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
	if err != nil || !utf8.ValidString(s) || ascii == "" {
		return "", errDomainMalformed
	}
	if err := dnsShape(ascii); err != nil {
		return "", err
	}
	// After IDNA, as browsers do: full-width digits are digits by then.
	if endsInNumber(ascii) {
		return "", errDomainNumeric
	}
	if ascii == "localhost" || strings.HasSuffix(ascii, ".localhost") {
		return "", errDomainLocalhost
	}
	return ascii, nil
}

// dnsShape checks the lengths DNS allows: labels of 1 to 63 octets and 253
// in all. An empty label (a double dot anywhere, "com.." included) is
// malformed; net/http would also drop such a Domain attribute.
func dnsShape(host string) error {
	if len(host) > 253 {
		return errDomainLength
	}
	for label := range strings.SplitSeq(host, ".") {
		switch {
		case label == "":
			return errDomainMalformed
		case len(label) > 63:
			return errDomainLength
		}
	}
	return nil
}

// endsInNumber is the WHATWG URL host parser's rule: a host whose last label
// is all decimal digits, or "0x" followed by hex digits (none included), is
// parsed as an IPv4 address (127.1, 0x7f.0.0.1, 0177.0.0.1 are 127.0.0.1) or
// refused (1.2.3.4.5, example.123). Either way a browser never treats it as a
// domain name, so no Domain cookie can be set for it. host has no trailing dot.
func endsInNumber(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	digits := "0123456789"
	if len(last) >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') {
		last, digits = last[2:], "0123456789abcdefABCDEF"
		if last == "" {
			return true
		}
	}
	return last != "" && strings.Trim(last, digits) == ""
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

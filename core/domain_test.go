package core

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDomainNormalize(t *testing.T) {
	accepted := []struct {
		name string
		in   string
		want string
	}{
		{"plain registrable domain is kept", "example.com", "example.com"},
		{"surrounding white space is trimmed", " \texample.com \n", "example.com"},
		{"upper case is lowered", "Example.COM", "example.com"},
		{"leading dot is optional and means the same domain", ".example.com", "example.com"},
		{"leading dot and upper case together", ".Example.COM", "example.com"},
		{"trailing dot (fully qualified) is dropped", "example.com.", "example.com"},
		{"https scheme is stripped", "https://example.com", "example.com"},
		{"http scheme with port and path is stripped", "http://example.com:8080/login", "example.com"},
		{"scheme, port, path, query and fragment are stripped", "https://example.com:8443/x?y=1#z", "example.com"},
		{"upper-case scheme is stripped", "HTTPS://Example.com/", "example.com"},
		{"userinfo in a URL is not part of the domain", "https://user:pw@example.com/", "example.com"},
		{"port without scheme is stripped", "example.com:443", "example.com"},
		{"path without scheme is stripped", "example.com/app", "example.com"},
		{"query without scheme is stripped", "example.com?x=1", "example.com"},
		{"fragment without scheme is stripped", "example.com#top", "example.com"},
		{"subdomain is kept as configured", "api.example.com", "api.example.com"},
		{"registrable domain under a multi-label suffix", "example.co.uk", "example.co.uk"},
		{"IDNA name is encoded to punycode", "bücher.example", "xn--bcher-kva.example"},
		{"IDNA name with leading dot and upper case", ".BÜCHER.example", "xn--bcher-kva.example"},
		{"punycode input is kept", "xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"user site under a private-section suffix is a registrable domain", "alice.github.io", "alice.github.io"},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeCookieDomain(tc.in)
			if err != nil {
				t.Fatalf("NormalizeCookieDomain(%q) error: %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("NormalizeCookieDomain(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}

	rejected := []struct {
		name string
		in   string
		want error
	}{
		{"IPv4 address is refused", "192.168.1.10", errDomainIP},
		{"IPv4 address with port is refused", "10.0.0.1:8080", errDomainIP},
		{"IPv4 address in a URL is refused", "http://127.0.0.1:3000/", errDomainIP},
		{"bracketed IPv6 address is refused", "[::1]", errDomainIP},
		{"bracketed IPv6 address with port is refused", "[2001:db8::1]:443", errDomainIP},
		{"bare IPv6 address is refused", "2001:db8::1", errDomainIP},
		{"bare IPv6 loopback is refused", "::1", errDomainIP},
		{"IPv6 address in a URL is refused", "https://[::1]:8443/", errDomainIP},
		{"localhost is refused", "localhost", errDomainLocalhost},
		{"localhost with port is refused", "localhost:3000", errDomainLocalhost},
		{"upper-case localhost is refused", "LOCALHOST", errDomainLocalhost},
		{"subdomain of localhost is refused", "sub.localhost", errDomainLocalhost},
		{"localhost with leading dot is refused", ".localhost", errDomainLocalhost},
		{"top-level public suffix com is refused", "com", errDomainPublicSuffix},
		{"public suffix with leading dot is refused", ".com", errDomainPublicSuffix},
		{"multi-label public suffix co.uk is refused", "co.uk", errDomainPublicSuffix},
		{"private-section public suffix github.io is refused", "github.io", errDomainPublicSuffix},
		{"public suffix in a URL is refused", "https://co.uk/", errDomainPublicSuffix},
		{"space inside the name is malformed", "exa mple.com", errDomainMalformed},
		{"empty label is malformed", "a..b.com", errDomainMalformed},
		{"two leading dots are malformed", "..example.com", errDomainMalformed},
		{"wildcard is malformed", "*.example.com", errDomainMalformed},
		{"non-numeric port is malformed", "example.com:http", errDomainMalformed},
		{"empty port is malformed", "example.com:", errDomainMalformed},
		{"empty string is refused", "", errDomainEmpty},
		{"white space only is refused", "   ", errDomainEmpty},
		{"lone dot is refused", ".", errDomainEmpty},
		{"port with no host is refused", ":80", errDomainEmpty},
		{"scheme with no host is refused", "https://", errDomainEmpty},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeCookieDomain(tc.in)
			if err == nil {
				t.Fatalf("NormalizeCookieDomain(%q) = %q, want error %q", tc.in, got, tc.want)
			}
			if got != "" {
				t.Errorf("NormalizeCookieDomain(%q) returned %q along with an error", tc.in, got)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("NormalizeCookieDomain(%q) error = %q, want %q", tc.in, err, tc.want)
			}
			// The error names the value and is a config error, like every
			// other domain error.
			if !errors.Is(err, ErrConfig) || (tc.in != "" && !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.in))) {
				t.Errorf("NormalizeCookieDomain(%q) error %q does not name the value or is not an ErrConfig", tc.in, err)
			}
		})
	}
}

func TestDomainMatch(t *testing.T) {
	cases := []struct {
		name   string
		host   string
		domain string
		want   bool
	}{
		{"identical host and domain match", "example.com", "example.com", true},
		{"direct subdomain matches", "api.example.com", "example.com", true},
		{"deep subdomain matches", "a.b.api.example.com", "example.com", true},
		{"host that only ends with the same letters does not match", "badexample.com", "example.com", false},
		{"host with a hyphen before the domain does not match", "bad-example.com", "example.com", false},
		{"parent of the domain does not match", "example.com", "api.example.com", false},
		{"sibling subdomain does not match", "api2.example.com", "api.example.com", false},
		{"other registrable domain does not match", "api.otherdomain.com", "example.com", false},
		{"domain as a prefix of the host does not match", "example.com.evil.net", "example.com", false},
		{"shorter host does not match", "com", "example.com", false},
		{"punycode subdomain matches punycode domain", "shop.xn--bcher-kva.example", "xn--bcher-kva.example", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := domainMatch(tc.host, tc.domain); got != tc.want {
				t.Fatalf("domainMatch(%q, %q) = %v, want %v", tc.host, tc.domain, got, tc.want)
			}
		})
	}
}

func TestDomainCommonCookieDomain(t *testing.T) {
	accepted := []struct {
		name  string
		hosts []string
		want  string
	}{
		{"two sibling API hosts share their parent", []string{"api.example.com", "api2.example.com"}, ".example.com"},
		{"hosts under a common subdomain share the subdomain", []string{"a.b.example.com", "c.b.example.com"}, ".b.example.com"},
		{"one host is its own cookie domain", []string{"api.example.com"}, ".api.example.com"},
		{"the same host twice is its own cookie domain", []string{"api.example.com", "api.example.com"}, ".api.example.com"},
		{"registrable domain and its subdomain share the registrable domain", []string{"example.com", "api.example.com"}, ".example.com"},
		{"three hosts share the longest common suffix", []string{"x.a.example.com", "y.a.example.com", "z.b.example.com"}, ".example.com"},
		{"hosts are normalised before comparing", []string{"https://API.Example.com:8443/v1", "api2.example.com."}, ".example.com"},
		{"hosts under a multi-label suffix share their registrable domain", []string{"api.example.co.uk", "www.example.co.uk"}, ".example.co.uk"},
		{"IDNA hosts are compared in punycode", []string{"api.bücher.example", "www.xn--bcher-kva.example"}, ".xn--bcher-kva.example"},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CommonCookieDomain(tc.hosts...)
			if err != nil {
				t.Fatalf("CommonCookieDomain(%q) error: %v", tc.hosts, err)
			}
			if got != tc.want {
				t.Fatalf("CommonCookieDomain(%q) = %q, want %q", tc.hosts, got, tc.want)
			}
			// The result must itself be a usable cookie domain covering every host.
			norm, err := NormalizeCookieDomain(got)
			if err != nil {
				t.Fatalf("result %q is not a valid cookie domain: %v", got, err)
			}
			for _, h := range tc.hosts {
				nh, _ := normalizeHost(h)
				if !domainMatch(nh, norm) {
					t.Errorf("host %q does not domain-match result %q", h, got)
				}
			}
		})
	}

	rejected := []struct {
		name     string
		hosts    []string
		mentions string // the offending host the error must name; "" for none
	}{
		{"hosts on different registrable domains share no cookie domain", []string{"api.example.com", "api.otherdomain.com"}, "api.otherdomain.com"},
		{"hosts sharing only the co.uk suffix share no cookie domain", []string{"api.example.co.uk", "api.other.co.uk"}, "api.other.co.uk"},
		{"hosts sharing only a private-section suffix share no cookie domain", []string{"alice.github.io", "bob.github.io"}, "bob.github.io"},
		{"a later host on another domain is refused", []string{"a.example.com", "b.example.com", "evil.net"}, "evil.net"},
		{"an IPv4 host is refused", []string{"api.example.com", "192.0.2.1"}, "192.0.2.1"},
		{"an IPv6 host is refused", []string{"[2001:db8::1]"}, "[2001:db8::1]"},
		{"localhost is refused", []string{"localhost"}, "localhost"},
		{"a public suffix host is refused", []string{"co.uk"}, "co.uk"},
		{"a malformed host is refused", []string{"exa mple.com"}, "exa mple.com"},
		{"an empty host is refused", []string{""}, ""},
		{"no hosts at all is refused", nil, ""},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CommonCookieDomain(tc.hosts...)
			if err == nil {
				t.Fatalf("CommonCookieDomain(%q) = %q, want an error", tc.hosts, got)
			}
			if got != "" {
				t.Errorf("CommonCookieDomain(%q) returned %q along with an error", tc.hosts, got)
			}
			// A caller tells a configuration mistake from anything else with
			// errors.Is(err, ErrConfig), whichever check refused the hosts.
			if !errors.Is(err, ErrConfig) {
				t.Errorf("CommonCookieDomain(%q) error %q does not match ErrConfig", tc.hosts, err)
			}
			if tc.mentions != "" && !strings.Contains(err.Error(), tc.mentions) {
				t.Errorf("CommonCookieDomain(%q) error %q does not name %q", tc.hosts, err, tc.mentions)
			}
		})
	}
}

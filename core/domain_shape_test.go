package core

import (
	"errors"
	"strings"
	"testing"
)

// label63 and name253 are the longest label and name DNS allows; name254
// is one character too long with no label over 63.
var (
	label63 = strings.Repeat("a", 63)
	name253 = label63 + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)
	name254 = label63 + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 62)
)

// TestDomainShape pins what a cookie domain may look like beyond the
// public-suffix rules: hosts a browser's URL parser reads as an IPv4 address
// (the WHATWG "ends in a number" rule), names DNS cannot carry, and names
// net/http would silently write without their Domain attribute.
func TestDomainShape(t *testing.T) {
	refused := []struct {
		name string
		in   string
		want error
	}{
		{"IPv4 shorthand 127.1 is read by browsers as 127.0.0.1", "127.1", errDomainNumeric},
		{"IPv4 with octal parts is an IP to a browser", "0177.0.0.1", errDomainNumeric},
		{"IPv4 with hex parts is an IP to a browser", "0x7f.0.0.1", errDomainNumeric},
		{"IPv4 as one decimal number is an IP to a browser", "2130706433", errDomainNumeric},
		{"IPv4 as one hex number is an IP to a browser", "0x7F000001", errDomainNumeric},
		{"five numeric labels end in a number", "1.2.3.4.5", errDomainNumeric},
		{"a name whose last label is all digits ends in a number", "example.123", errDomainNumeric},
		{"a name whose last label is 0x and hex digits ends in a number", "example.0x1f", errDomainNumeric},
		{"a last label of bare 0x ends in a number", "example.0x", errDomainNumeric},
		{"a numeric last label with a trailing dot ends in a number", "example.123.", errDomainNumeric},
		{"IPv4 shorthand in a URL with a port is refused", "https://127.1:8443/", errDomainNumeric},
		{"full-width digits become ASCII digits under IDNA and end in a number", "１２７.１", errDomainNumeric},
		{"a double trailing dot is malformed, not the public suffix com.", "com..", errDomainMalformed},
		{"a registrable domain with a double trailing dot is malformed", "example.com..", errDomainMalformed},
		{"a label of 64 characters is longer than DNS allows", strings.Repeat("a", 64) + ".example.com", errDomainLength},
		{"a name of 254 characters is longer than DNS allows", name254, errDomainLength},
		{"a label starting with a hyphen, which net/http would drop, is malformed", "-a.example.com", errDomainMalformed},
		{"a label ending in a hyphen, which net/http would drop, is malformed", "a-.example.com", errDomainMalformed},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeCookieDomain(tc.in)
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrConfig) {
				t.Fatalf("NormalizeCookieDomain(%q) = %q, %v; want a config error %q", tc.in, got, err, tc.want)
			}
			for _, field := range []string{"CookieDomain", "OlderCookieDomain"} {
				cfg := Config{Issuers: staticIssuers(), CookieNames: []string{"sid"}, Logger: quietLogger}
				if field == "CookieDomain" {
					cfg.CookieDomain = tc.in
				} else {
					cfg.CookieDomain, cfg.OlderCookieDomain = "example.com", tc.in
				}
				var ce *ConfigError
				if _, err := New(cfg); !errors.As(err, &ce) || ce.Field != field || !errors.Is(err, tc.want) {
					t.Errorf("New with %s %q: error %v; want a ConfigError naming %s with %q", field, tc.in, err, field, tc.want)
				}
			}
		})
	}

	accepted := []struct {
		name string
		in   string
		want string
	}{
		{"digits in a label other than the last are a name", "123.example.com", "123.example.com"},
		{"a last label of 0x and a non-hex letter is a name, not a number", "example.0xz", "example.0xz"},
		{"a last label mixing digits and letters is a name", "example.1a", "example.1a"},
		{"a label of exactly 63 characters is allowed", label63 + ".example.com", label63 + ".example.com"},
		{"a name of exactly 253 characters is allowed", name253, name253},
		{"a hyphen inside a label is allowed", "my-app.example.com", "my-app.example.com"},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeCookieDomain(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeCookieDomain(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			w, err := newCookieWriter(cookieConfig{Name: "sid", Domain: tc.in})
			if err != nil {
				t.Fatalf("cookie writer for %q: %v", tc.in, err)
			}
			if line := w.Set("sid", "v", testNow).String(); !strings.Contains(line, "; Domain="+tc.want+";") {
				t.Errorf("Set-Cookie %q lost its Domain=%s", line, tc.want)
			}
		})
	}
}

// TestDomainShapeOfOtherHosts pins that the numeric and DNS rules hold for
// every host core normalises, not only for cookie domains.
func TestDomainShapeOfOtherHosts(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string // the field the error names
	}{
		{"an API domain written as IPv4 shorthand is refused", Config{CookieDomain: "example.com", APIDomains: []string{"127.1"}}, "APIDomains[0]"},
		{"a website origin on a numeric host is refused", Config{CookieDomain: "example.com", WebsiteOrigins: []string{"https://example.123"}}, "WebsiteOrigins[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Issuers, tc.cfg.Logger = staticIssuers(), quietLogger
			var ce *ConfigError
			if _, err := New(tc.cfg); !errors.As(err, &ce) || ce.Field != tc.want {
				t.Fatalf("New: %v; want a ConfigError naming %s", err, tc.want)
			}
		})
	}
	if got, err := CommonCookieDomain("api.example.123", "www.example.123"); !errors.Is(err, errDomainNumeric) {
		t.Errorf("CommonCookieDomain of hosts ending in a number = %q, %v; want %v", got, err, errDomainNumeric)
	}
}

// TestDomainSurvivesSetCookie pins the last check on a cookie domain: it must
// come out of net/http's Set-Cookie serialisation with its Domain attribute.
// The rules above refuse every such name first; this check is what stops a
// name they miss (or a stricter net/http) from silently becoming host-only.
func TestDomainSurvivesSetCookie(t *testing.T) {
	cases := []struct {
		name   string
		domain string
		want   bool
	}{
		{"a registrable domain keeps its Domain attribute", "example.com", true},
		{"punycode keeps its Domain attribute", "xn--bcher-kva.example", true},
		{"an underscore is dropped by net/http", "a_b.example.com", false},
		{"a 64-character label is dropped by net/http", strings.Repeat("a", 64) + ".example.com", false},
		{"a label ending in a hyphen is dropped by net/http", "a-.example.com", false},
		{"a double dot is dropped by net/http", "a..example.com", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := survivesSetCookie(tc.domain); got != tc.want {
				t.Fatalf("survivesSetCookie(%q) = %v, want %v", tc.domain, got, tc.want)
			}
		})
	}
}

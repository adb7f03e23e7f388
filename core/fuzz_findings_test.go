package core

import (
	"errors"
	"testing"
)

// TestNewRefusesCookieDomainsFoundByFuzzing: the cookie domains
// FuzzNormalizeCookieDomain found accepted are refused by New in both
// fields. Before, OlderCookieDomain "com.." made every request with a
// duplicate session cookie answer "Set-Cookie: sid=; Domain=com.".
func TestNewRefusesCookieDomainsFoundByFuzzing(t *testing.T) {
	rows := []struct {
		name, domain string
	}{
		{"a public suffix with two trailing dots keeps one: com..", "com.."},
		{"a single label with two trailing dots: 0..", "0.."},
		{"an ideographic full stop becomes a trailing dot: example.com\u3002", "example.com\u3002"},
		{"short IPv4 a browser reads as 127.0.0.1: 127.1", "127.1"},
		{"hex IPv4 a browser reads as 127.0.0.1: 0x7f.1", "0x7f.1"},
		{"a dotted quad with a leading zero: 1.2.3.04", "1.2.3.04"},
		{"a last label 0x, which a browser reads as a number: example.0x", "example.0x"},
		{"an invalid UTF-8 byte from a %-escape in a URL: A://0.%80", "A://0.%80"},
	}
	for _, row := range rows {
		for _, field := range []string{"CookieDomain", "OlderCookieDomain"} {
			t.Run(field+": "+row.name, func(t *testing.T) {
				cfg := Config{
					Issuers:     []Issuer{{Name: issA, JWKS: jwkSet(jwkOf(testKeys().ec256, "k", "ES256", ""))}},
					CookieNames: []string{"sid"},
					Clock:       fixedClock,
					Logger:      quietLogger,
				}
				if field == "CookieDomain" {
					cfg.CookieDomain = row.domain
				} else {
					cfg.CookieDomain, cfg.OlderCookieDomain = "a.example", row.domain
				}
				g, err := New(cfg)
				if err == nil {
					g.Close()
					t.Fatalf("New accepted %s %q", field, row.domain)
				}
				var ce *ConfigError
				if !errors.Is(err, ErrConfig) || !errors.As(err, &ce) || ce.Field != field {
					t.Errorf("New: %v, want a ConfigError naming %s", err, field)
				}
			})
		}
	}
}

// TestNewRefusesAJWKSWhoseOnlyKeyIsUnusable: FuzzParseJWKS found that an RSA
// JWK with an empty modulus was taken as a key. A static JWKS holding only
// such a key gave a gate that refused every token as a bad signature instead
// of a configuration error naming the issuer.
func TestNewRefusesAJWKSWhoseOnlyKeyIsUnusable(t *testing.T) {
	const jwks = `{"keys":[{"kty":"RSA","n":"","e":"AQAB"}]}`
	g, err := New(Config{Issuers: []Issuer{{Name: issA, JWKS: jwks}}, Clock: fixedClock, Logger: quietLogger})
	if err == nil {
		g.Close()
		t.Fatalf("New accepted the JWKS %s", jwks)
	}
	if !errors.Is(err, ErrConfig) {
		t.Errorf("New: %v, want ErrConfig", err)
	}
}

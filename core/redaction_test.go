package core

import (
	"fmt"
	"strings"
	"testing"
)

// fmtVerbs is every verb fmt knows, with and without the flags that change
// how a value is printed. %T prints only the type name, and %p on a value
// that is not a pointer never reaches a method (fmt's bad-verb path prints
// the raw string; go vet reports it), so neither is here.
var fmtVerbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%#q", "%x", "%X", "% x", "%#x",
	"%d", "%+d", "%t", "%c", "%U", "%#U", "%b", "%o", "%O",
	"%e", "%E", "%f", "%F", "%g", "%G", "%10s", "%-10v", "%.3s", "%08d", "%z",
}

// leaksToken reports how out reveals tok: whole, or by one of its segments.
func leaksToken(out, tok string) string {
	if strings.Contains(out, tok) {
		return "the token"
	}
	for _, seg := range strings.Split(tok, ".") {
		if len(seg) >= 8 && strings.Contains(out, seg) {
			return "segment " + seg
		}
	}
	return ""
}

func TestTokenRedactionEveryVerb(t *testing.T) {
	k := testKeys()
	g := newGate(t, Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.ec256)}}})
	tok := sign(t, "ES256", "", k.ec256, claimsFor(issA), nil)
	s, err := g.Verify(tok, SourceAuthorization)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range fmtVerbs {
		t.Run("Token printed with "+verb+" is exactly [redacted]", func(t *testing.T) {
			if out := fmt.Sprintf(verb, s.Token); out != "[redacted]" {
				t.Errorf("Sprintf(%q, token) = %q", verb, out)
			}
		})
		t.Run("Session value and pointer printed with "+verb+" show no token", func(t *testing.T) {
			for _, v := range []any{s, *s} {
				out := fmt.Sprintf(verb, v)
				if l := leaksToken(out, tok); l != "" {
					t.Fatalf("Sprintf(%q, %T) contains %s: %s", verb, v, l, out)
				}
				if !strings.Contains(out, "[redacted]") {
					t.Fatalf("Sprintf(%q, %T) does not show the token as [redacted]: %s", verb, v, out)
				}
			}
		})
	}
	t.Run("Session pointer printed with %p is its address", func(t *testing.T) {
		if out := fmt.Sprintf("%p", s); leaksToken(out, tok) != "" || !strings.HasPrefix(out, "0x") {
			t.Errorf("Sprintf(%%p, session) = %q", out)
		}
	})
}

// Refusals print without the token whatever the verb: an *Error holds only
// the kind, the source and a cause that never quotes the token.
func TestErrorRedactionEveryVerb(t *testing.T) {
	k := testKeys()
	g := newGate(t, Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.ec256)}}})
	good := sign(t, "ES256", "", k.ec256, claimsFor(issA), nil)
	parts := strings.Split(good, ".")
	refused := map[string]string{
		"expired":             sign(t, "ES256", "", k.ec256, claimsFor(issA, atOffset("exp", -1e9)), nil),
		"bad signature":       parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
		"payload not JSON":    parts[0] + ".bm90LWpzb24tcGF5bG9hZC1hdC1hbGw." + parts[2],
		"unknown issuer":      sign(t, "ES256", "", k.ec256, claimsFor("https://elsewhere.example"), nil),
		"kid is not a string": sign(t, "ES256", "", k.ec256, claimsFor(issA), map[string]any{"kid": 7}),
	}
	for name, tok := range refused {
		_, err := g.Verify(tok, SourceAuthorization)
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		for _, verb := range append(fmtVerbs, "%p") {
			t.Run(name+" error printed with "+verb+" shows no token", func(t *testing.T) {
				if l := leaksToken(fmt.Sprintf(verb, err), tok); l != "" {
					t.Errorf("Sprintf(%q, err) contains %s", verb, l)
				}
			})
		}
	}
}

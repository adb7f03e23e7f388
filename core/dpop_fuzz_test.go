package core

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDPoPProof feeds hostile DPoP headers (and methods and paths) to a
// gate with a valid bound token: it must never panic; a refusal is a typed
// *Error of a DPoP kind (or the 400 of a repeated header) that names
// neither the proof nor the token; and a proof passes only when it is
// signed by the key the token is bound to and names this request.
func FuzzDPoPProof(f *testing.F) {
	d := dpopKeys()
	tok := boundToken(f, d.client)
	good := proofFor(f, d.client, "", "GET", apiURL+"/me", tok)
	parts := strings.Split(good, ".")
	for _, seed := range [][3]string{
		{"GET", "/me", good},
		{"GET", "/me", proofFor(f, d.other, "", "GET", apiURL+"/me", tok)},
		{"POST", "/me", good},
		{"GET", "/%6De", good},
		{"GET", "/me", parts[0] + "." + parts[1] + "."},
		{"GET", "/me", parts[0] + ".." + parts[2]},
		{"GET", "/me", "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.c2ln"},
		{"GET", "/me", good + "\n" + good},
		{"GET", "/me", ""},
		{"GET", "/../me?x#y", "\xff\x00"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	g, err := New(dpopConfig(func(c *Config) { c.Clock = fixedClock; c.Logger = quietLogger }))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { g.Close() })
	f.Fuzz(func(t *testing.T, method, path, proofs string) {
		r := httptest.NewRequest("GET", apiURL+"/", nil)
		r.Method, r.URL.Path, r.URL.RawPath = method, path, ""
		r.Header.Set("Authorization", "DPoP "+tok)
		if proofs != "" {
			r.Header["Dpop"] = strings.Split(proofs, "\n")
		}
		dec := g.Check(HTTPRequest(r), CheckOptions{})
		if dec.Err == nil {
			if dec.Session == nil || dec.Session.KeyBinding != thumbprintOf(t, d.client) || method != "GET" || normalizePath(HTTPRequest(r).Path()) != "/me" {
				t.Fatalf("passed %s %q with session %+v", method, path, dec.Session)
			}
			return
		}
		var e *Error
		if !errors.As(dec.Err, &e) {
			t.Fatalf("refusal %T %v is not an *Error", dec.Err, dec.Err)
		}
		switch e.Kind {
		case ErrDPoPProof, ErrDPoPReplay, ErrDPoPBinding, ErrMalformedRequest:
		default:
			t.Fatalf("refused with %v", dec.Err)
		}
		msg := dec.Err.Error()
		for _, p := range append(strings.Split(proofs, "\n"), tok) {
			if len(p) > 8 && strings.Contains(msg, p) {
				t.Fatalf("the error %q names a proof or the token", msg)
			}
		}
	})
}

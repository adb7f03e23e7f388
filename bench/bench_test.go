package bench

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Case is one benchmark: a framework's variant, an algorithm, a transport.
type Case struct{ Framework, Variant, Alg, Transport string }

func (c Case) name() string { return c.Framework + "/" + c.Variant + "/" + c.Alg + "/" + c.Transport }

// cases is the benchmark matrix, kept to what answers a question so that
// make bench stays within minutes: the baselines and the cached path for
// every transport (the cache makes the algorithm matter little, so
// bearer tokens of every algorithm and cookies of ES256), the uncached
// path and the peers for every algorithm by bearer and for ES256 by
// cookie. Peers read one cookie value, so duplicated cookies are
// sessiongate's alone.
func cases() []Case {
	var out []Case
	for _, fw := range Frameworks {
		for _, v := range Variants {
			if v == Peer && Peers[fw].Name == "" {
				continue
			}
			for _, alg := range Algs {
				for _, tr := range Transports {
					if (alg != "ES256" && tr != "bearer") || (v == None && alg != "ES256") || (v == Peer && tr == "dupcookie") {
						continue
					}
					out = append(out, Case{fw, v, alg, tr})
				}
			}
		}
	}
	return out
}

// newServer builds c's target and its request; the caller closes the target.
func newServer(tb testing.TB, c Case, r *http.Request) *Server {
	tb.Helper()
	t, ok, err := NewTarget(c.Framework, c.Variant, c.Alg)
	if err != nil || !ok {
		tb.Fatalf("%s: %v (built %v)", c.name(), err, ok)
	}
	tb.Cleanup(t.Close)
	return NewServer(t, r)
}

// BenchmarkServe runs each case's request through its app in-process.
func BenchmarkServe(b *testing.B) {
	for _, c := range cases() {
		b.Run(c.name(), func(b *testing.B) {
			s := newServer(b, c, Request(c.Alg, c.Transport))
			if status, _ := s.Serve(); status != http.StatusOK { // also fills the cache
				b.Fatalf("status %d", status)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var status int
			for range b.N {
				status, _ = s.Serve()
			}
			b.StopTimer()
			if status != http.StatusOK {
				b.Fatalf("status %d on the last request", status)
			}
		})
	}
}

// BenchmarkFloor is golang-jwt's Parse with the same key and checks.
func BenchmarkFloor(b *testing.B) {
	for _, alg := range Algs {
		b.Run(alg, func(b *testing.B) {
			parse, tok := ParseFloor(alg), Token(alg, time.Minute)
			if err := parse(tok); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				parse(tok)
			}
		})
	}
}

// TestEveryMiddlewareChecksTokens keeps the comparison fair: every
// middleware measured accepts a valid token and refuses a forged, an
// expired and (where it checks audiences) a foreign token, by bearer and
// by cookie; the baseline lets everything through.
func TestEveryMiddlewareChecksTokens(t *testing.T) {
	for _, c := range cases() {
		if c.Transport == "dupcookie" {
			continue
		}
		t.Run(c.name(), func(t *testing.T) {
			target, ok, err := NewTarget(c.Framework, c.Variant, c.Alg)
			if err != nil || !ok {
				t.Fatalf("%v (built %v)", err, ok)
			}
			defer target.Close()
			rows := []struct {
				name string
				tok  string
				pass bool
			}{
				{"valid", Token(c.Alg, time.Minute), true},
				{"forged", forge(c.Alg), false},
				{"expired", Token(c.Alg, time.Minute, func(m jwt.MapClaims) { m["exp"] = time.Now().Add(-time.Minute).Unix() }), false},
				{"foreign audience", Token(c.Alg, time.Minute, func(m jwt.MapClaims) { m["aud"] = "https://elsewhere.example" }),
					!checksAudience(c)},
			}
			for _, row := range rows {
				status, _ := NewServer(target, requestWith(row.tok, c.Transport)).Serve()
				if want := row.pass || c.Variant == None; (status == http.StatusOK) != want {
					t.Errorf("%s token: status %d, want accepted %v", row.name, status, want)
				}
			}
		})
	}
}

// TestDuplicateCookiesReachCore keeps the duplicate-cookie figures honest:
// both values reach the gate, which picks the newer and answers with the
// line that clears the older copy, on every request, cached or not.
func TestDuplicateCookiesReachCore(t *testing.T) {
	for _, c := range cases() {
		if c.Transport != "dupcookie" || c.Variant == None {
			continue
		}
		t.Run(c.name(), func(t *testing.T) {
			s := newServer(t, c, Request(c.Alg, c.Transport))
			for i := range 2 { // the second request is a cache hit when cached
				if status, lines := s.Serve(); status != http.StatusOK || lines != 1 {
					t.Fatalf("request %d: status %d with %d Set-Cookie lines, want 200 with the one that clears the older copy",
						i+1, status, lines)
				}
			}
		})
	}
}

// checksAudience: sessiongate, the auth0 middleware and the hand-written
// Gin one check aud; echo-jwt and gofiber's jwt cannot be told to.
func checksAudience(c Case) bool {
	return c.Variant != Peer || c.Framework == "nethttp" || c.Framework == "gin"
}

// forge returns a token of alg whose signature does not verify: one
// character of a valid one changed (not the last, whose low bits may be
// unused).
func forge(alg string) string {
	b := []byte(Token(alg, time.Minute))
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func requestWith(tok, transport string) *http.Request {
	r := Request("ES256", "none")
	if transport == "bearer" {
		r.Header.Set("Authorization", "Bearer "+tok)
	} else {
		r.Header.Set("Cookie", "theme=dark; "+Cookie+"="+tok+"; lang=en")
	}
	return r
}

package core_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// benchGate is a gate verifying a dev issuer's ES256 tokens from a JWKS,
// with the verified-token cache on (the default), or off when
// uncached: then every request checks a signature.
func benchGate(b *testing.B, older string, uncached bool) (*core.Gate, *devissuer.Issuer) {
	b.Helper()
	iss, err := devissuer.New(devissuer.Config{Issuer: "https://issuer.example.test"})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(iss.JWKS()) }))
	b.Cleanup(srv.Close)
	g, err := core.New(core.Config{
		Issuers:           []core.Issuer{{Name: iss.URL(), JWKSURL: srv.URL}},
		CookieNames:       []string{"sid"},
		CookieDomain:      "example.test",
		OlderCookieDomain: older,
		DisableTokenCache: uncached,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	return g, iss
}

func benchCheck(b *testing.B, g *core.Gate, r *http.Request, wantOK bool) {
	b.Helper()
	view := core.HTTPRequest(r)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := g.Check(view, core.CheckOptions{})
		if (d.Err == nil) != wantOK {
			b.Fatalf("unexpected decision: %v", d.Err)
		}
	}
}

// cachedAndNot runs f as two sub-benchmarks: the gate's default (a token
// seen before is a cache hit) and with the cache off.
func cachedAndNot(b *testing.B, f func(b *testing.B, uncached bool)) {
	b.Run("cached", func(b *testing.B) { f(b, false) })
	b.Run("uncached", func(b *testing.B) { f(b, true) })
}

// BenchmarkCheckBearer: the common case, one valid ES256 bearer token.
func BenchmarkCheckBearer(b *testing.B) {
	cachedAndNot(b, func(b *testing.B, uncached bool) {
		g, iss := benchGate(b, "", uncached)
		tok, _ := iss.Mint(devissuer.Claims{Subject: "alice", TTL: time.Hour})
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		benchCheck(b, g, r, true)
	})
}

// BenchmarkCheckCookie: one valid token in a cookie among others.
func BenchmarkCheckCookie(b *testing.B) {
	cachedAndNot(b, func(b *testing.B, uncached bool) {
		g, iss := benchGate(b, "", uncached)
		tok, _ := iss.Mint(devissuer.Claims{Subject: "alice", TTL: time.Hour})
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", "theme=dark; lang=en; sid="+tok+"; consent=yes")
		benchCheck(b, g, r, true)
	})
}

// BenchmarkCheckDuplicateCookies: the older-domain case, two values verified
// and a clearing Set-Cookie planned.
func BenchmarkCheckDuplicateCookies(b *testing.B) {
	cachedAndNot(b, func(b *testing.B, uncached bool) {
		g, iss := benchGate(b, "api.example.test", uncached)
		a, _ := iss.Mint(devissuer.Claims{Subject: "alice", TTL: time.Hour})
		c, _ := iss.Mint(devissuer.Claims{Subject: "alice", IssuedAt: time.Now().Add(-time.Minute), TTL: time.Hour})
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", "sid="+a+"; sid="+c)
		benchCheck(b, g, r, true)
	})
}

// BenchmarkCheckNoToken: the cheapest refusal.
func BenchmarkCheckNoToken(b *testing.B) {
	g, _ := benchGate(b, "", false)
	benchCheck(b, g, httptest.NewRequest(http.MethodGet, "/", nil), false)
}

// BenchmarkCheckMalformed: garbage is refused without signature work.
func BenchmarkCheckMalformed(b *testing.B) {
	g, _ := benchGate(b, "", false)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJFUzI1NiJ9.garbage.garbage")
	benchCheck(b, g, r, false)
}

// BenchmarkCheckBearerParallel: cache hits from every core at once, each
// goroutine a user with a token of its own (distinct) or all with one
// token (shared); with no lock on the hit path, ns/op (wall time per
// request over all goroutines) falls as cores are added.
func BenchmarkCheckBearerParallel(b *testing.B) {
	for _, shared := range []bool{false, true} {
		name := map[bool]string{false: "distinct", true: "shared"}[shared]
		b.Run(name, func(b *testing.B) {
			g, iss := benchGate(b, "", false)
			one, _ := iss.Mint(devissuer.Claims{Subject: "alice", TTL: time.Hour})
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				tok := one
				if !shared {
					tok, _ = iss.Mint(devissuer.Claims{Subject: "bob", TTL: time.Hour})
				}
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set("Authorization", "Bearer "+tok)
				view := core.HTTPRequest(r)
				for pb.Next() {
					if d := g.Check(view, core.CheckOptions{}); d.Err != nil {
						b.Errorf("unexpected refusal: %v", d.Err)
						return
					}
				}
			})
		})
	}
}

package tests

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/adapters/sessionecho/sessionechotest"
	"github.com/sessiongate/sessiongate/adapters/sessionfiber/sessionfibertest"
	"github.com/sessiongate/sessiongate/adapters/sessiongin/sessiongintest"
	"github.com/sessiongate/sessiongate/adapters/sessionhttp/sessionhttptest"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// adapters under parity; net/http is the reference the others must match.
var adapters = []struct {
	name   string
	target adaptertest.Target
}{
	{"net/http", sessionhttptest.Target},
	{"gin", sessiongintest.Target},
	{"echo", sessionechotest.Target},
	{"fiber", sessionfibertest.Target},
}

// answer is everything of a response that must be identical across adapters.
type answer struct {
	Status          int
	WWWAuthenticate []string
	SetCookie       []string
	Body            string
	ContentType     string // compared on refusals only: handlers choose their own on 200
	CacheControl    string
	RetryAfter      string
}

type parityCase struct {
	name     string
	cfg      func(f *adaptertest.Fixture, c *core.Config)
	optional bool
	method   string
	headers  func(f *adaptertest.Fixture, t *testing.T) [][2]string
	status   int
	// setCookies is how many Set-Cookie lines every adapter must send.
	setCookies int
}

// TestParity sends the same requests to every adapter, each wrapping the
// same gate, and asserts identical status, WWW-Authenticate, Set-Cookie
// lines and body (and, on refusals, the other headers core sets).
func TestParity(t *testing.T) {
	f := adaptertest.NewFixture(t)
	older := "old.example.test"
	tok := func(c devissuer.Claims) func(*adaptertest.Fixture, *testing.T) [][2]string {
		return func(f *adaptertest.Fixture, t *testing.T) [][2]string {
			return [][2]string{{"Authorization", "Bearer " + f.Token(t, c)}}
		}
	}
	cases := []parityCase{
		{name: "valid header token", headers: tok(devissuer.Claims{Subject: "alice"}), status: 200},
		{name: "valid cookie", headers: func(f *adaptertest.Fixture, t *testing.T) [][2]string {
			return [][2]string{{"Cookie", adaptertest.CookieName + "=" + f.Token(t, devissuer.Claims{Subject: "alice"})}}
		}, status: 200},
		{name: "duplicate cookies with an older domain", cfg: func(_ *adaptertest.Fixture, c *core.Config) {
			c.CookieDomain, c.OlderCookieDomain = "example.test", older
		}, headers: func(f *adaptertest.Fixture, t *testing.T) [][2]string {
			a := f.Token(t, devissuer.Claims{Subject: "alice"})
			b := f.Token(t, devissuer.Claims{Subject: "alice", IssuedAt: time.Now().Add(-time.Hour), TTL: time.Minute})
			return [][2]string{{"Cookie", adaptertest.CookieName + "=" + b + "; " + adaptertest.CookieName + "=" + a}}
		}, status: 200, setCookies: 1},
		{name: "expired token", headers: tok(devissuer.Claims{Subject: "alice", IssuedAt: time.Now().Add(-time.Hour), TTL: time.Minute}), status: 401},
		{name: "wrong issuer", headers: tok(devissuer.Claims{Subject: "alice", Issuer: "https://evil.example.test"}), status: 401},
		{name: "malformed token", headers: func(*adaptertest.Fixture, *testing.T) [][2]string {
			return [][2]string{{"Authorization", "Bearer a.b.c"}}
		}, status: 401},
		{name: "no token, required", headers: func(*adaptertest.Fixture, *testing.T) [][2]string { return nil }, status: 401},
		{name: "no token in optional mode", optional: true, headers: func(*adaptertest.Fixture, *testing.T) [][2]string { return nil }, status: 200},
		{name: "two Authorization headers", headers: func(*adaptertest.Fixture, *testing.T) [][2]string {
			return [][2]string{{"Authorization", "Bearer a"}, {"Authorization", "Bearer b"}}
		}, status: 400},
		{name: "cross-site POST with a cookie", method: http.MethodPost, headers: func(f *adaptertest.Fixture, t *testing.T) [][2]string {
			return [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Cookie", adaptertest.CookieName + "=" + f.Token(t, devissuer.Claims{Subject: "alice"})}}
		}, status: 403},
		{name: "JWKS down, nothing cached", cfg: func(f *adaptertest.Fixture, c *core.Config) {
			c.Issuers[0].JWKSURL = f.DownJWKSURL()
			c.JWKS.AllowStartWithoutKeys = true
		}, headers: tok(devissuer.Claims{Subject: "alice"}), status: 503},
	}
	for _, pc := range cases {
		t.Run(pc.name, func(t *testing.T) {
			cfg := f.Config()
			if pc.cfg != nil {
				pc.cfg(f, &cfg)
			}
			gate := f.Gate(t, cfg)
			headers := pc.headers(f, t)
			var ref answer
			for i, a := range adapters {
				base := a.target(t, gate, adaptertest.Options{Optional: pc.optional})
				got := ask(t, base, pc.method, headers)
				if got.Status != pc.status {
					t.Errorf("%s: status %d, want %d (body %s)", a.name, got.Status, pc.status, got.Body)
				}
				if len(got.SetCookie) != pc.setCookies {
					t.Errorf("%s: %d Set-Cookie lines, want %d", a.name, len(got.SetCookie), pc.setCookies)
				}
				if i == 0 {
					ref = got
					continue
				}
				if !equal(ref, got) {
					t.Errorf("%s answers differently from %s:\n  %s: %+v\n  %s: %+v", a.name, adapters[0].name, adapters[0].name, ref, a.name, got)
				}
			}
		})
	}
}

func equal(a, b answer) bool {
	return a.Status == b.Status && strings.Join(a.WWWAuthenticate, "\n") == strings.Join(b.WWWAuthenticate, "\n") &&
		strings.Join(a.SetCookie, "\n") == strings.Join(b.SetCookie, "\n") && a.Body == b.Body &&
		a.ContentType == b.ContentType && a.CacheControl == b.CacheControl && a.RetryAfter == b.RetryAfter
}

func ask(t *testing.T, base, method string, headers [][2]string) answer {
	t.Helper()
	if method == "" {
		method = http.MethodGet
	}
	resp, body := adaptertest.Send(t, method, base+"/api/me", headers...)
	a := answer{
		Status:          resp.StatusCode,
		WWWAuthenticate: resp.Header.Values("WWW-Authenticate"),
		SetCookie:       resp.Header.Values("Set-Cookie"),
		Body:            string(body),
		CacheControl:    resp.Header.Get("Cache-Control"),
		RetryAfter:      resp.Header.Get("Retry-After"),
	}
	if resp.StatusCode != http.StatusOK {
		a.ContentType = resp.Header.Get("Content-Type")
	}
	return a
}

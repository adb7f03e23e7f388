package core

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cookieTokens are session tokens of issuer A, valid for a day around testNow.
// All are of one subject (copies of one user's session are what a browser
// sends twice; different subjects are a conflict), told apart by jti.
type cookieTokens struct {
	older, newer, expired, expired2, bearer string
}

func newCookieTokens(t *testing.T) cookieTokens {
	k := testKeys()
	sign := func(jti string, iat, exp time.Duration) string {
		return sign(t, "ES256", "ec-1", k.ec256, claimsFor(issA, withClaim("jti", jti), atOffset("iat", iat), atOffset("exp", exp)), nil)
	}
	return cookieTokens{
		older:    sign("older", -2*time.Hour, 24*time.Hour),
		newer:    sign("newer", -time.Minute, 24*time.Hour),
		expired:  sign("expired", -2*time.Hour, -time.Minute),
		expired2: sign("expired2", -3*time.Hour, -time.Hour),
		bearer:   sign("bearer", -time.Minute, 24*time.Hour),
	}
}

// cookieRequest is a GET to api.example.com with the given Cookie header lines
// and, when authz is set, an Authorization header.
func cookieRequest(cookieLines []string, authz string) Request {
	r := httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
	if len(cookieLines) > 0 {
		r.Header["Cookie"] = cookieLines
	}
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	return HTTPRequest(r)
}

func staticIssuers() []Issuer {
	return []Issuer{{Name: issA, JWKS: jwkSet(jwkOf(testKeys().ec256, "ec-1", "ES256", "sig"))}}
}

func TestCheckDuplicateCookieWarning(t *testing.T) {
	tk := newCookieTokens(t)
	clock := newFakeClock()
	logs := &logSink{}
	cfg := Config{Issuers: staticIssuers(), CookieNames: []string{"sid"}, Clock: clock.Now, Logger: logs.logger()}
	g := newGate(t, cfg)
	dup := []string{"sid=" + tk.older + "; sid=" + tk.newer}
	warnings := func() int { return strings.Count(logs.String(), "OlderCookieDomain") }

	steps := []struct {
		name       string
		advance    time.Duration
		cookies    []string
		concurrent int // requests sent at once; 0 means 1
		want       int // warnings logged so far
	}{
		{name: "first request with the cookie twice: one warning", cookies: dup, want: 1},
		{name: "a minute later: no second warning", advance: time.Minute, cookies: dup, want: 1},
		{name: "59 minutes after the first: still one", advance: 58 * time.Minute, cookies: dup, want: 1},
		{name: "61 minutes after the first: a second warning", advance: 2 * time.Minute, cookies: dup, want: 2},
		{name: "100 concurrent duplicate requests two hours later: exactly one more warning", advance: 2 * time.Hour, cookies: dup, concurrent: 100, want: 3},
		{name: "a request with the cookie once never warns", advance: 2 * time.Hour, cookies: []string{"sid=" + tk.newer}, want: 3},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		n := max(st.concurrent, 1)
		start := make(chan struct{})
		var wg sync.WaitGroup
		decisions := make([]Decision, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				decisions[i] = g.Check(cookieRequest(st.cookies, ""), CheckOptions{})
			}()
		}
		close(start)
		wg.Wait()
		for _, d := range decisions {
			if d.Err != nil || d.Session == nil || d.Session.ID != "newer" {
				t.Fatalf("%s: decision %+v; want the newest token's session", st.name, d)
			}
			if len(d.SetCookies) != 0 {
				t.Errorf("%s: Set-Cookie %q without an OlderCookieDomain; want none", st.name, d.SetCookies)
			}
		}
		if got := warnings(); got != st.want {
			t.Errorf("%s: %d warnings so far, want %d; log:\n%s", st.name, got, st.want, logs)
		}
	}

	out := logs.String()
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(line, "level=WARN") || !strings.Contains(line, "OlderCookieDomain") || !strings.Contains(line, "cookie=sid") {
			t.Errorf("warning line %q: want level WARN, the setting OlderCookieDomain and the cookie name", line)
		}
	}
	for _, tok := range []string{tk.older, tk.newer} {
		if strings.Contains(out, tok) || strings.Contains(out, tok[strings.LastIndex(tok, ".")+1:]) {
			t.Errorf("the warning log contains a token:\n%s", out)
		}
	}

	t.Run("the limit is per gate: another gate warns on its own", func(t *testing.T) {
		g2 := newGate(t, cfg)
		before := warnings()
		for range 3 {
			g2.Check(cookieRequest(dup, ""), CheckOptions{})
		}
		if got := warnings() - before; got != 1 {
			t.Errorf("warnings by a second gate: %d, want 1", got)
		}
	})
}

func TestCheckOlderDomainCleanup(t *testing.T) {
	tk := newCookieTokens(t)
	const epoch = "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"
	clearOlder := "sid=; Path=/; Domain=api.example.com; " + epoch + "; HttpOnly; Secure; SameSite=Lax"
	rows := []struct {
		name    string
		cfg     func(c *Config)
		cookies []string
		authz   string
		wantSub string // the jti of the session's token; "" means refused
		wantErr error
		wantSet []string
	}{
		{
			name:    "two session cookies, older domain configured: newest valid wins and old domain is cleared",
			cookies: []string{"sid=" + tk.older + "; sid=" + tk.newer},
			wantSub: "newer", wantSet: []string{clearOlder},
		},
		{
			name:    "two session cookies, newest first in the header: newest still wins, old domain cleared",
			cookies: []string{"sid=" + tk.newer + "; sid=" + tk.older},
			wantSub: "newer", wantSet: []string{clearOlder},
		},
		{
			name:    "the two copies in separate Cookie header lines: newest wins, old domain cleared",
			cookies: []string{"sid=" + tk.older, "sid=" + tk.newer},
			wantSub: "newer", wantSet: []string{clearOlder},
		},
		{
			name:    "older cookies were host-only: cleared without a Domain attribute",
			cfg:     func(c *Config) { c.OlderCookieDomain, c.OlderCookieHostOnly = "", true },
			cookies: []string{"sid=" + tk.older + "; sid=" + tk.newer},
			wantSub: "newer", wantSet: []string{"sid=; Path=/; " + epoch + "; HttpOnly; Secure; SameSite=Lax"},
		},
		{
			name:    "one copy expired, the other valid: the valid one wins, old domain cleared",
			cookies: []string{"sid=" + tk.expired + "; sid=" + tk.older},
			wantSub: "older", wantSet: []string{clearOlder},
		},
		{
			name:    "both copies invalid: refused with the first copy's error, old domain still cleared",
			cookies: []string{"sid=" + tk.expired + "; sid=" + tk.expired2},
			wantErr: ErrExpired, wantSet: []string{clearOlder},
		},
		{
			name:    "the cookie once: no Set-Cookie",
			cookies: []string{"sid=" + tk.newer},
			wantSub: "newer",
		},
		{
			name:    "valid Authorization header: cookie duplicates are ignored, no Set-Cookie",
			cookies: []string{"sid=" + tk.older + "; sid=" + tk.newer},
			authz:   "Bearer " + tk.bearer,
			wantSub: "bearer",
		},
		{
			name:    "no OlderCookieDomain: the same choice of token, nothing cleared",
			cfg:     func(c *Config) { c.OlderCookieDomain, c.OlderCookieHostOnly = "", false },
			cookies: []string{"sid=" + tk.older + "; sid=" + tk.newer},
			wantSub: "newer",
		},
		{
			name:    "duplicates of a former cookie name are cleared under that name",
			cfg:     func(c *Config) { c.CookieNames = []string{"sid", "old_sid"} },
			cookies: []string{"old_sid=" + tk.older + "; old_sid=" + tk.newer},
			wantSub: "newer", wantSet: []string{strings.Replace(clearOlder, "sid=", "old_sid=", 1)},
		},
		{
			name: "custom Path and SameSite=None: the clearing cookie carries the same attributes",
			cfg: func(c *Config) {
				c.Cookie = CookieAttributes{Path: "/app", SameSite: http.SameSiteNoneMode}
			},
			cookies: []string{"sid=" + tk.older + "; sid=" + tk.newer},
			wantSub: "newer", wantSet: []string{"sid=; Path=/app; Domain=api.example.com; " + epoch + "; HttpOnly; Secure; SameSite=None"},
		},
		{
			name: "Insecure and ScriptReadable: the clearing cookie has neither Secure nor HttpOnly",
			cfg: func(c *Config) {
				c.Cookie = CookieAttributes{Insecure: true, ScriptReadable: true}
			},
			cookies: []string{"sid=" + tk.older + "; sid=" + tk.newer},
			wantSub: "newer", wantSet: []string{"sid=; Path=/; Domain=api.example.com; " + epoch + "; SameSite=Lax"},
		},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			cfg := Config{
				Issuers:           staticIssuers(),
				CookieNames:       []string{"sid"},
				CookieDomain:      "example.com",
				OlderCookieDomain: "api.example.com",
			}
			if row.cfg != nil {
				row.cfg(&cfg)
			}
			g := newGate(t, cfg)
			d := g.Check(cookieRequest(row.cookies, row.authz), CheckOptions{})
			switch {
			case row.wantSub == "":
				if d.Session != nil || !isKind(d.Err, row.wantErr) {
					t.Errorf("decision: session %v, error %v; want refused with %v", d.Session != nil, d.Err, row.wantErr)
				}
			case d.Err != nil || d.Session == nil:
				t.Errorf("decision error %v; want the session of %q", d.Err, row.wantSub)
			case d.Session.ID != row.wantSub:
				t.Errorf("session of token %q, want %q", d.Session.ID, row.wantSub)
			}
			if fmt.Sprint(d.SetCookies) != fmt.Sprint(row.wantSet) {
				t.Errorf("SetCookies:\n got %q\nwant %q", d.SetCookies, row.wantSet)
			}
			for _, line := range d.SetCookies {
				for _, tok := range []string{tk.older, tk.newer, tk.expired, tk.expired2} {
					if strings.Contains(line, tok) {
						t.Errorf("a clearing cookie carries a token: %q", line)
					}
				}
			}
		})
	}
}

func TestCheckCookieCandidatesCapped(t *testing.T) {
	k := testKeys()
	distinct := make([]string, 50)
	for i := range distinct {
		distinct[i] = sign(t, "ES256", "ec-1", k.ec256, claimsFor(issA, withClaim("jti", fmt.Sprint("j-", i))), nil)
	}
	join := func(name string, toks []string) string {
		parts := make([]string, len(toks))
		for i, tok := range toks {
			parts[i] = name + "=" + tok
		}
		return strings.Join(parts, "; ")
	}
	same := make([]string, 50)
	for i := range same {
		same[i] = distinct[0]
	}
	oneLineEach := make([]string, 50)
	for i, tok := range distinct {
		oneLineEach[i] = "sid=" + tok
	}
	rows := []struct {
		name     string
		names    []string
		cookies  []string
		min, max int64 // bounds on verifications
	}{
		{"50 distinct values of the session cookie: at most maxCookieVerifications are verified", []string{"sid"},
			[]string{join("sid", distinct)}, 1, maxCookieVerifications},
		{"50 distinct values in 50 Cookie header lines: at most maxCookieVerifications are verified", []string{"sid"},
			oneLineEach, 1, maxCookieVerifications},
		{"25 values under each of two cookie names: at most maxCookieVerifications in all", []string{"sid", "old_sid"},
			[]string{join("sid", distinct[:25]) + "; " + join("old_sid", distinct[25:])}, 1, maxCookieVerifications},
		{"50 identical copies: verified once", []string{"sid"},
			[]string{join("sid", same)}, 1, 1},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var calls atomic.Int64
			g := newGate(t, Config{
				Issuers:        staticIssuers(),
				CookieNames:    row.names,
				ValidateClaims: func(*Session) error { calls.Add(1); return nil },
			})
			d := g.Check(cookieRequest(row.cookies, ""), CheckOptions{})
			if d.Err != nil || d.Session == nil {
				t.Fatalf("decision error %v; want a session", d.Err)
			}
			if n := calls.Load(); n < row.min || n > row.max {
				t.Errorf("%d tokens verified, want between %d and %d", n, row.min, row.max)
			}
		})
	}
}

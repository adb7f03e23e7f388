package devissuer_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

var diNow = time.Date(2030, time.March, 4, 12, 0, 0, 0, time.UTC)

// diClock is a clock shared by the issuer and the gate, advanced by hand.
type diClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *diClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *diClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var diQuiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func startIssuer(t *testing.T, cfg devissuer.Config) *devissuer.Server {
	t.Helper()
	s, err := devissuer.Start("", cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newGate(t *testing.T, cfg core.Config) *core.Gate {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = diQuiet
	}
	g, err := core.New(cfg)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// cookieWriter returns the cookie writer of a gate with cookie "sid" on
// domain ("" for host-only), built from static keys (no key server).
func cookieWriter(t *testing.T, domain string) *core.CookieWriter {
	t.Helper()
	keys, err := devissuer.New(devissuer.Config{Issuer: "https://keys.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	g := newGate(t, core.Config{
		Issuers:      []core.Issuer{{Name: keys.URL(), JWKS: string(keys.JWKS())}},
		CookieNames:  []string{"sid"},
		CookieDomain: domain,
	})
	return g.Cookies()
}

func isKind(err, want error) bool {
	if want == nil {
		return err == nil
	}
	var e *core.Error
	return errors.As(err, &e) && e.Kind == want
}

// diClient never follows redirects, so a test sees where it would go.
var diClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{DisableKeepAlives: true},
}

// get sends one GET and returns the response as it came, without the
// client's redirect handling (which refuses to parse some Location values
// a browser would follow).
func get(t *testing.T, u string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := diClient.Transport.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestMintVerifiesThroughGate(t *testing.T) {
	clock := &diClock{now: diNow}
	iss := startIssuer(t, devissuer.Config{Clock: clock.Now, Audience: []string{"api"}})
	g := newGate(t, core.Config{Issuers: []core.Issuer{iss.CoreIssuer()}, Clock: clock.Now, Audiences: []string{"api"}})
	rows := []struct {
		name   string
		claims devissuer.Claims
		want   error
		check  func(t *testing.T, s *core.Session)
	}{
		{
			name: "default claims: verifies with subject, issuer, audience and the default 15m lifetime", claims: devissuer.Claims{Subject: "alice"},
			check: func(t *testing.T, s *core.Session) {
				if s.Subject != "alice" || s.Issuer != iss.URL() || len(s.Audience) != 1 || s.Audience[0] != "api" {
					t.Errorf("session %+v", s)
				}
				if !s.IssuedAt.Equal(diNow) || !s.ExpiresAt.Equal(diNow.Add(15*time.Minute)) {
					t.Errorf("iat %v exp %v; want %v and 15m later", s.IssuedAt, s.ExpiresAt, diNow)
				}
			},
		},
		{
			name: "chosen TTL, audience and extra claims are in the token", claims: devissuer.Claims{
				Subject: "bob", TTL: time.Hour, Audience: []string{"api", "web"}, Extra: map[string]any{"email": "bob@example.com"},
			},
			check: func(t *testing.T, s *core.Session) {
				if !s.ExpiresAt.Equal(diNow.Add(time.Hour)) || len(s.Audience) != 2 || s.Claims()["email"] != "bob@example.com" {
					t.Errorf("session %+v", s)
				}
			},
		},
		{name: "negative TTL mints an expired token: ErrExpired", claims: devissuer.Claims{Subject: "a", TTL: -time.Minute}, want: core.ErrExpired},
		{name: "NotBefore in the future: ErrNotYetValid", claims: devissuer.Claims{Subject: "a", NotBefore: diNow.Add(time.Minute)}, want: core.ErrNotYetValid},
		{name: "IssuedAt in the future: ErrIssuedInFuture", claims: devissuer.Claims{Subject: "a", IssuedAt: diNow.Add(time.Hour)}, want: core.ErrIssuedInFuture},
		{name: "Issuer override: ErrIssuer", claims: devissuer.Claims{Subject: "a", Issuer: "https://other.example"}, want: core.ErrIssuer},
		{name: "KeyID override: ErrUnknownKey", claims: devissuer.Claims{Subject: "a", KeyID: "no-such-key"}, want: core.ErrUnknownKey},
		{name: "audience the gate does not accept: ErrAudience", claims: devissuer.Claims{Subject: "a", Audience: []string{"other"}}, want: core.ErrAudience},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tok, err := iss.Mint(row.claims)
			if err != nil {
				t.Fatal(err)
			}
			s, err := g.Verify(tok, core.SourceAuthorization)
			if !isKind(err, row.want) {
				t.Fatalf("Verify: %v, want %v", err, row.want)
			}
			if row.check != nil {
				row.check(t, s)
			}
		})
	}
}

func TestRotate(t *testing.T) {
	clock := &diClock{now: diNow}
	iss := startIssuer(t, devissuer.Config{Clock: clock.Now, TTL: time.Hour})
	g := newGate(t, core.Config{Issuers: []core.Issuer{iss.CoreIssuer()}, Clock: clock.Now})
	toks := map[string]string{}
	mint := func(name string) func() {
		return func() {
			tok, err := iss.Mint(devissuer.Claims{Subject: name})
			if err != nil {
				t.Fatal(err)
			}
			toks[name] = tok
		}
	}
	rotate := func(keepOld bool) func() {
		return func() {
			before := iss.KeyID()
			clock.Advance(31 * time.Second) // past core's unknown-key cooldown
			if err := iss.Rotate(keepOld); err != nil {
				t.Fatal(err)
			}
			if iss.KeyID() == before {
				t.Fatal("Rotate kept the key ID")
			}
		}
	}
	steps := []struct {
		name   string
		before func()
		tok    string
		want   error
	}{
		{name: "a token of the first key verifies", before: mint("first"), tok: "first"},
		{name: "Rotate(true): the new key's token verifies (its kid makes the gate fetch)", before: func() { rotate(true)(); mint("second")() }, tok: "second"},
		{name: "Rotate(true): the old key's token keeps verifying", tok: "first"},
		{name: "Rotate(false): old tokens still verify until the gate fetches again", before: func() { rotate(false)(); mint("third")() }, tok: "first"},
		{name: "Rotate(false): the new key's token verifies and makes the gate fetch", tok: "third"},
		{name: "Rotate(false): after that fetch the first key's token fails", tok: "first", want: core.ErrUnknownKey},
		{name: "Rotate(false): after that fetch the second key's token fails", tok: "second", want: core.ErrUnknownKey},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		s, err := g.Verify(toks[st.tok], core.SourceAuthorization)
		if !isKind(err, st.want) {
			t.Errorf("%s: %v, want %v", st.name, err, st.want)
		}
		if err == nil && s.Subject != st.tok {
			t.Errorf("%s: subject %q", st.name, s.Subject)
		}
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(iss.JWKS(), &set); err != nil || len(set.Keys) != 1 {
		t.Errorf("JWKS after Rotate(false): %d keys (%v), want 1", len(set.Keys), err)
	}
}

func TestHandlerWellKnown(t *testing.T) {
	clock := &diClock{now: diNow}
	iss := startIssuer(t, devissuer.Config{Clock: clock.Now})

	t.Run("/.well-known/jwks serves the public signing key only", func(t *testing.T) {
		resp := get(t, iss.URL()+"/.well-known/jwks")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jwk-set+json" {
			t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var set struct {
			Keys []map[string]any `json:"keys"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || len(set.Keys) != 1 {
			t.Fatalf("JWKS: %v, %d keys", err, len(set.Keys))
		}
		key := set.Keys[0]
		for name, want := range map[string]string{"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": iss.KeyID()} {
			if key[name] != want {
				t.Errorf("%s = %v, want %q", name, key[name], want)
			}
		}
		if _, private := key["d"]; private {
			t.Error("the JWKS publishes the private key")
		}
	})

	t.Run("/.well-known/openid-configuration: discovery works end to end with core", func(t *testing.T) {
		resp := get(t, iss.URL()+"/.well-known/openid-configuration")
		var doc map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if doc["issuer"] != iss.URL() || doc["jwks_uri"] != iss.URL()+"/.well-known/jwks" {
			t.Errorf("discovery document %v", doc)
		}
		g := newGate(t, core.Config{Issuers: []core.Issuer{{Name: iss.URL(), Discovery: true}}, Clock: clock.Now})
		tok, err := iss.Mint(devissuer.Claims{Subject: "carol"})
		if err != nil {
			t.Fatal(err)
		}
		if s, err := g.Verify(tok, core.SourceAuthorization); err != nil || s.Subject != "carol" {
			t.Errorf("Verify through discovery: %v", err)
		}
	})
}

func TestHandlerToken(t *testing.T) {
	clock := &diClock{now: diNow}
	iss := startIssuer(t, devissuer.Config{Clock: clock.Now})
	g := newGate(t, core.Config{Issuers: []core.Issuer{iss.CoreIssuer()}, Clock: clock.Now})
	rows := []struct {
		name    string
		method  string
		query   string
		status  int
		wantSub string
		wantTTL time.Duration
	}{
		{"GET /token with sub and ttl: a token that verifies", http.MethodGet, "?sub=alice&ttl=5m", 200, "alice", 5 * time.Minute},
		{"GET /token without parameters: dev-user for 15m", http.MethodGet, "", 200, "dev-user", 15 * time.Minute},
		{"POST /token with a form body", http.MethodPost, "sub=bob", 200, "bob", 15 * time.Minute},
		{"ttl that is not a duration: 400", http.MethodGet, "?ttl=soon", 400, "", 0},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var resp *http.Response
			var err error
			if row.method == http.MethodPost {
				resp, err = diClient.Post(iss.URL()+"/token", "application/x-www-form-urlencoded", strings.NewReader(row.query))
			} else {
				resp, err = diClient.Get(iss.URL() + "/token" + row.query)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != row.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, row.status)
			}
			if row.status != 200 {
				return
			}
			var body struct {
				Token     string `json:"token"`
				TokenType string `json:"token_type"`
				ExpiresAt int64  `json:"expires_at"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			s, err := g.Verify(body.Token, core.SourceAuthorization)
			if err != nil {
				t.Fatalf("minted token: %v", err)
			}
			if s.Subject != row.wantSub || !s.ExpiresAt.Equal(diNow.Add(row.wantTTL)) || body.ExpiresAt != s.ExpiresAt.Unix() || body.TokenType != "Bearer" {
				t.Errorf("subject %q, exp %v, expires_at %d, token_type %q; want %q, %v", s.Subject, s.ExpiresAt, body.ExpiresAt, body.TokenType, row.wantSub, diNow.Add(row.wantTTL))
			}
		})
	}
}

// onSite reports whether a Location header, read the way a browser reads
// it (WHATWG URL parsing drops ASCII tab and newline first), stays on base.
func onSite(base, location string) bool {
	cleaned := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, location)
	b, _ := url.Parse(base)
	l, err := url.Parse(strings.ReplaceAll(cleaned, `\`, "/"))
	if err != nil {
		return false
	}
	return b.ResolveReference(l).Host == b.Host
}

func TestHandlerLogin(t *testing.T) {
	cookies := cookieWriter(t, "example.com")
	iss := startIssuer(t, devissuer.Config{Cookies: cookies, CookieName: "sid"})
	g := newGate(t, core.Config{Issuers: []core.Issuer{iss.CoreIssuer()}, CookieNames: []string{"sid"}, CookieDomain: "example.com"})

	t.Run("/login sets the session cookie with core's attributes, and the gate accepts it", func(t *testing.T) {
		resp := get(t, iss.URL()+"/login?sub=alice&ttl=10m")
		lines := resp.Header.Values("Set-Cookie")
		if len(lines) != 1 {
			t.Fatalf("Set-Cookie lines %q, want 1", lines)
		}
		line := lines[0]
		for _, attr := range []string{"; Path=/", "; Domain=example.com", "; HttpOnly", "; Secure", "; SameSite=Lax", "; Expires=", "; Max-Age="} {
			if !strings.Contains(line, attr) {
				t.Errorf("Set-Cookie %q lacks %q", line, attr)
			}
		}
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "sid" || c.MaxAge <= 0 || c.MaxAge > 600 {
			t.Errorf("cookie %s, Max-Age %d; want sid with Max-Age in (0, 600]", c.Name, c.MaxAge)
		}
		r, _ := http.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		d := g.Check(core.HTTPRequest(r), core.CheckOptions{})
		if d.Err != nil || d.Session.Subject != "alice" || d.Session.Source != core.SourceCookie {
			t.Errorf("Check with the login cookie: %v", d.Err)
		}
	})

	t.Run("/logout clears the cookie", func(t *testing.T) {
		resp := get(t, iss.URL()+"/logout")
		line := resp.Header.Get("Set-Cookie")
		if !strings.HasPrefix(line, "sid=;") || !strings.Contains(line, "Max-Age=0") || !strings.Contains(line, "Domain=example.com") {
			t.Errorf("Set-Cookie %q: want sid cleared on example.com", line)
		}
	})

	redirects := []struct {
		name     string
		redirect string
		followed bool
	}{
		{"local path is followed", "/dashboard?tab=1", true},
		{"a dev app on another loopback port is followed", "http://127.0.0.1:9001/app?x=1", true},
		{"localhost on another port is followed", "http://localhost:9001/", true},
		{"user info before a loopback host is not followed", "http://127.0.0.1:9001@evil.example/", false},
		{"a loopback host with a non-web scheme is not followed", "ftp://127.0.0.1/", false},
		{"no redirect: 200", "", false},
		{"protocol-relative //evil.example is not followed", "//evil.example", false},
		{"absolute https://evil.example is not followed", "https://evil.example", false},
		{`backslash /\evil.example is not followed`, `/\evil.example`, false},
		{"javascript: URL is not followed", "javascript:alert(1)", false},
		{"tab inside //: /<TAB>/evil.example does not lead off-site", "/\t/evil.example", false},
		{"newline inside //: /<LF>/evil.example does not lead off-site", "/\n/evil.example", false},
	}
	for _, row := range redirects {
		t.Run("/login redirect: "+row.name, func(t *testing.T) {
			resp := get(t, iss.URL()+"/login?sub=alice&redirect="+url.QueryEscape(row.redirect))
			if len(resp.Header.Values("Set-Cookie")) != 1 {
				t.Errorf("no session cookie set")
			}
			loc := resp.Header.Get("Location")
			if row.followed {
				if resp.StatusCode != http.StatusSeeOther || loc != row.redirect {
					t.Errorf("status %d Location %q; want 303 to %q", resp.StatusCode, loc, row.redirect)
				}
				return
			}
			if loc != "" && !onSite(iss.URL(), loc) {
				t.Errorf("status %d redirects off-site: Location %q", resp.StatusCode, loc)
			}
		})
	}

	t.Run("/login without a cookie writer: 404", func(t *testing.T) {
		bare := startIssuer(t, devissuer.Config{})
		resp := get(t, bare.URL()+"/login")
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("status %d, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
	})
}

func TestNewAndStartValidate(t *testing.T) {
	cookies := cookieWriter(t, "")
	rows := []struct {
		name string
		run  func() error
	}{
		{"New without Issuer: error", func() error { _, err := devissuer.New(devissuer.Config{}); return err }},
		{"New with Cookies but no CookieName: error", func() error {
			_, err := devissuer.New(devissuer.Config{Issuer: "http://127.0.0.1:1", Cookies: cookies})
			return err
		}},
		{"Start on an address that is not one: error", func() error {
			s, err := devissuer.Start("not-an-address", devissuer.Config{})
			if err == nil {
				s.Close()
			}
			return err
		}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if row.run() == nil {
				t.Error("no error")
			}
		})
	}
}

// servingGoroutines counts goroutines running the dev issuer's server or one of its
// connections.
func servingGoroutines() (int, string) {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "core/devissuer.") || strings.Contains(g, "net/http.(*conn).serve") || strings.Contains(g, "net/http.(*Server).Serve") {
			n++
			found = append(found, g)
		}
	}
	return n, strings.Join(found, "\n\n")
}

func TestStartCloseLeavesNoGoroutine(t *testing.T) {
	// Earlier tests' servers are closed by their cleanups; wait for their
	// connection goroutines to wind down.
	deadline := time.Now().Add(10 * time.Second)
	for n, _ := servingGoroutines(); n != 0 && time.Now().Before(deadline); n, _ = servingGoroutines() {
		time.Sleep(10 * time.Millisecond)
	}
	if n, stacks := servingGoroutines(); n != 0 {
		t.Fatalf("%d server goroutines before Start:\n%s", n, stacks)
	}
	s, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %q: want loopback", s.URL())
	}
	// A keep-alive connection that is idle when Close runs.
	client := &http.Client{}
	resp, err := client.Get(s.URL() + "/.well-known/jwks")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n, _ := servingGoroutines(); n == 0 {
		t.Fatal("no server goroutine found while serving; the check below would prove nothing")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	client.CloseIdleConnections()
	deadline = time.Now().Add(10 * time.Second)
	for n, _ := servingGoroutines(); n != 0 && time.Now().Before(deadline); n, _ = servingGoroutines() {
		time.Sleep(10 * time.Millisecond)
	}
	if n, stacks := servingGoroutines(); n != 0 {
		t.Errorf("%d goroutines left after Close:\n%s", n, stacks)
	}
}

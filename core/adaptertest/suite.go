package adaptertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// Cookie names the suite configures: the current one and a former one.
const (
	CookieName       = "sid"
	LegacyCookieName = "sid_legacy"
	olderDomain      = "old.example.test"
)

// Fixture is the issuer and key servers a suite run uses. The tests/ parity
// test builds the same fixture to send identical requests to every adapter.
type Fixture struct {
	Issuer *devissuer.Issuer
	// keys serves the issuer's JWKS; flaky does too until FlakyDown is set;
	// down always answers 503.
	keys, flaky, down *httptest.Server
	FlakyDown         atomic.Bool
	logs              *logBuffer
}

// NewFixture starts the issuer's key servers on loopback; t.Cleanup stops them.
func NewFixture(t testing.TB) *Fixture {
	t.Helper()
	iss, err := devissuer.New(devissuer.Config{Issuer: "https://issuer.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	f := &Fixture{Issuer: iss, logs: &logBuffer{}}
	jwks := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(iss.JWKS())
	}
	f.keys = httptest.NewServer(http.HandlerFunc(jwks))
	f.flaky = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.FlakyDown.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		jwks(w, r)
	}))
	f.down = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(func() { f.keys.Close(); f.flaky.Close(); f.down.Close() })
	return f
}

// Config is the gate configuration every case starts from.
func (f *Fixture) Config() core.Config {
	return core.Config{
		Issuers:     []core.Issuer{{Name: f.Issuer.URL(), JWKSURL: f.keys.URL + "/jwks"}},
		CookieNames: []string{CookieName, LegacyCookieName},
		Logger:      slog.New(slog.NewTextHandler(f.logs, nil)),
		JWKS:        core.JWKSOptions{Timeout: 2 * time.Second},
	}
}

// DownJWKSURL is a JWKS URL whose server always answers 503.
func (f *Fixture) DownJWKSURL() string { return f.down.URL + "/jwks" }

// Token mints a token; it fails the test on error.
func (f *Fixture) Token(t testing.TB, c devissuer.Claims) string {
	t.Helper()
	tok, err := f.Issuer.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Gate builds a gate from cfg; t.Cleanup closes it.
func (f *Fixture) Gate(t testing.TB, cfg core.Config) *core.Gate {
	t.Helper()
	g, err := core.New(cfg)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// logBuffer collects log output, safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// req is a request a case sends.
type req struct {
	method  string
	path    string
	headers [][2]string // added in order; repeated names make repeated lines
}

// want is what a case expects back.
type want struct {
	status      int
	wwwAuth     string   // exact WWW-Authenticate; "" asserts absence
	setCookies  []string // exact Set-Cookie lines, in order
	subject     string   // with status 200: the session's subject; "" asserts anonymous
	source      core.Source
	cookieName  string
	errorKind   string // with CustomErrorHandler: ErrorKind of the error
	errorCode   string // "error" member of the default JSON body
	retryAfter  bool
	warnLogged  bool // a warning naming OlderCookieDomain was logged
	noWarnCheck bool
}

type testCase struct {
	name  string
	cfg   func(f *Fixture, c *core.Config)
	opts  Options
	after func(f *Fixture)                               // runs after the gate is built, before the request
	req   func(f *Fixture, t *testing.T) (req, []string) // the request and the tokens it carries
	want  want
}

// Run runs every conformance case against target.
func Run(t *testing.T, target Target) {
	f := NewFixture(t)
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			f.FlakyDown.Store(false)
			f.logs.take()
			cfg := f.Config()
			if tc.cfg != nil {
				tc.cfg(f, &cfg)
			}
			base := target(t, f.Gate(t, cfg), tc.opts)
			if tc.after != nil {
				tc.after(f)
			}
			r, tokens := tc.req(f, t)
			check(t, f, base, r, tokens, tc.want)
		})
	}
}

// Count returns how many cases Run runs.
func Count() int { return len(cases()) }

func check(t *testing.T, f *Fixture, base string, r req, tokens []string, w want) {
	t.Helper()
	resp, body := send(t, base, r)
	if resp.StatusCode != w.status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, w.status, body)
	}
	if got := strings.Join(resp.Header.Values("WWW-Authenticate"), " | "); got != w.wwwAuth {
		t.Errorf("WWW-Authenticate = %q, want %q", got, w.wwwAuth)
	}
	if got := resp.Header.Values("Set-Cookie"); strings.Join(got, "\n") != strings.Join(w.setCookies, "\n") {
		t.Errorf("Set-Cookie lines =\n  %q\nwant\n  %q", got, w.setCookies)
	}
	for _, tok := range tokens {
		if tok != "" && (strings.Contains(string(body), tok) || strings.Contains(strings.Join(resp.Header.Values("WWW-Authenticate"), ""), tok)) {
			t.Errorf("the response leaks the token")
		}
	}
	if logs := f.logs.take(); !w.noWarnCheck {
		for _, tok := range tokens {
			if tok != "" && strings.Contains(logs, tok) {
				t.Errorf("a log line leaks the token")
			}
		}
		if got := strings.Contains(logs, "OlderCookieDomain"); got != w.warnLogged {
			t.Errorf("warning naming OlderCookieDomain logged = %v, want %v; logs: %s", got, w.warnLogged, logs)
		}
	}
	if w.retryAfter != (resp.Header.Get("Retry-After") != "") {
		t.Errorf("Retry-After = %q, want present=%v", resp.Header.Get("Retry-After"), w.retryAfter)
	}
	switch {
	case w.errorKind != "":
		if string(body) != w.errorKind {
			t.Errorf("custom error handler got %q, want %q", body, w.errorKind)
		}
	case w.status == http.StatusOK:
		var got reply
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("handler body %q is not a Reply: %v", body, err)
		}
		if w.subject == "" {
			if got.Session || got.ContextSession {
				t.Errorf("want an anonymous request, the handler saw a session: %s", body)
			}
			return
		}
		if !got.Session || got.Subject != w.subject {
			t.Errorf("adapter accessor: session=%v subject=%q, want %q", got.Session, got.Subject, w.subject)
		}
		if !got.ContextSession || got.ContextSubject != w.subject {
			t.Errorf("context.Context accessor: session=%v subject=%q, want %q", got.ContextSession, got.ContextSubject, w.subject)
		}
		if core.Source(got.Source) != w.source {
			t.Errorf("source = %q, want %q", got.Source, w.source)
		}
		if got.CookieName != w.cookieName {
			t.Errorf("cookie name = %q, want %q", got.CookieName, w.cookieName)
		}
	default:
		var got struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("error body %q is not JSON: %v", body, err)
		}
		if got.Error != w.errorCode || got.Description == "" {
			t.Errorf("error body = %s, want error %q with a description", body, w.errorCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
	}
}

func send(t *testing.T, base string, r req) (*http.Response, []byte) {
	t.Helper()
	method, path := r.method, r.path
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/api/me"
	}
	return Send(t, method, base+path, r.headers...)
}

// Send sends one request with the headers as given (a name repeated makes
// repeated header lines; names are sent as written), does not follow
// redirects, and returns the response with its whole body. Any transport
// error fails the test.
func Send(t testing.TB, method, url string, headers ...[2]string) (*http.Response, []byte) {
	t.Helper()
	return SendWith(t, &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, method, url, headers...)
}

// SendWith is Send through client (e.g. one that keeps a single connection).
func SendWith(t testing.TB, client *http.Client, method, url string, headers ...[2]string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		hr.Header[h[0]] = append(hr.Header[h[0]], h[1])
	}
	resp, err := client.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// helpers building requests and expectations

func authz(v string) [2]string      { return [2]string{"Authorization", v} }
func cookie(v string) [2]string     { return [2]string{"Cookie", v} }
func hdr(k, v string) [2]string     { return [2]string{k, v} }
func bearerOf(tok string) [2]string { return authz("Bearer " + tok) }

func ok(sub string, src core.Source) want {
	w := want{status: 200, subject: sub, source: src}
	if src == core.SourceCookie {
		w.cookieName = CookieName
	}
	return w
}

func okCookie(sub, name string) want {
	return want{status: 200, subject: sub, source: core.SourceCookie, cookieName: name}
}

const noTokenAuth = "Bearer"

func invalid(desc string) want {
	return want{status: 401, wwwAuth: `Bearer error="invalid_token", error_description="` + desc + `"`, errorCode: "invalid_token"}
}

var noToken = want{status: 401, wwwAuth: noTokenAuth, errorCode: "unauthorized"}

func clearOn(domain string) string {
	if domain == "" {
		return CookieName + "=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
	}
	return CookieName + "=; Path=/; Domain=" + domain + "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
}

func withOlder(d string) func(*Fixture, *core.Config) {
	return func(_ *Fixture, c *core.Config) {
		c.CookieDomain = "example.test"
		if d == "" {
			c.OlderCookieHostOnly = true
		} else {
			c.OlderCookieDomain = d
		}
	}
}

func valid(f *Fixture, t *testing.T, sub string) string {
	return f.Token(t, devissuer.Claims{Subject: sub})
}

func expired(f *Fixture, t *testing.T, sub string) string {
	return f.Token(t, devissuer.Claims{Subject: sub, IssuedAt: time.Now().Add(-time.Hour), TTL: 30 * time.Minute})
}

// single builds a req function for one token made by mk and headers made from it.
func single(method string, mk func(f *Fixture, t *testing.T) string, hs func(tok string) [][2]string) func(*Fixture, *testing.T) (req, []string) {
	return func(f *Fixture, t *testing.T) (req, []string) {
		tok := mk(f, t)
		return req{method: method, headers: hs(tok)}, []string{tok}
	}
}

func validAs(sub string) func(*Fixture, *testing.T) string {
	return func(f *Fixture, t *testing.T) string { return valid(f, t, sub) }
}

func expiredAs(sub string) func(*Fixture, *testing.T) string {
	return func(f *Fixture, t *testing.T) string { return expired(f, t, sub) }
}

func inBearer(tok string) [][2]string { return [][2]string{bearerOf(tok)} }
func inCookie(tok string) [][2]string { return [][2]string{cookie(CookieName + "=" + tok)} }

// noneAlg returns tok re-headed with alg "none" and no signature.
func noneAlg(tok string) string {
	parts := strings.Split(tok, ".")
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return h + "." + parts[1] + "."
}

// tamper flips the payload so the signature no longer matches.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = bytes.Replace(payload, []byte(`"sub":"`), []byte(`"sub":"x`), 1)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

// withHeader returns tok with extra JOSE header members (signature now invalid
// unless the check happens before the signature, as crit must).
func withHeader(tok, member string) string {
	parts := strings.Split(tok, ".")
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	h = append(h[:len(h)-1], []byte(","+member+"}")...)
	return base64.RawURLEncoding.EncodeToString(h) + "." + parts[1] + "." + parts[2]
}

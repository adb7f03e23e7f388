package sessions_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// endpointsEnv is a manager and a gate for endpoint tests that need no
// HTTP server.
func endpointsEnv(t *testing.T, gateCfg core.Config) (*sessions.Manager, *core.Gate) {
	t.Helper()
	m, err := sessions.New(context.Background(), sessions.Config{
		Issuer: "https://api.example.test", Store: memstore.New(), Secret: [][]byte{[]byte("an endpoints test secret of 32+ bytes")},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	gateCfg.Issuers = []core.Issuer{m.Issuer()}
	g, err := core.New(gateCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return m, g
}

func TestNewEndpointsRefusesBadConfig(t *testing.T) {
	m, g := endpointsEnv(t, core.Config{CookieNames: []string{"sg_access"}})
	_, corbado := endpointsEnv(t, core.Config{CookieNames: []string{"cbo_short_session"}})
	_, insecure := endpointsEnv(t, core.Config{CookieNames: []string{"sg_access"}, Cookie: core.CookieAttributes{Insecure: true}})
	verify := func(context.Context, string) (*core.Session, error) { return nil, errors.New("no") }
	for _, c := range []struct {
		name, field string
		m           *sessions.Manager
		cfg         sessions.EndpointsConfig
	}{
		{"no manager", "Manager", nil, sessions.EndpointsConfig{Gate: g}},
		{"no gate", "Gate", m, sessions.EndpointsConfig{}},
		{"base path without a slash", "BasePath", m, sessions.EndpointsConfig{Gate: g, BasePath: "auth"}},
		{"base path ending in a slash", "BasePath", m, sessions.EndpointsConfig{Gate: g, BasePath: "/auth/"}},
		{"base path with a query", "BasePath", m, sessions.EndpointsConfig{Gate: g, BasePath: "/auth?x"}},
		{"base path with an escape", "BasePath", m, sessions.EndpointsConfig{Gate: g, BasePath: "/a%2Fb"}},
		{"base path starting //", "BasePath", m, sessions.EndpointsConfig{Gate: g, BasePath: "//auth"}},
		{"access cookie not the gate's", "Cookies.Access", m, sessions.EndpointsConfig{Gate: g, Cookies: sessions.CorbadoCookies()}},
		{"default names on a Corbado gate", "Cookies.Access", m, sessions.EndpointsConfig{Gate: corbado}},
		{"refresh cookie not a token", "Cookies.Refresh", m, sessions.EndpointsConfig{Gate: g, Cookies: sessions.CookieNames{Access: "sg_access", Refresh: "a b"}}},
		{"refresh cookie empty", "Cookies.Refresh", m, sessions.EndpointsConfig{Gate: g, Cookies: sessions.CookieNames{Access: "sg_access"}}},
		{"refresh cookie named as the access cookie", "Cookies.Refresh", m, sessions.EndpointsConfig{Gate: g, Cookies: sessions.CookieNames{Access: "sg_access", Refresh: "SG_ACCESS"}}},
		{"__Host- refresh cookie (its path is not /)", "Cookies.Refresh", m, sessions.EndpointsConfig{Gate: g, Cookies: sessions.CookieNames{Access: "sg_access", Refresh: "__Host-r"}}},
		{"__Secure- refresh cookie on an insecure gate", "Cookies.Refresh", m, sessions.EndpointsConfig{Gate: insecure, Cookies: sessions.CookieNames{Access: "sg_access", Refresh: "__Secure-r"}}},
		{"both provider kinds", "ProviderGate", m, sessions.EndpointsConfig{Gate: g, Provider: verify, ProviderGate: g}},
		{"absolute default redirect", "DefaultRedirect", m, sessions.EndpointsConfig{Gate: g, DefaultRedirect: "https://evil.example/"}},
		{"protocol-relative redirect path", "RedirectPaths[1]", m, sessions.EndpointsConfig{Gate: g, RedirectPaths: []string{"/app", "//evil"}}},
		{"redirect path with a query", "RedirectPaths[0]", m, sessions.EndpointsConfig{Gate: g, RedirectPaths: []string{"/app?x=1"}}},
		{"negative body bound", "MaxBodyBytes", m, sessions.EndpointsConfig{Gate: g, MaxBodyBytes: -1}},
		{"body bound over 1 MiB", "MaxBodyBytes", m, sessions.EndpointsConfig{Gate: g, MaxBodyBytes: 2 << 20}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ep, err := sessions.NewEndpoints(c.m, c.cfg)
			var ce *core.ConfigError
			if ep != nil || !errors.Is(err, core.ErrConfig) || !errors.As(err, &ce) || ce.Field != c.field {
				t.Fatalf("NewEndpoints = %v, %v; want a config error naming %s", ep, err, c.field)
			}
		})
	}
}

func TestNewEndpointsAcceptsPresetsAndSecurePrefix(t *testing.T) {
	m, corbado := endpointsEnv(t, core.Config{CookieNames: []string{"cbo_short_session"}})
	if _, err := sessions.NewEndpoints(m, sessions.EndpointsConfig{Gate: corbado, Cookies: sessions.CorbadoCookies()}); err != nil {
		t.Fatalf("Corbado names: %v", err)
	}
	_, g := endpointsEnv(t, core.Config{CookieNames: []string{"sg_access"}})
	if _, err := sessions.NewEndpoints(m, sessions.EndpointsConfig{Gate: g, BasePath: "/api/v1/auth", Cookies: sessions.CookieNames{Access: "sg_access", Refresh: "__Secure-sg_refresh"}}); err != nil {
		t.Fatalf("__Secure- refresh cookie: %v", err)
	}
}

// serve answers one request to ep without a server.
func serve(ep core.Endpoint, method, target string, header ...string) core.Response {
	r, _ := http.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return ep.ServeEndpoint(context.Background(), core.EndpointRequest{Request: core.HTTPRequest(r), RemoteAddr: "192.0.2.1:4321"})
}

func TestEndpointsWithoutProviderHaveNoExchange(t *testing.T) {
	m, g := endpointsEnv(t, core.Config{CookieNames: []string{"sg_access"}})
	ep, err := sessions.NewEndpoints(m, sessions.EndpointsConfig{Gate: g})
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"GET", "POST"} {
		if r := serve(ep, method, "/auth/exchange?token=x"); r.Status != http.StatusNotFound {
			t.Errorf("%s /auth/exchange without a provider: %d, want 404", method, r.Status)
		}
	}
	if r := serve(ep, "POST", "/other/refresh"); r.Status != http.StatusNotFound {
		t.Errorf("a path outside the base: %d, want 404", r.Status)
	}
}

// TestRefreshRecordsClientAndRefusesTwoAuthorizations: the session's
// metadata comes from ClientIP and User-Agent, and a request with two
// Authorization lines is refused before any token is looked at.
func TestRefreshRecordsClientAndRefusesTwoAuthorizations(t *testing.T) {
	m, g := endpointsEnv(t, core.Config{CookieNames: []string{"sg_access"}})
	ep, err := sessions.NewEndpoints(m, sessions.EndpointsConfig{Gate: g, ClientIP: func(r core.EndpointRequest) string {
		return r.Header("X-Test-Client")[0]
	}})
	if err != nil {
		t.Fatal(err)
	}
	is, err := m.Create(context.Background(), sessions.Identity{Subject: "alice"}, sessions.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	r := serve(ep, "POST", "/auth/refresh", "Authorization", "Bearer "+is.RefreshToken, "Authorization", "Bearer "+is.RefreshToken, "X-Test-Client", "198.51.100.7")
	if r.Status != http.StatusBadRequest || strings.Contains(string(r.Body), is.RefreshToken) {
		t.Fatalf("two Authorization lines: %d %s, want 400 without the token", r.Status, r.Body)
	}
	ua := strings.Repeat("é", 200) // 400 bytes: cut at a rune boundary
	r = serve(ep, "POST", "/auth/refresh", "Authorization", "Bearer "+is.RefreshToken, "X-Test-Client", "198.51.100.7", "User-Agent", ua)
	if r.Status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	list, err := m.List(context.Background(), "alice")
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if list[0].IP != "198.51.100.7" || !strings.HasPrefix(ua, list[0].UserAgent) || len(list[0].UserAgent) < 200 {
		t.Errorf("metadata IP %q UserAgent %q, want the ClientIP's and a prefix of the User-Agent", list[0].IP, list[0].UserAgent)
	}
}

// TestDefaultClientIPIsTheRemoteHost: without ClientIP, the peer's address
// without port is recorded (a proxy's forwarding headers are not trusted).
func TestDefaultClientIPIsTheRemoteHost(t *testing.T) {
	m, g := endpointsEnv(t, core.Config{CookieNames: []string{"sg_access"}})
	ep, err := sessions.NewEndpoints(m, sessions.EndpointsConfig{Gate: g})
	if err != nil {
		t.Fatal(err)
	}
	is, _ := m.Create(context.Background(), sessions.Identity{Subject: "bob"}, sessions.Meta{})
	if r := serve(ep, "POST", "/auth/refresh", "Authorization", "Bearer "+is.RefreshToken, "X-Forwarded-For", "203.0.113.9"); r.Status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	if list, _ := m.List(context.Background(), "bob"); len(list) != 1 || list[0].IP != "192.0.2.1" {
		t.Errorf("List = %+v, want IP 192.0.2.1", list)
	}
}

// TestExchangeProviderFuncAndMapUser: a Provider function's key outage is
// 503 and any other refusal 401; a MapUser error is 403 with a fixed body;
// the mapped identity is the session's subject.
func TestExchangeProviderFuncAndMapUser(t *testing.T) {
	m, g := endpointsEnv(t, core.Config{CookieNames: []string{"sg_access"}})
	provider := func(_ context.Context, tok string) (*core.Session, error) {
		switch tok {
		case "keys-down":
			return nil, &core.Error{Kind: core.ErrKeysUnavailable}
		case "forged":
			return nil, &core.Error{Kind: core.ErrSignature}
		}
		return &core.Session{Subject: tok, Issuer: "https://idp.example"}, nil
	}
	mapUser := func(_ context.Context, p *core.Session) (sessions.Identity, error) {
		if p.Subject == "mallory" {
			return sessions.Identity{}, errors.New("banned user mallory")
		}
		return sessions.Identity{Subject: "app:" + p.Subject}, nil
	}
	ep, err := sessions.NewEndpoints(m, sessions.EndpointsConfig{Gate: g, Provider: provider, MapUser: mapUser})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tok    string
		status int
		code   string
	}{
		{"keys-down", http.StatusServiceUnavailable, "temporarily_unavailable"},
		{"forged", http.StatusUnauthorized, "invalid_token"},
		{"mallory", http.StatusForbidden, "access_denied"},
		{"alice", http.StatusOK, ""},
	} {
		r := serve(ep, "POST", "/auth/exchange", "Authorization", "Bearer "+c.tok)
		if r.Status != c.status || r.Code != c.code || (c.code != "" && strings.Contains(string(r.Body), c.tok)) {
			t.Errorf("exchange %s: %d %q %s, want %d %q without the token", c.tok, r.Status, r.Code, r.Body, c.status, c.code)
		}
	}
	if list, err := m.List(context.Background(), "app:alice"); err != nil || len(list) != 1 {
		t.Errorf("sessions of app:alice = %v, %v; want the one exchange made", list, err)
	}
}

// TestEndpointsAnswer500WhenACallbackPanics: a panic in the app's Provider,
// MapUser or ClientIP is answered 500 by the framework-free entry itself,
// so a fasthttp server (which does not recover handlers) keeps running, and
// the log names neither the token nor the panic's text.
func TestEndpointsAnswer500WhenACallbackPanics(t *testing.T) {
	m, g := endpointsEnv(t, core.Config{CookieNames: []string{"sg_access"}})
	const tok = "provider-token-with-secret-stuff"
	boom := func() { panic("boom: " + tok) }
	var logs strings.Builder
	for i, cfg := range []sessions.EndpointsConfig{
		{Provider: func(context.Context, string) (*core.Session, error) { boom(); return nil, nil }},
		{
			Provider: func(context.Context, string) (*core.Session, error) { return &core.Session{Subject: "alice"}, nil },
			MapUser: func(context.Context, *core.Session) (sessions.Identity, error) {
				boom()
				return sessions.Identity{}, nil
			},
		},
		{
			Provider: func(context.Context, string) (*core.Session, error) { return &core.Session{Subject: "bob"}, nil },
			ClientIP: func(core.EndpointRequest) string { boom(); return "" },
		},
	} {
		cfg.Gate = g
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		ep, err := sessions.NewEndpoints(m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		r := serve(ep, "POST", "/auth/exchange", "Authorization", "Bearer "+tok+strconv.Itoa(i)) // a token per case: exchange uses it up
		if r.Status != http.StatusInternalServerError || strings.Contains(string(r.Body), tok) {
			t.Errorf("a panicking callback: %d %s, want 500 without the token", r.Status, r.Body)
		}
	}
	if !strings.Contains(logs.String(), "endpoint panicked") || strings.Contains(logs.String(), tok) {
		t.Errorf("log %q: want the panic logged without the token", logs.String())
	}
}

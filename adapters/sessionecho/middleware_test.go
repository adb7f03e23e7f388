package sessionecho_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/adapters/sessionecho"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

func anyRoute(e *echo.Echo) {
	e.Any("/*", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
}

var returnHTTPError = sessionecho.ReturnError

func TestHTTPErrorReachesTheAppErrorHandler(t *testing.T) {
	f := adaptertest.NewFixture(t)
	gate := f.Gate(t, f.Config())
	var got error
	base := serve(t, gate, sessionecho.Config{ErrorHandler: returnHTTPError}, func(e *echo.Echo) {
		e.HTTPErrorHandler = func(err error, c echo.Context) {
			got = err
			c.String(http.StatusUnauthorized, "custom page")
		}
		anyRoute(e)
	})
	resp, body := adaptertest.Send(t, http.MethodGet, base+"/api/me")
	if !errors.Is(got, core.ErrNoToken) {
		t.Fatalf("app error handler got %v, want an error matching core.ErrNoToken", got)
	}
	var he *echo.HTTPError
	if !errors.As(got, &he) || he.Code != http.StatusUnauthorized || he.Message != "no session token" {
		t.Errorf("app error handler got %#v, want an *echo.HTTPError 401 \"no session token\"", got)
	}
	if resp.StatusCode != http.StatusUnauthorized || string(body) != "custom page" || resp.Header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("got %d %q WWW-Authenticate %q, want the app's page with the Bearer challenge", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestHTTPErrorWithEchoDefaultErrorHandler(t *testing.T) {
	f := adaptertest.NewFixture(t)
	alice := f.Token(t, devissuer.Claims{Subject: "alice"})
	expired := f.Token(t, devissuer.Claims{Subject: "alice", TTL: -time.Minute})
	keysDown := func(c *core.Config) {
		c.Issuers[0].JWKSURL = f.DownJWKSURL()
		c.JWKS.AllowStartWithoutKeys = true
	}
	rawError := func(_ echo.Context, err error) error { return err }

	for _, tc := range []struct {
		name       string
		cfg        func(*core.Config)
		onError    func(echo.Context, error) error
		debug      bool
		method     string
		headers    [][2]string
		status     int
		wwwAuth    string
		retryAfter string
		noStore    bool
		body       string // exact body; with contains, a substring of it
		contains   bool
	}{
		{name: "no token: 401 with a bare Bearer challenge, not 500",
			status: 401, wwwAuth: "Bearer", noStore: true, body: `{"message":"no session token"}` + "\n"},
		{name: "expired token: 401 with the invalid_token challenge", headers: [][2]string{{"Authorization", "Bearer " + expired}},
			status: 401, wwwAuth: `Bearer error="invalid_token", error_description="the session token has expired"`, noStore: true,
			body: `{"message":"the session token has expired"}` + "\n"},
		{name: "cookie token on a cross-site POST: 403 without a challenge", method: http.MethodPost,
			headers: [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Cookie", adaptertest.CookieName + "=" + alice}},
			status:  403, noStore: true, body: `{"message":"cross-site request with a session cookie refused"}` + "\n"},
		{name: "keys unavailable: 503 with Retry-After", cfg: keysDown, headers: [][2]string{{"Authorization", "Bearer " + alice}},
			status: 503, retryAfter: "5", noStore: true, body: `{"message":"session keys are unavailable, try again later"}` + "\n"},
		{name: "HEAD: 401 with the challenge and no body", method: http.MethodHead,
			status: 401, wwwAuth: "Bearer", noStore: true},
		{name: "debug mode: the body carries the error text but never the token", debug: true, headers: [][2]string{{"Authorization", "Bearer " + expired}},
			status: 401, wwwAuth: `Bearer error="invalid_token", error_description="the session token has expired"`, noStore: true,
			body: "internal=sessiongate: session token expired", contains: true},
		{name: "returning the raw error instead: Echo answers 500 and no challenge is added", onError: rawError,
			status: 500, body: `{"message":"Internal Server Error"}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := f.Config()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			onError := tc.onError
			if onError == nil {
				onError = returnHTTPError
			}
			base := serve(t, f.Gate(t, cfg), sessionecho.Config{ErrorHandler: onError}, func(e *echo.Echo) {
				e.Debug = tc.debug
				anyRoute(e)
			})
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			resp, b := adaptertest.Send(t, method, base+"/api/me", tc.headers...)
			body := string(b)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tc.wwwAuth {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.wwwAuth)
			}
			if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if got := resp.Header.Get("Cache-Control") == "no-store"; got != tc.noStore {
				t.Errorf("Cache-Control = %q, want no-store: %v", resp.Header.Get("Cache-Control"), tc.noStore)
			}
			if body != tc.body && !(tc.contains && strings.Contains(body, tc.body)) {
				t.Errorf("body = %q, want %q", body, tc.body)
			}
			for _, tok := range []string{alice, expired} {
				if strings.Contains(body, tok) {
					t.Error("the body leaks the token")
				}
			}
		})
	}
}

// Echo answers unrouted paths (404), unknown methods (405) and OPTIONS
// without a route (204) after e.Use middleware, so the gate sees them all.
func TestEveryPathAndMethodReachesTheMiddleware(t *testing.T) {
	f := adaptertest.NewFixture(t)
	alice := f.Token(t, devissuer.Claims{Subject: "alice"})
	base := serve(t, f.Gate(t, f.Config()), sessionecho.Config{}, func(e *echo.Echo) {
		e.GET("/api/me", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	})
	for _, tc := range []struct {
		name, method, path string
		withToken          bool
		status             int
	}{
		{"an unknown path without a token is 401, not 404", http.MethodGet, "/nowhere", false, 401},
		{"an unrouted method without a token is 401, not 405", http.MethodPut, "/api/me", false, 401},
		{"a method Echo does not know without a token is 401, not 405", "FOO", "/api/me", false, 401},
		{"OPTIONS without a route and without a token is 401, not 204", http.MethodOptions, "/api/me", false, 401},
		{"an unknown path with a token reaches Echo's 404", http.MethodGet, "/nowhere", true, 404},
		{"an unrouted method with a token reaches Echo's 405", http.MethodPut, "/api/me", true, 405},
		{"OPTIONS with a token reaches Echo's 204", http.MethodOptions, "/api/me", true, 204},
		{"the route with a token is 200", http.MethodGet, "/api/me", true, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hs [][2]string
			if tc.withToken {
				hs = append(hs, [2]string{"Authorization", "Bearer " + alice})
			}
			if resp, body := adaptertest.Send(t, tc.method, base+tc.path, hs...); resp.StatusCode != tc.status {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tc.status, body)
			}
		})
	}
}

func TestFromContextOutsideTheMiddleware(t *testing.T) {
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	if s, ok := sessionecho.FromContext(c); ok || s != nil {
		t.Errorf("FromContext = %v, %v outside the middleware, want nil, false", s, ok)
	}
	c.Set(sessionecho.SessionKey, (*core.Session)(nil))
	if _, ok := sessionecho.FromContext(c); ok {
		t.Error("FromContext reports a nil session as present")
	}
}

// ReturnError replaces core's headers instead of adding to them: an
// ErrorHandler that runs it twice (a retry) still sends one challenge.
func TestReturnErrorTwiceSendsOneChallenge(t *testing.T) {
	f := adaptertest.NewFixture(t)
	twice := func(c echo.Context, err error) error {
		sessionecho.ReturnError(c, err)
		return sessionecho.ReturnError(c, err)
	}
	base := serve(t, f.Gate(t, f.Config()), sessionecho.Config{ErrorHandler: twice}, anyRoute)
	resp, _ := adaptertest.Send(t, http.MethodGet, base+"/api/me")
	for name, want := range map[string][]string{"WWW-Authenticate": {"Bearer"}, "Cache-Control": {"no-store"}} {
		if got := resp.Header.Values(name); resp.StatusCode != 401 || !slices.Equal(got, want) {
			t.Errorf("status %d, %s = %q, want 401 and %q", resp.StatusCode, name, got, want)
		}
	}
}

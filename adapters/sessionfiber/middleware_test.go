package sessionfiber_test

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sessiongate/sessiongate/adapters/sessionfiber"
	"github.com/sessiongate/sessiongate/adapters/sessionfiber/sessionfibertest"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// fixture is a gate that trusts a dev issuer through its static JWKS, with
// the session cookie moved from old.example.test to example.test.
type fixture struct {
	iss  *devissuer.Issuer
	gate *core.Gate
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	iss, err := devissuer.New(devissuer.Config{Issuer: "https://issuer.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	gate, err := core.New(core.Config{
		Issuers:           []core.Issuer{{Name: iss.URL(), JWKS: string(iss.JWKS())}},
		CookieNames:       []string{"sid"},
		CookieDomain:      "example.test",
		OlderCookieDomain: "old.example.test",
		QueryParam:        "access_token",
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gate.Close() })
	return &fixture{iss: iss, gate: gate}
}

func (f *fixture) token(t *testing.T, sub string, ttl time.Duration) string {
	t.Helper()
	tok, err := f.iss.Mint(devissuer.Claims{Subject: sub, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// app serves the middleware built from cfg in front of h.
func (f *fixture) app(t *testing.T, appCfg fiber.Config, cfg sessionfiber.Config, h fiber.Handler) string {
	t.Helper()
	mw, err := sessionfiber.New(f.gate, cfg)
	if err != nil {
		t.Fatal(err)
	}
	appCfg.DisableStartupMessage = true
	app := fiber.New(appCfg)
	app.Use(mw)
	app.All("/*", h)
	return sessionfibertest.Serve(t, app)
}

func get(t *testing.T, method, url string, kv ...string) (*http.Response, string) {
	t.Helper()
	return getWith(t, http.DefaultClient, method, url, kv...)
}

func getWith(t *testing.T, client *http.Client, method, url string, kv ...string) (*http.Response, string) {
	t.Helper()
	var headers [][2]string
	for i := 0; i+1 < len(kv); i += 2 {
		headers = append(headers, [2]string{kv[i], kv[i+1]})
	}
	resp, body := adaptertest.SendWith(t, client, method, url, headers...)
	return resp, string(body)
}

func TestNewRefusesNilGate(t *testing.T) {
	h, err := sessionfiber.New(nil, sessionfiber.Config{})
	var ce *core.ConfigError
	if h != nil || !errors.As(err, &ce) || ce.Field != "gate" || !errors.Is(err, core.ErrConfig) {
		t.Fatalf("New(nil) = %v, %v; want a *core.ConfigError for field gate", h != nil, err)
	}
}

// A response that clears sid on the older domain and sets sid on the new one
// carries two Set-Cookie lines of one name. fasthttp's SetCookie (and so
// c.Cookie) keeps one cookie per name; Header.Add keeps every line.
func TestSetCookieLinesOfOneNameOnTwoDomains(t *testing.T) {
	f := newFixture(t)
	clearOld := "sid=; Path=/; Domain=old.example.test; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
	setNew := "sid=new; Path=/; Domain=example.test; HttpOnly; Secure; SameSite=Lax"
	// A duplicated session cookie makes core clear the older domain.
	dup := func(t *testing.T) []string {
		return []string{"Cookie", "sid=" + f.token(t, "alice", time.Hour) + "; sid=" + f.token(t, "alice", -time.Minute)}
	}

	t.Run("the middleware's clearing line and a login's line written with Header.Add both arrive", func(t *testing.T) {
		base := f.app(t, fiber.Config{}, sessionfiber.Config{}, func(c *fiber.Ctx) error {
			c.Response().Header.Add(fiber.HeaderSetCookie, f.gate.Cookies().Set("sid", "new", time.Time{}).String())
			return nil
		})
		resp, body := get(t, "GET", base+"/login", dup(t)...)
		if got := resp.Header.Values("Set-Cookie"); resp.StatusCode != 200 || !slices.Equal(got, []string{clearOld, setNew}) {
			t.Fatalf("status %d, Set-Cookie lines =\n  %q\nwant\n  %q\nbody %s", resp.StatusCode, got, []string{clearOld, setNew}, body)
		}
	})

	t.Run("two same-name Set-Cookie lines both arrive when written with Header.Add", func(t *testing.T) {
		lines := []string{f.gate.Cookies().ClearOlder("sid").String(), f.gate.Cookies().Set("sid", "new", time.Time{}).String()}
		base := f.app(t, fiber.Config{}, sessionfiber.Config{Optional: true}, func(c *fiber.Ctx) error {
			for _, line := range lines {
				c.Response().Header.Add(fiber.HeaderSetCookie, line)
			}
			return nil
		})
		resp, _ := get(t, "GET", base+"/")
		if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, []string{clearOld, setNew}) {
			t.Fatalf("Set-Cookie lines = %q, want %q", got, []string{clearOld, setNew})
		}
	})

	t.Run("c.Cookie of the same name replaces the middleware's line (why nothing here uses it)", func(t *testing.T) {
		base := f.app(t, fiber.Config{}, sessionfiber.Config{}, func(c *fiber.Ctx) error {
			c.Cookie(&fiber.Cookie{Name: "sid", Value: "new", Domain: "example.test", Path: "/"})
			return nil
		})
		resp, _ := get(t, "GET", base+"/login", dup(t)...)
		if got := resp.Header.Values("Set-Cookie"); len(got) != 1 || !strings.HasPrefix(got[0], "sid=new") {
			t.Fatalf("Set-Cookie lines = %q; fasthttp no longer keeps one cookie per name: revisit the README", got)
		}
	})
}

// WriteError's answer is core.ErrorResponse, as net/http writes it: the same
// status, header values and body bytes.
func TestWriteErrorIsCoreErrorResponse(t *testing.T) {
	errs := map[string]error{
		"no-token":    &core.Error{Kind: core.ErrNoToken},
		"expired":     &core.Error{Kind: core.ErrExpired, Err: errors.New("exp in the past")},
		"two-headers": &core.Error{Kind: core.ErrMalformedRequest},
		"cross-site":  &core.Error{Kind: core.ErrCrossSite},
		"keys":        &core.Error{Kind: core.ErrKeysUnavailable},
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/:kind", func(c *fiber.Ctx) error { return sessionfiber.WriteError(c, errs[c.Params("kind")]) })
	fiberURL := sessionfibertest.Serve(t, app)
	std := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp := core.ErrorResponse(errs[strings.TrimPrefix(r.URL.Path, "/")]) // as sessionhttp.WriteError
		for _, h := range resp.Header {
			w.Header().Add(h[0], h[1])
		}
		w.WriteHeader(resp.Status)
		w.Write(resp.Body)
	}))
	t.Cleanup(std.Close)

	for kind, err := range errs {
		t.Run(kind, func(t *testing.T) {
			want := core.ErrorResponse(err)
			got, gotBody := get(t, "GET", fiberURL+"/"+kind)
			std, stdBody := get(t, "GET", std.URL+"/"+kind)
			if got.StatusCode != want.Status || gotBody != string(want.Body) {
				t.Errorf("fiber answered %d %q, want %d %q", got.StatusCode, gotBody, want.Status, want.Body)
			}
			for _, h := range want.Header {
				if v := got.Header.Values(h[0]); !slices.Equal(v, []string{h[1]}) {
					t.Errorf("%s = %q, want exactly %q", h[0], v, h[1])
				}
			}
			got.Header.Del("Date")
			std.Header.Del("Date")
			if !maps.EqualFunc(got.Header, std.Header, slices.Equal) || gotBody != stdBody || got.StatusCode != std.StatusCode {
				t.Errorf("fiber and net/http differ:\n fiber    %d %v %q\n net/http %d %v %q", got.StatusCode, got.Header, gotBody, std.StatusCode, std.Header, stdBody)
			}
		})
	}
}

// ReturnError hands the refusal to the app's fiber ErrorHandler with
// core's status and challenge headers, and never the token.
func TestReturnError(t *testing.T) {
	f := newFixture(t)
	cfg := sessionfiber.Config{ErrorHandler: sessionfiber.ReturnError}
	ok := func(c *fiber.Ctx) error { return c.SendString("ok") }
	expired := f.token(t, "alice", -time.Minute)

	t.Run("fiber's default error handler answers 401 with the challenge, not 500", func(t *testing.T) {
		base := f.app(t, fiber.Config{}, cfg, ok)
		resp, body := get(t, "GET", base+"/", "Authorization", "Bearer "+expired)
		if resp.StatusCode != 401 || body != "the session token has expired" {
			t.Errorf("answer = %d %q, want 401 %q", resp.StatusCode, body, "the session token has expired")
		}
		if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer error="invalid_token", error_description="the session token has expired"` {
			t.Errorf("WWW-Authenticate = %q", got)
		}
		if resp.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("Cache-Control, Content-Type = %q, %q; want no-store and the app's own type", resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
		}
		if strings.Contains(body, expired) {
			t.Error("the body leaks the token")
		}
		resp, _ = get(t, "GET", base+"/")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("no token: %d %q, want 401 with a bare Bearer challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})

	t.Run("an app ErrorHandler sees a *fiber.Error with core's status", func(t *testing.T) {
		var mu sync.Mutex
		var seen []int
		appCfg := fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
			var fe *fiber.Error
			if !errors.As(err, &fe) {
				t.Errorf("app ErrorHandler got %T, want *fiber.Error", err)
				return c.SendStatus(500)
			}
			mu.Lock()
			seen = append(seen, fe.Code)
			mu.Unlock()
			return c.Status(fe.Code).JSON(fiber.Map{"message": fe.Message})
		}}
		base := f.app(t, appCfg, cfg, ok)
		get(t, "GET", base+"/", "Authorization", "Bearer "+expired)
		resp, _ := get(t, "POST", base+"/", "Sec-Fetch-Site", "cross-site", "Cookie", "sid="+f.token(t, "alice", time.Hour))
		if resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type = %q, want the app's application/json", resp.Header.Get("Content-Type"))
		}
		if !slices.Equal(seen, []int{401, 403}) {
			t.Errorf("app ErrorHandler saw statuses %v, want [401 403]", seen)
		}
	})
}

// ReturnError replaces core's headers instead of adding to them: an
// ErrorHandler that runs it twice (a retry) still sends one challenge.
func TestReturnErrorTwiceSendsOneChallenge(t *testing.T) {
	f := newFixture(t)
	twice := func(c *fiber.Ctx, err error) error {
		sessionfiber.ReturnError(c, err)
		return sessionfiber.ReturnError(c, err)
	}
	base := f.app(t, fiber.Config{}, sessionfiber.Config{ErrorHandler: twice}, func(c *fiber.Ctx) error { return nil })
	resp, _ := get(t, "GET", base+"/")
	for name, want := range map[string][]string{"WWW-Authenticate": {"Bearer"}, "Cache-Control": {"no-store"}} {
		if got := resp.Header.Values(name); resp.StatusCode != 401 || !slices.Equal(got, want) {
			t.Errorf("status %d, %s = %q, want 401 and %q", resp.StatusCode, name, got, want)
		}
	}
}

// The session, its token included, is copied out of fasthttp's buffers: it
// stays intact after later requests reuse them on the same connection.
func TestSessionOutlivesTheRequest(t *testing.T) {
	f := newFixture(t)
	for _, immutable := range []bool{false, true} {
		var mu sync.Mutex
		var kept []*core.Session
		base := f.app(t, fiber.Config{Immutable: immutable}, sessionfiber.Config{}, func(c *fiber.Ctx) error {
			s, _ := sessionfiber.FromContext(c)
			mu.Lock()
			kept = append(kept, s)
			mu.Unlock()
			return nil
		})
		client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}} // one connection, reused
		t.Cleanup(client.CloseIdleConnections)
		var sent []string
		for i, sub := range []string{"alice", "bobby", "carol", "david"} { // same length: same buffer offsets
			tok := f.token(t, sub, time.Hour)
			sent = append(sent, tok)
			switch i % 3 {
			case 0:
				getWith(t, client, "GET", base+"/", "Authorization", "Bearer "+tok)
			case 1:
				getWith(t, client, "GET", base+"/", "Cookie", "sid="+tok)
			case 2:
				getWith(t, client, "GET", base+"/?access_token="+tok)
			}
		}
		for i, s := range kept {
			if s == nil || string(s.Token) != sent[i] || s.Subject != []string{"alice", "bobby", "carol", "david"}[i] {
				t.Errorf("Immutable=%v: session %d changed after later requests", immutable, i)
			}
		}
	}
}

// Core decides on the method on the wire: an earlier middleware overriding
// c.Method cannot turn a cross-site POST into a safe GET.
func TestCrossSiteCheckUsesTheWireMethod(t *testing.T) {
	f := newFixture(t)
	mw, err := sessionfiber.New(f.gate, sessionfiber.Config{})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error { c.Method(fiber.MethodGet); return c.Next() })
	app.Use(mw)
	app.All("/*", func(c *fiber.Ctx) error { return c.SendString("ok") })
	resp, _ := get(t, "POST", sessionfibertest.Serve(t, app)+"/", "Sec-Fetch-Site", "cross-site", "Cookie", "sid="+f.token(t, "alice", time.Hour))
	if resp.StatusCode != 403 {
		t.Fatalf("status = %d, want 403", resp.StatusCode)
	}
}

// The session joins the user context an earlier middleware set; it does not
// replace it.
func TestUserContextIsExtended(t *testing.T) {
	type key struct{}
	f := newFixture(t)
	mw, err := sessionfiber.New(f.gate, sessionfiber.Config{})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error {
		c.SetUserContext(context.WithValue(c.UserContext(), key{}, "request-id-1"))
		return c.Next()
	})
	app.Use(mw)
	app.All("/*", func(c *fiber.Ctx) error {
		s, ok := core.SessionFromContext(c.UserContext())
		if !ok || s.Subject != "alice" || c.UserContext().Value(key{}) != "request-id-1" {
			return c.SendStatus(500)
		}
		return c.SendString("ok")
	})
	resp, _ := get(t, "GET", sessionfibertest.Serve(t, app)+"/", "Authorization", "Bearer "+f.token(t, "alice", time.Hour))
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d, want 200 with both context values", resp.StatusCode)
	}
}

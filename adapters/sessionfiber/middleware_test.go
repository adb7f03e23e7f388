package sessionfiber_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sessiongate/sessiongate/adapters/sessionfiber"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// movedGate is the fixture's gate with the session cookie moved from
// old.example.test to example.test, also reading ?access_token.
func movedGate(t *testing.T, f *adaptertest.Fixture) *core.Gate {
	cfg := f.Config()
	cfg.CookieDomain, cfg.OlderCookieDomain, cfg.QueryParam = "example.test", "old.example.test", "access_token"
	return f.Gate(t, cfg)
}

// protect serves h behind the middleware built from gate and cfg, in a fiber
// app built from appCfg, after the handlers in before.
func protect(t *testing.T, gate *core.Gate, cfg sessionfiber.Config, appCfg fiber.Config, h fiber.Handler,
	before ...fiber.Handler) string {
	t.Helper()
	mw, err := sessionfiber.New(gate, cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(appCfg, before...)
	app.Use(mw)
	app.All("/*", h)
	return serve(t, app)
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
	f := adaptertest.NewFixture(t)
	gate := movedGate(t, f)
	clearOld := "sid=; Path=/; Domain=old.example.test; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
	setNew := "sid=new; Path=/; Domain=example.test; HttpOnly; Secure; SameSite=Lax"
	// A duplicated session cookie makes core clear the older domain.
	dup := func(t *testing.T) [2]string {
		fresh := f.Token(t, devissuer.Claims{Subject: "alice"})
		expired := f.Token(t, devissuer.Claims{Subject: "alice", TTL: -time.Minute})
		return [2]string{"Cookie", "sid=" + fresh + "; sid=" + expired}
	}

	t.Run("the middleware's clearing line and a login's line written with Header.Add both arrive", func(t *testing.T) {
		base := protect(t, gate, sessionfiber.Config{}, fiber.Config{}, func(c *fiber.Ctx) error {
			c.Response().Header.Add(fiber.HeaderSetCookie, gate.Cookies().Set("sid", "new", time.Time{}).String())
			return nil
		})
		resp, body := adaptertest.Send(t, "GET", base+"/login", dup(t))
		if got := resp.Header.Values("Set-Cookie"); resp.StatusCode != 200 || !slices.Equal(got, []string{clearOld, setNew}) {
			t.Fatalf("status %d, Set-Cookie lines =\n  %q\nwant\n  %q\nbody %s", resp.StatusCode, got, []string{clearOld, setNew}, body)
		}
	})

	t.Run("two same-name Set-Cookie lines both arrive when written with Header.Add", func(t *testing.T) {
		lines := []string{gate.Cookies().ClearOlder("sid").String(), gate.Cookies().Set("sid", "new", time.Time{}).String()}
		base := protect(t, gate, sessionfiber.Config{Optional: true}, fiber.Config{}, func(c *fiber.Ctx) error {
			for _, line := range lines {
				c.Response().Header.Add(fiber.HeaderSetCookie, line)
			}
			return nil
		})
		resp, _ := adaptertest.Send(t, "GET", base+"/")
		if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, []string{clearOld, setNew}) {
			t.Fatalf("Set-Cookie lines = %q, want %q", got, []string{clearOld, setNew})
		}
	})

	t.Run("c.Cookie of the same name replaces the middleware's line (why nothing here uses it)", func(t *testing.T) {
		base := protect(t, gate, sessionfiber.Config{}, fiber.Config{}, func(c *fiber.Ctx) error {
			c.Cookie(&fiber.Cookie{Name: "sid", Value: "new", Domain: "example.test", Path: "/"})
			return nil
		})
		resp, _ := adaptertest.Send(t, "GET", base+"/login", dup(t))
		if got := resp.Header.Values("Set-Cookie"); len(got) != 1 || !strings.HasPrefix(got[0], "sid=new") {
			t.Fatalf("Set-Cookie lines = %q; fasthttp no longer keeps one cookie per name: revisit the README", got)
		}
	})
}

// ReturnError hands the refusal to the app's fiber ErrorHandler with
// core's status and challenge headers, and never the token.
func TestReturnError(t *testing.T) {
	f := adaptertest.NewFixture(t)
	gate := movedGate(t, f)
	cfg := sessionfiber.Config{ErrorHandler: sessionfiber.ReturnError}
	ok := func(c *fiber.Ctx) error { return c.SendString("ok") }
	expired := f.Token(t, devissuer.Claims{Subject: "alice", TTL: -time.Minute})

	t.Run("fiber's default error handler answers 401 with the challenge, not 500", func(t *testing.T) {
		base := protect(t, gate, cfg, fiber.Config{}, ok)
		resp, body := adaptertest.Send(t, "GET", base+"/", [2]string{"Authorization", "Bearer " + expired})
		if resp.StatusCode != 401 || string(body) != "the session token has expired" {
			t.Errorf("answer = %d %q, want 401 %q", resp.StatusCode, body, "the session token has expired")
		}
		if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer error="invalid_token", error_description="the session token has expired"` {
			t.Errorf("WWW-Authenticate = %q", got)
		}
		if resp.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("Cache-Control, Content-Type = %q, %q; want no-store and the app's own type", resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
		}
		if strings.Contains(string(body), expired) {
			t.Error("the body leaks the token")
		}
		resp, _ = adaptertest.Send(t, "GET", base+"/")
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
		base := protect(t, gate, cfg, appCfg, ok)
		adaptertest.Send(t, "GET", base+"/", [2]string{"Authorization", "Bearer " + expired})
		resp, _ := adaptertest.Send(t, "POST", base+"/", [2]string{"Sec-Fetch-Site", "cross-site"},
			[2]string{"Cookie", "sid=" + f.Token(t, devissuer.Claims{Subject: "alice"})})
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
	f := adaptertest.NewFixture(t)
	twice := func(c *fiber.Ctx, err error) error {
		sessionfiber.ReturnError(c, err)
		return sessionfiber.ReturnError(c, err)
	}
	base := protect(t, f.Gate(t, f.Config()), sessionfiber.Config{ErrorHandler: twice}, fiber.Config{},
		func(c *fiber.Ctx) error { return nil })
	resp, _ := adaptertest.Send(t, "GET", base+"/")
	for name, want := range map[string][]string{"WWW-Authenticate": {"Bearer"}, "Cache-Control": {"no-store"}} {
		if got := resp.Header.Values(name); resp.StatusCode != 401 || !slices.Equal(got, want) {
			t.Errorf("status %d, %s = %q, want 401 and %q", resp.StatusCode, name, got, want)
		}
	}
}

// The session, its token included, is copied out of fasthttp's buffers: it
// stays intact after later requests reuse them on the same connection.
func TestSessionOutlivesTheRequest(t *testing.T) {
	f := adaptertest.NewFixture(t)
	gate := movedGate(t, f)
	for _, immutable := range []bool{false, true} {
		var mu sync.Mutex
		var kept []*core.Session
		base := protect(t, gate, sessionfiber.Config{}, fiber.Config{Immutable: immutable}, func(c *fiber.Ctx) error {
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
			tok := f.Token(t, devissuer.Claims{Subject: sub})
			sent = append(sent, tok)
			switch i % 3 {
			case 0:
				adaptertest.SendWith(t, client, "GET", base+"/", [2]string{"Authorization", "Bearer " + tok})
			case 1:
				adaptertest.SendWith(t, client, "GET", base+"/", [2]string{"Cookie", "sid=" + tok})
			case 2:
				adaptertest.SendWith(t, client, "GET", base+"/?access_token="+tok)
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
	f := adaptertest.NewFixture(t)
	toGET := func(c *fiber.Ctx) error { c.Method(fiber.MethodGet); return c.Next() }
	ok := func(c *fiber.Ctx) error { return c.SendString("ok") }
	base := protect(t, movedGate(t, f), sessionfiber.Config{}, fiber.Config{}, ok, toGET)
	resp, _ := adaptertest.Send(t, "POST", base+"/", [2]string{"Sec-Fetch-Site", "cross-site"},
		[2]string{"Cookie", "sid=" + f.Token(t, devissuer.Claims{Subject: "alice"})})
	if resp.StatusCode != 403 {
		t.Fatalf("status = %d, want 403", resp.StatusCode)
	}
}

// The session joins the user context an earlier middleware set; it does not
// replace it.
func TestUserContextIsExtended(t *testing.T) {
	type key struct{}
	f := adaptertest.NewFixture(t)
	withRequestID := func(c *fiber.Ctx) error {
		c.SetUserContext(context.WithValue(c.UserContext(), key{}, "request-id-1"))
		return c.Next()
	}
	both := func(c *fiber.Ctx) error {
		s, ok := core.SessionFromContext(c.UserContext())
		if !ok || s.Subject != "alice" || c.UserContext().Value(key{}) != "request-id-1" {
			return c.SendStatus(500)
		}
		return c.SendString("ok")
	}
	base := protect(t, movedGate(t, f), sessionfiber.Config{}, fiber.Config{}, both, withRequestID)
	resp, _ := adaptertest.Send(t, "GET", base+"/",
		[2]string{"Authorization", "Bearer " + f.Token(t, devissuer.Claims{Subject: "alice"})})
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d, want 200 with both context values", resp.StatusCode)
	}
}

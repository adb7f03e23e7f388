package sessionfiberv3_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/sessiongate/sessiongate/adapters/sessionfiberv3"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// app serves the middleware built from gate and cfg, after the handlers in
// before, in front of h on every path.
func app(t *testing.T, appCfg fiber.Config, gate *core.Gate, cfg sessionfiberv3.Config, h fiber.Handler, before ...fiber.Handler) string {
	t.Helper()
	mw, err := sessionfiberv3.New(gate, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := fiber.New(appCfg)
	for _, b := range before {
		a.Use(b)
	}
	a.Use(mw)
	a.All("/*", h)
	return serve(t, a)
}

func TestNewRefusesNilGate(t *testing.T) {
	h, err := sessionfiberv3.New(nil, sessionfiberv3.Config{})
	var ce *core.ConfigError
	if h != nil || !errors.As(err, &ce) || ce.Field != "gate" || !errors.Is(err, core.ErrConfig) {
		t.Fatalf("New(nil) = %v, %v; want a *core.ConfigError for field gate", h != nil, err)
	}
}

// ReturnError hands the refusal to the app's fiber ErrorHandler with core's
// status and challenge headers, once even when it runs twice, and never the
// token.
func TestReturnError(t *testing.T) {
	f := adaptertest.NewFixture(t)
	gate := f.Gate(t, f.Config())
	expired := f.Token(t, devissuer.Claims{Subject: "alice", TTL: -time.Minute})
	ok := func(c fiber.Ctx) error { return c.SendString("ok") }

	t.Run("fiber's default error handler answers 401 with one challenge, not 500", func(t *testing.T) {
		twice := func(c fiber.Ctx, err error) error {
			sessionfiberv3.ReturnError(c, err)
			return sessionfiberv3.ReturnError(c, err)
		}
		base := app(t, fiber.Config{}, gate, sessionfiberv3.Config{ErrorHandler: twice}, ok)
		resp, body := adaptertest.Send(t, http.MethodGet, base+"/", [2]string{"Authorization", "Bearer " + expired})
		if resp.StatusCode != 401 || string(body) != "the session token has expired" || strings.Contains(string(body), expired) {
			t.Errorf("answer = %d %q, want 401 %q", resp.StatusCode, body, "the session token has expired")
		}
		challenge := `Bearer error="invalid_token", error_description="the session token has expired"`
		if got := resp.Header.Values("WWW-Authenticate"); !slices.Equal(got, []string{challenge}) {
			t.Errorf("WWW-Authenticate = %q, want exactly %q", got, challenge)
		}
		if got := resp.Header.Values("Cache-Control"); !slices.Equal(got, []string{"no-store"}) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("Cache-Control, Content-Type = %q, %q; want one no-store and the app's own type", got, resp.Header.Get("Content-Type"))
		}
	})

	t.Run("an app ErrorHandler sees a *fiber.Error with core's status", func(t *testing.T) {
		seen := make(chan int, 1)
		appCfg := fiber.Config{ErrorHandler: func(c fiber.Ctx, err error) error {
			var fe *fiber.Error
			if !errors.As(err, &fe) {
				seen <- 0
				return c.SendStatus(500)
			}
			seen <- fe.Code
			return c.Status(fe.Code).JSON(fiber.Map{"message": fe.Message})
		}}
		base := app(t, appCfg, gate, sessionfiberv3.Config{ErrorHandler: sessionfiberv3.ReturnError}, ok)
		resp, _ := adaptertest.Send(t, http.MethodGet, base+"/")
		if code := <-seen; code != 401 || resp.StatusCode != 401 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("app ErrorHandler saw %d, answer %d %q; want a 401 *fiber.Error and the app's JSON", code, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}

// The session joins the context an earlier middleware set with SetContext;
// handlers find it in c.Context(), not in c itself (whose Value reads Locals).
func TestSessionJoinsTheRequestContext(t *testing.T) {
	type key struct{}
	f := adaptertest.NewFixture(t)
	before := func(c fiber.Ctx) error {
		c.SetContext(context.WithValue(c.Context(), key{}, "request-id-1"))
		return c.Next()
	}
	base := app(t, fiber.Config{}, f.Gate(t, f.Config()), sessionfiberv3.Config{}, func(c fiber.Ctx) error {
		s, ok := core.SessionFromContext(c.Context())
		_, viaCtx := core.SessionFromContext(c)
		if !ok || s.Subject != "alice" || c.Context().Value(key{}) != "request-id-1" || viaCtx {
			return c.SendStatus(500)
		}
		return c.SendString("ok")
	}, before)
	resp, _ := adaptertest.Send(t, http.MethodGet, base+"/", [2]string{"Authorization", "Bearer " + f.Token(t, devissuer.Claims{Subject: "alice"})})
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d, want 200 with both context values in c.Context() and none in c", resp.StatusCode)
	}
}

// Core decides on the method on the wire: an earlier middleware overriding
// c.Method cannot turn a cross-site POST into a safe GET.
func TestCrossSiteCheckUsesTheWireMethod(t *testing.T) {
	f := adaptertest.NewFixture(t)
	override := func(c fiber.Ctx) error { c.Method(fiber.MethodGet); return c.Next() }
	base := app(t, fiber.Config{}, f.Gate(t, f.Config()), sessionfiberv3.Config{}, func(c fiber.Ctx) error { return c.SendString("ok") }, override)
	resp, _ := adaptertest.Send(t, http.MethodPost, base+"/", [2]string{"Sec-Fetch-Site", "cross-site"},
		[2]string{"Cookie", adaptertest.CookieName + "=" + f.Token(t, devissuer.Claims{Subject: "alice"})})
	if resp.StatusCode != 403 {
		t.Fatalf("status = %d, want 403", resp.StatusCode)
	}
}

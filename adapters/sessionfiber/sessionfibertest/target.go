// Package sessionfibertest serves sessionfiber for the sessiongate
// conformance suite (core/adaptertest) and the cross-adapter parity test
// (tests/). Its Target is written once and used by both.
package sessionfibertest

import (
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/sessiongate/sessiongate/adapters/sessionfiber"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

// Target serves a sessionfiber-protected app with fiber's default settings
// as core/adaptertest.Target asks.
func Target(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
	return TargetWith(fiber.Config{})(t, gate, opts)
}

// TargetWith serves the middleware in a fiber app built from appCfg, on a
// real loopback listener, after the handlers in before.
func TargetWith(appCfg fiber.Config, before ...fiber.Handler) adaptertest.Target {
	return func(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
		cfg := sessionfiber.Config{
			Optional: opts.Optional,
			Skipper:  func(c *fiber.Ctx) bool { return opts.Skip(c.Path()) },
		}
		if opts.CustomErrorHandler {
			cfg.ErrorHandler = func(c *fiber.Ctx, err error) error {
				return c.Status(adaptertest.ErrorHandlerStatus).SendString(adaptertest.ErrorKind(err))
			}
		}
		mw, err := sessionfiber.New(gate, cfg)
		if err != nil {
			t.Fatal(err)
		}
		appCfg.DisableStartupMessage = true
		// fasthttp answers 431 to a header over ReadBufferSize (default 4096),
		// before any middleware runs; the suite sends 9000-byte tokens to
		// reach core's MaxTokenSize (8192), so give it room, as an app with
		// large tokens must.
		appCfg.ReadBufferSize = 16 << 10
		app := fiber.New(appCfg)
		for _, h := range before {
			app.Use(h)
		}
		app.Use(mw)
		app.All("/*", func(c *fiber.Ctx) error {
			fromAdapter, _ := sessionfiber.FromContext(c)
			fromContext, _ := core.SessionFromContext(c.UserContext())
			return c.Send(adaptertest.Reply(fromAdapter, fromContext))
		})
		return Serve(t, app)
	}
}

// Serve runs app on a loopback listener until the test ends and returns
// its base URL.
func Serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	return "http://" + ln.Addr().String()
}

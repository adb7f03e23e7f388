package sessionfiberv3_test

import (
	"context"
	"net"
	"testing"

	"github.com/gofiber/fiber/v3"

	"github.com/sessiongate/sessiongate/adapters/sessionfiberv3"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, target(fiber.Config{}))
}

// The adapter reads the request through sessionfasthttp, which copies every
// byte and matches header names in any case, so fiber's buffer and header
// settings, and an earlier middleware that made fasthttp parse the cookies,
// change nothing.
func TestConformanceWhateverTheFiberSettings(t *testing.T) {
	t.Run("Immutable", func(t *testing.T) {
		adaptertest.Run(t, target(fiber.Config{Immutable: true}))
	})
	t.Run("DisableHeaderNormalizing", func(t *testing.T) {
		adaptertest.Run(t, target(fiber.Config{DisableHeaderNormalizing: true}))
	})
	t.Run("cookies parsed by an earlier middleware", func(t *testing.T) {
		adaptertest.Run(t, target(fiber.Config{}, func(c fiber.Ctx) error {
			c.Cookies(adaptertest.CookieName)
			return c.Next()
		}))
	})
}

// target serves the middleware in a fiber v3 app built from appCfg, behind
// the handlers in before, as core/adaptertest.Target asks.
func target(appCfg fiber.Config, before ...fiber.Handler) adaptertest.Target {
	return func(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
		cfg := sessionfiberv3.Config{
			Optional: opts.Optional,
			Strict:   opts.Strict,
			Skipper:  func(c fiber.Ctx) bool { return opts.Skip(c.Path()) },
		}
		if opts.CustomErrorHandler {
			cfg.ErrorHandler = func(c fiber.Ctx, err error) error {
				return c.Status(adaptertest.ErrorHandlerStatus).SendString(adaptertest.ErrorKind(err))
			}
		}
		mw, err := sessionfiberv3.New(gate, cfg)
		if err != nil {
			t.Fatal(err)
		}
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
		app.All("/*", func(c fiber.Ctx) error {
			fromAdapter, _ := sessionfiberv3.FromContext(c)
			fromContext, _ := core.SessionFromContext(c.Context())
			return c.Send(adaptertest.Reply(fromAdapter, fromContext))
		})
		return serve(t, app)
	}
}

// serve runs app on a loopback listener until the test ends and returns its
// base URL.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true})
	t.Cleanup(func() {
		// Shutdown closes the listener and the idle connections at once,
		// then polls every 100ms until their goroutines have counted
		// themselves out; an expired context skips that wait, which
		// otherwise costs every case of the suite 100ms.
		done, cancel := context.WithCancel(context.Background())
		cancel()
		app.ShutdownWithContext(done)
	})
	return "http://" + ln.Addr().String()
}

package sessionfiber_test

import (
	"context"
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/sessiongate/sessiongate/adapters/sessionfiber"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, targetWith(fiber.Config{}))
}

// The adapter copies every byte it hands to core and matches header names
// without regard to case, so fiber's buffer and header settings, and an
// earlier middleware that made fasthttp parse the cookies, change nothing.
func TestConformanceWhateverTheFiberSettings(t *testing.T) {
	t.Run("Immutable", func(t *testing.T) {
		adaptertest.Run(t, targetWith(fiber.Config{Immutable: true}))
	})
	t.Run("DisableHeaderNormalizing", func(t *testing.T) {
		adaptertest.Run(t, targetWith(fiber.Config{DisableHeaderNormalizing: true}))
	})
	t.Run("cookies parsed by an earlier middleware", func(t *testing.T) {
		adaptertest.Run(t, targetWith(fiber.Config{}, func(c *fiber.Ctx) error {
			c.Cookies(adaptertest.CookieName)
			return c.Next()
		}))
	})
}

// targetWith serves a sessionfiber-protected app as adaptertest.Target asks,
// in a fiber app built from appCfg, after the handlers in before.
func targetWith(appCfg fiber.Config, before ...fiber.Handler) adaptertest.Target {
	return func(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
		cfg := sessionfiber.Config{
			Optional: opts.Optional,
			Strict:   opts.Strict,
			Skipper:  func(c *fiber.Ctx) bool { return opts.Skip(c.Path()) },
		}
		if opts.CustomErrorHandler {
			cfg.ErrorHandler = func(c *fiber.Ctx, err error) error {
				return c.Status(adaptertest.ErrorHandlerStatus).SendString(adaptertest.ErrorKind(err))
			}
		}
		// fasthttp answers 431 to a header over ReadBufferSize (default 4096),
		// before any middleware runs; the suite sends 9000-byte tokens to
		// reach core's MaxTokenSize (8192), so give it room, as an app with
		// large tokens must.
		appCfg.ReadBufferSize = 16 << 10
		return protect(t, gate, cfg, appCfg, func(c *fiber.Ctx) error {
			fromAdapter, _ := sessionfiber.FromContext(c)
			fromContext, _ := core.SessionFromContext(c.UserContext())
			return c.Send(adaptertest.Reply(fromAdapter, fromContext))
		}, before...)
	}
}

// newApp is a fiber app from appCfg, quiet at start, running before first.
func newApp(appCfg fiber.Config, before ...fiber.Handler) *fiber.App {
	appCfg.DisableStartupMessage = true
	app := fiber.New(appCfg)
	for _, h := range before {
		app.Use(h)
	}
	return app
}

// serve runs app on a loopback listener until the test ends and returns
// its base URL.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() {
		// An expired context skips fasthttp's 100ms polling for closed
		// connections, which would otherwise cost every case 100ms.
		done, cancel := context.WithCancel(context.Background())
		cancel()
		app.ShutdownWithContext(done)
	})
	return "http://" + ln.Addr().String()
}

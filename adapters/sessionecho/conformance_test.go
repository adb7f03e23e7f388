package sessionecho_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/adapters/sessionecho"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, target)
}

// target serves a sessionecho-protected app as adaptertest.Target asks.
func target(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
	cfg := sessionecho.Config{
		Optional: opts.Optional,
		Strict:   opts.Strict,
		Skipper:  func(c echo.Context) bool { return opts.Skip(c.Request().URL.Path) },
	}
	if opts.CustomErrorHandler {
		cfg.ErrorHandler = func(c echo.Context, err error) error {
			return c.String(adaptertest.ErrorHandlerStatus, adaptertest.ErrorKind(err))
		}
	}
	return serve(t, gate, cfg, func(e *echo.Echo) {
		e.Any("/*", func(c echo.Context) error {
			fromAdapter, _ := sessionecho.FromContext(c)
			fromContext, _ := core.SessionFromContext(c.Request().Context())
			return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, adaptertest.Reply(fromAdapter, fromContext))
		})
	})
}

// serve protects every route of the app that routes builds with a
// middleware made from gate and cfg, and serves it on loopback.
func serve(t *testing.T, gate *core.Gate, cfg sessionecho.Config, routes func(e *echo.Echo)) string {
	t.Helper()
	mw, err := sessionecho.New(gate, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HideBanner = true
	e.Use(mw)
	routes(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestNewRefusesNilGate(t *testing.T) {
	if _, err := sessionecho.New(nil, sessionecho.Config{}); err == nil {
		t.Fatal("New(nil) returned no error")
	}
}

// Package sessionechotest serves sessionecho for the sessiongate conformance suite
// (core/adaptertest) and the cross-adapter parity test (tests/). Its Target
// is written once and used by both.
package sessionechotest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/adapters/sessionecho"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

// Target serves a sessionecho-protected app as core/adaptertest.Target asks.
func Target(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
	cfg := sessionecho.Config{
		Optional: opts.Optional,
		Skipper:  func(c echo.Context) bool { return opts.Skip(c.Request().URL.Path) },
	}
	if opts.CustomErrorHandler {
		cfg.ErrorHandler = func(c echo.Context, err error) error {
			return c.String(adaptertest.ErrorHandlerStatus, adaptertest.ErrorKind(err))
		}
	}
	mw, err := sessionecho.New(gate, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HideBanner = true
	e.Use(mw)
	e.Any("/*", func(c echo.Context) error {
		fromAdapter, _ := sessionecho.FromContext(c)
		fromContext, _ := core.SessionFromContext(c.Request().Context())
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, adaptertest.Reply(fromAdapter, fromContext))
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

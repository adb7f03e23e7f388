// Package sessiongintest serves sessiongin for the sessiongate conformance suite
// (core/adaptertest) and the cross-adapter parity test (tests/). Its Target
// is written once and used by both.
package sessiongintest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessiongate/sessiongate/adapters/sessiongin"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

// Target serves a sessiongin-protected app as core/adaptertest.Target asks.
func Target(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
	gin.SetMode(gin.TestMode)
	cfg := sessiongin.Config{
		Optional: opts.Optional,
		Skipper:  func(c *gin.Context) bool { return opts.Skip(c.Request.URL.Path) },
	}
	if opts.CustomErrorHandler {
		cfg.ErrorHandler = func(c *gin.Context, err error) {
			c.Data(adaptertest.ErrorHandlerStatus, "text/plain; charset=utf-8", []byte(adaptertest.ErrorKind(err)))
		}
	}
	mw, err := sessiongin.New(gate, cfg)
	if err != nil {
		t.Fatal(err)
	}
	handler := func(c *gin.Context) {
		fromAdapter, _ := sessiongin.FromContext(c)
		fromContext, _ := core.SessionFromContext(c.Request.Context())
		c.Data(http.StatusOK, "application/json", adaptertest.Reply(fromAdapter, fromContext))
	}
	engine := gin.New()
	engine.Use(mw)
	// Any covers the common methods (OPTIONS included) on every path;
	// NoRoute catches the rest. Engine middlewares run on both.
	engine.Any("/*path", handler)
	engine.NoRoute(handler)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	return srv.URL
}

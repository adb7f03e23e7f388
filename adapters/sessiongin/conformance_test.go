package sessiongin_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessiongate/sessiongate/adapters/sessiongin"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, target)
}

// target serves a sessiongin-protected app as adaptertest.Target asks.
func target(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
	gin.SetMode(gin.TestMode)
	cfg := sessiongin.Config{
		Optional: opts.Optional,
		Strict:   opts.Strict,
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

func TestNewRefusesNilGate(t *testing.T) {
	_, err := sessiongin.New(nil, sessiongin.Config{})
	var ce *core.ConfigError
	if !errors.As(err, &ce) || ce.Field != "gate" {
		t.Fatalf("New(nil) = %v, want a *core.ConfigError naming gate", err)
	}
}

// TestContextAccessors pins where a handler finds the session: always through
// FromContext and c.Request.Context(); through c itself only with
// ContextWithFallback.
func TestContextAccessors(t *testing.T) {
	gin.SetMode(gin.TestMode)
	f := adaptertest.NewFixture(t)
	gate := f.Gate(t, f.Config())
	tok := f.Token(t, devissuer.Claims{Subject: "alice"})
	for _, tc := range []struct {
		name            string
		fallback        bool
		wantViaGinCtxOK bool
	}{
		{name: "without ContextWithFallback: core.SessionFromContext(c) finds nothing", fallback: false, wantViaGinCtxOK: false},
		{name: "with ContextWithFallback: core.SessionFromContext(c) finds the session", fallback: true, wantViaGinCtxOK: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mw, err := sessiongin.New(gate, sessiongin.Config{})
			if err != nil {
				t.Fatal(err)
			}
			engine := gin.New()
			engine.ContextWithFallback = tc.fallback
			engine.Use(mw)
			ran := false
			engine.GET("/me", func(c *gin.Context) {
				ran = true
				if s, ok := sessiongin.FromContext(c); !ok || s.Subject != "alice" {
					t.Errorf("FromContext = %v, %v; want alice", s, ok)
				}
				if v, _ := c.Get(sessiongin.SessionKey); v == nil {
					t.Errorf("c.Get(SessionKey) is empty")
				}
				if s, ok := core.SessionFromContext(c.Request.Context()); !ok || s.Subject != "alice" {
					t.Errorf("core.SessionFromContext(c.Request.Context()) = %v, %v; want alice", s, ok)
				}
				s, ok := core.SessionFromContext(c)
				if ok != tc.wantViaGinCtxOK || (ok && s.Subject != "alice") {
					t.Errorf("core.SessionFromContext(c) = %v, %v; want ok=%v", s, ok, tc.wantViaGinCtxOK)
				}
				c.Status(http.StatusNoContent)
			})
			r := httptest.NewRequest(http.MethodGet, "/me", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			engine.ServeHTTP(w, r)
			if !ran || w.Code != http.StatusNoContent {
				t.Fatalf("handler ran=%v status=%d; want it to run with 204", ran, w.Code)
			}
		})
	}
}

// TestErrorHandlerAborts pins that a custom ErrorHandler need not abort: the
// middleware does, so the protected handler never runs.
func TestErrorHandlerAborts(t *testing.T) {
	gin.SetMode(gin.TestMode)
	f := adaptertest.NewFixture(t)
	mw, err := sessiongin.New(f.Gate(t, f.Config()), sessiongin.Config{
		ErrorHandler: func(c *gin.Context, err error) { c.String(http.StatusUnauthorized, "no") },
	})
	if err != nil {
		t.Fatal(err)
	}
	engine := gin.New()
	engine.Use(mw)
	engine.GET("/me", func(c *gin.Context) { t.Error("the protected handler ran after a refusal") })
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/me", nil))
	if w.Code != http.StatusUnauthorized || w.Body.String() != "no" {
		t.Fatalf("got %d %q, want 401 \"no\"", w.Code, w.Body.String())
	}
}

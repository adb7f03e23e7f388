package bench

import (
	"net/http"

	"github.com/gin-gonic/gin"
	fiberv2 "github.com/gofiber/fiber/v2"
	fiberv3 "github.com/gofiber/fiber/v3"
	"github.com/labstack/echo/v4"
	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/adapters/sessionecho"
	"github.com/sessiongate/sessiongate/adapters/sessionfiber"
	"github.com/sessiongate/sessiongate/adapters/sessionfiberv3"
	"github.com/sessiongate/sessiongate/adapters/sessiongin"
	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
)

// Frameworks measured, in table order, as named in benchmark names.
var Frameworks = []string{"nethttp", "gin", "echo", "fiber", "fiberv3"}

// FrameworkTitle is how the results name a framework.
var FrameworkTitle = map[string]string{
	"nethttp": "net/http", "gin": "Gin", "echo": "Echo", "fiber": "Fiber v2", "fiberv3": "Fiber v3",
}

// The variants of a framework's app: no auth at all (the baseline),
// sessiongate with its cache (the default) and without, and the peer.
const (
	None     = "none"
	Cached   = "sessiongate"
	Uncached = "sessiongate-uncached"
	Peer     = "peer"
)

// Variants in table order.
var Variants = []string{None, Cached, Uncached, Peer}

// Target is one app: a framework with a variant for one algorithm, serving
// GET /me with 200 "ok". Exactly one of HTTP and Fast is set.
type Target struct {
	HTTP  http.Handler
	Fast  fasthttp.RequestHandler
	Close func()
}

// NewTarget builds framework's app of variant verifying alg's tokens; ok is
// false when the framework has no peer.
func NewTarget(framework, variant, alg string) (t Target, ok bool, err error) {
	t.Close = func() {}
	var gate *core.Gate
	if variant == Cached || variant == Uncached {
		if gate, err = Gate(alg, variant == Uncached); err != nil {
			return t, false, err
		}
		t.Close = func() { gate.Close() }
	}
	switch framework {
	case "nethttp":
		t.HTTP, err = netHTTPApp(variant, gate, alg)
	case "gin":
		t.HTTP, err = ginApp(variant, gate, alg)
	case "echo":
		t.HTTP, err = echoApp(variant, gate, alg)
	case "fiber":
		t.Fast, err = fiberApp(variant, gate, alg)
	case "fiberv3":
		t.Fast, err = fiberv3App(variant, gate, alg)
	}
	return t, err == nil && (t.HTTP != nil || t.Fast != nil), err
}

func ok200(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }

// pick returns the middleware of variant: sessiongate's (ours builds it
// on gate), the peer's for alg, or none (ok false; also when the
// framework has no peer).
func pick[M any](variant string, gate *core.Gate, alg string, ours func(*core.Gate) (M, error), peer func(string) (M, error)) (m M, ok bool, err error) {
	switch {
	case variant == Cached || variant == Uncached:
		m, err = ours(gate)
	case variant == Peer && peer != nil:
		m, err = peer(alg)
	default:
		return m, false, nil
	}
	return m, err == nil, err
}

func netHTTPApp(variant string, gate *core.Gate, alg string) (http.Handler, error) {
	ours := func(g *core.Gate) (func(http.Handler) http.Handler, error) {
		return sessionhttp.New(g, sessionhttp.Config{})
	}
	mw, ok, err := pick(variant, gate, alg, ours, auth0Middleware)
	h := http.Handler(http.HandlerFunc(ok200))
	if ok {
		h = mw(h)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /me", h)
	return mux, err
}

func ginApp(variant string, gate *core.Gate, alg string) (http.Handler, error) {
	gin.SetMode(gin.ReleaseMode)
	ours := func(g *core.Gate) (gin.HandlerFunc, error) { return sessiongin.New(g, sessiongin.Config{}) }
	mw, ok, err := pick(variant, gate, alg, ours, ginJWT)
	var chain []gin.HandlerFunc
	if ok {
		chain = append(chain, mw)
	}
	e := gin.New()
	e.GET("/me", append(chain, func(c *gin.Context) { c.String(http.StatusOK, "ok") })...)
	return e, err
}

func echoApp(variant string, gate *core.Gate, alg string) (http.Handler, error) {
	ours := func(g *core.Gate) (echo.MiddlewareFunc, error) { return sessionecho.New(g, sessionecho.Config{}) }
	mw, ok, err := pick(variant, gate, alg, ours, echoJWT)
	var mws []echo.MiddlewareFunc
	if ok {
		mws = append(mws, mw)
	}
	e := echo.New()
	e.GET("/me", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, mws...)
	return e, err
}

func fiberApp(variant string, gate *core.Gate, alg string) (fasthttp.RequestHandler, error) {
	ours := func(g *core.Gate) (fiberv2.Handler, error) { return sessionfiber.New(g, sessionfiber.Config{}) }
	mw, ok, err := pick(variant, gate, alg, ours, fiberJWT)
	var chain []fiberv2.Handler
	if ok {
		chain = append(chain, mw)
	}
	app := fiberv2.New(fiberv2.Config{DisableStartupMessage: true})
	app.Get("/me", append(chain, func(c *fiberv2.Ctx) error { return c.SendString("ok") })...)
	return app.Handler(), err
}

// fiberv3App has no peer: no JWT middleware for Fiber v3 is on the module
// proxy.
func fiberv3App(variant string, gate *core.Gate, alg string) (fasthttp.RequestHandler, error) {
	if variant == Peer {
		return nil, nil
	}
	ours := func(g *core.Gate) (fiberv3.Handler, error) { return sessionfiberv3.New(g, sessionfiberv3.Config{}) }
	mw, ok, err := pick[fiberv3.Handler](variant, gate, alg, ours, nil)
	final := func(c fiberv3.Ctx) error { return c.SendString("ok") }
	app := fiberv3.New()
	if ok {
		app.Get("/me", mw, final)
	} else {
		app.Get("/me", final)
	}
	return app.Handler(), err
}

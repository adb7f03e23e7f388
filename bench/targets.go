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

func ok(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }

func netHTTPApp(variant string, gate *core.Gate, alg string) (http.Handler, error) {
	h := http.Handler(http.HandlerFunc(ok))
	switch variant {
	case Cached, Uncached:
		mw, err := sessionhttp.New(gate, sessionhttp.Config{})
		if err != nil {
			return nil, err
		}
		h = mw(h)
	case Peer:
		mw, err := auth0Middleware(alg)
		if err != nil {
			return nil, err
		}
		h = mw(h)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /me", h)
	return mux, nil
}

func ginApp(variant string, gate *core.Gate, alg string) (http.Handler, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	var chain []gin.HandlerFunc
	switch variant {
	case Cached, Uncached:
		mw, err := sessiongin.New(gate, sessiongin.Config{})
		if err != nil {
			return nil, err
		}
		chain = append(chain, mw)
	case Peer:
		chain = append(chain, ginJWT(alg))
	}
	chain = append(chain, func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	e.GET("/me", chain...)
	return e, nil
}

func echoApp(variant string, gate *core.Gate, alg string) (http.Handler, error) {
	e := echo.New()
	var mws []echo.MiddlewareFunc
	switch variant {
	case Cached, Uncached:
		mw, err := sessionecho.New(gate, sessionecho.Config{})
		if err != nil {
			return nil, err
		}
		mws = append(mws, mw)
	case Peer:
		mws = append(mws, echoJWT(alg))
	}
	e.GET("/me", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, mws...)
	return e, nil
}

func fiberApp(variant string, gate *core.Gate, alg string) (fasthttp.RequestHandler, error) {
	app := fiberv2.New(fiberv2.Config{DisableStartupMessage: true})
	var chain []fiberv2.Handler
	switch variant {
	case Cached, Uncached:
		mw, err := sessionfiber.New(gate, sessionfiber.Config{})
		if err != nil {
			return nil, err
		}
		chain = append(chain, mw)
	case Peer:
		chain = append(chain, fiberJWT(alg))
	}
	chain = append(chain, func(c *fiberv2.Ctx) error { return c.SendString("ok") })
	app.Get("/me", chain...)
	return app.Handler(), nil
}

func fiberv3App(variant string, gate *core.Gate, _ string) (fasthttp.RequestHandler, error) {
	app := fiberv3.New()
	var chain []any
	switch variant {
	case Cached, Uncached:
		mw, err := sessionfiberv3.New(gate, sessionfiberv3.Config{})
		if err != nil {
			return nil, err
		}
		chain = append(chain, mw)
	case Peer:
		return nil, nil // no JWT middleware for Fiber v3 is on the module proxy
	}
	chain = append(chain, func(c fiberv3.Ctx) error { return c.SendString("ok") })
	app.Get("/me", chain[0], chain[1:]...)
	return app.Handler(), nil
}

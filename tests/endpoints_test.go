package tests

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	fiberv2 "github.com/gofiber/fiber/v2"
	fiberv3 "github.com/gofiber/fiber/v3"
	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/adapters/sessionecho"
	"github.com/sessiongate/sessiongate/adapters/sessionfiber"
	"github.com/sessiongate/sessiongate/adapters/sessionfiberv3"
	"github.com/sessiongate/sessiongate/adapters/sessiongin"
	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions/endpointtest"
)

// The sessions endpoints through every adapter's Endpoint function, with the
// same answers as net/http serving sessions.Endpoints directly. These live
// here rather than in each adapter module: a test there would put the
// sessions module (and its JWT and JOSE dependencies) in every adapter's
// go.mod require list, which users of the adapter would then inherit.

func TestEndpointsNetHTTP(t *testing.T) {
	endpointtest.Run(t, func(t *testing.T, e core.Endpoint) string {
		mux := http.NewServeMux()
		mux.Handle("/auth/", sessionhttp.Endpoint(e))
		return endpointtest.Serve(t, mux)
	})
}

func TestEndpointsGin(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	endpointtest.Run(t, func(t *testing.T, e core.Endpoint) string {
		r := gin.New()
		r.Any("/auth/*path", sessiongin.Endpoint(e))
		return endpointtest.Serve(t, r)
	})
}

func TestEndpointsEcho(t *testing.T) {
	endpointtest.Run(t, func(t *testing.T, e core.Endpoint) string {
		app := echo.New()
		app.HideBanner, app.HidePort = true, true
		app.Any("/auth/*", sessionecho.Endpoint(e))
		return endpointtest.Serve(t, app)
	})
}

func TestEndpointsFiber(t *testing.T) {
	endpointtest.Run(t, func(t *testing.T, e core.Endpoint) string {
		app := fiberv2.New(fiberv2.Config{DisableStartupMessage: true})
		app.All("/auth/*", sessionfiber.Endpoint(e))
		ln := listen(t)
		go app.Listener(ln)
		t.Cleanup(func() { app.ShutdownWithContext(expired()) })
		return "http://" + ln.Addr().String()
	})
}

func TestEndpointsFiberV3(t *testing.T) {
	endpointtest.Run(t, func(t *testing.T, e core.Endpoint) string {
		app := fiberv3.New()
		app.All("/auth/*", sessionfiberv3.Endpoint(e))
		ln := listen(t)
		go app.Listener(ln, fiberv3.ListenConfig{DisableStartupMessage: true})
		t.Cleanup(func() { app.ShutdownWithContext(expired()) })
		return "http://" + ln.Addr().String()
	})
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// expired is a context that has ended: Fiber's Shutdown then closes at once
// instead of polling every 100ms for idle connections to count out.
func expired() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

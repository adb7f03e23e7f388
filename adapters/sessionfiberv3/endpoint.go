package sessionfiberv3

import (
	"github.com/gofiber/fiber/v3"

	"github.com/sessiongate/sessiongate/adapters/sessionfasthttp"
	"github.com/sessiongate/sessiongate/core"
)

// Endpoint mounts a core.Endpoint (such as the sessions module's refresh,
// exchange and revocation endpoints) as a Fiber v3 handler:
// app.All("/auth/*", sessionfiberv3.Endpoint(ep)). The endpoint routes on
// the whole path; Fiber's BodyLimit bounds the body it has read, and the
// endpoint bounds what it uses.
func Endpoint(e core.Endpoint) fiber.Handler {
	return func(c fiber.Ctx) error {
		req := sessionfasthttp.EndpointRequest(c.Request(), c.RequestCtx().RemoteAddr().String())
		sessionfasthttp.WriteResponse(c.Response(), e.ServeEndpoint(c.Context(), req))
		return nil
	}
}

package sessionecho

import (
	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/core"
)

// Endpoint mounts a core.Endpoint (such as the sessions module's refresh,
// exchange and revocation endpoints) as an Echo handler:
// e.Any("/auth/*", sessionecho.Endpoint(ep)). The endpoint routes on the
// whole path and bounds what it reads of the body.
func Endpoint(ep core.Endpoint) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ep.ServeEndpoint(r.Context(), core.EndpointRequest{Request: core.HTTPRequest(r), RemoteAddr: r.RemoteAddr, Body: r.Body}).Write(c.Response())
		return nil
	}
}

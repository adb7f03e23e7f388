package sessiongin

import (
	"github.com/gin-gonic/gin"

	"github.com/sessiongate/sessiongate/core"
)

// Endpoint mounts a core.Endpoint (such as the sessions module's refresh,
// exchange and revocation endpoints) as a Gin handler:
// r.Any("/auth/*path", sessiongin.Endpoint(ep)). The endpoint routes on the
// whole path and bounds what it reads of the body.
func Endpoint(e core.Endpoint) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		e.ServeEndpoint(r.Context(), core.EndpointRequest{Request: core.HTTPRequest(r), RemoteAddr: r.RemoteAddr, Body: r.Body}).Write(c.Writer)
		c.Abort()
	}
}

package sessiongin

import (
	"github.com/gin-gonic/gin"

	"github.com/sessiongate/sessiongate/core"
)

// SessionKey is the gin.Context key (c.Get) under which the middleware
// stores the verified *core.Session.
const SessionKey = "sessiongate.session"

// FromContext returns the session the middleware verified; ok is false for
// an anonymous request in optional mode, a skipped request, or outside the
// middleware.
func FromContext(c *gin.Context) (s *core.Session, ok bool) {
	v, _ := c.Get(SessionKey)
	s, ok = v.(*core.Session)
	return s, ok && s != nil
}

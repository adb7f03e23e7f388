package sessionecho

import (
	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/core"
)

// SessionKey is the echo.Context key the middleware stores the verified
// *core.Session under. Prefer FromContext to reading it with c.Get.
const SessionKey = "sessiongate.session"

// FromContext returns the session the middleware verified; ok is false for
// an anonymous request in optional mode or outside the middleware. The same
// session is in core.SessionFromContext(c.Request().Context()).
func FromContext(c echo.Context) (s *core.Session, ok bool) {
	s, ok = c.Get(SessionKey).(*core.Session)
	return s, ok && s != nil
}

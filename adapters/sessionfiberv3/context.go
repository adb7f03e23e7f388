package sessionfiberv3

import (
	"github.com/gofiber/fiber/v3"

	"github.com/sessiongate/sessiongate/core"
)

// SessionKey is the fiber Locals key the middleware stores the verified
// *core.Session under.
const SessionKey = "sessiongate.session"

// FromContext returns the session the middleware verified; ok is false for an
// anonymous request (optional mode), a skipped one, or outside the middleware.
// The same session is in c.Context() for core.SessionFromContext.
func FromContext(c fiber.Ctx) (s *core.Session, ok bool) {
	s, ok = c.Locals(SessionKey).(*core.Session)
	return s, ok && s != nil
}

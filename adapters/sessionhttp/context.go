package sessionhttp

import (
	"net/http"

	"github.com/sessiongate/sessiongate/core"
)

// FromRequest returns the session the middleware verified; ok is false for
// an anonymous request in optional mode or a skipped one. It is the same as
// core.SessionFromContext(r.Context()).
func FromRequest(r *http.Request) (s *core.Session, ok bool) {
	return core.SessionFromContext(r.Context())
}

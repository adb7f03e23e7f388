package core

import "context"

type sessionKey struct{}

// SessionFromContext returns the session a middleware put in ctx; ok is
// false for an anonymous request (optional mode) or outside the middleware.
func SessionFromContext(ctx context.Context) (s *Session, ok bool) {
	s, ok = ctx.Value(sessionKey{}).(*Session)
	return s, ok && s != nil
}

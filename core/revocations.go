package core

import (
	"context"
	"errors"
)

// Revocations tells a gate about sessions that ended before their access
// tokens expire (Config.Revocations). The sessions module's deny-list
// implements it, fed by its store; any other source of revoked session IDs
// can too.
type Revocations interface {
	// Revoked decides on s, a session whose token the gate has verified:
	// nil lets it through; an error wrapping ErrSessionRevoked refuses it
	// (401); any other error means the answer is not known (a stale feed
	// that fails closed, an unreachable store) and refuses it with
	// ErrRevocationsUnavailable (503). strict asks for an authoritative
	// answer, such as a store lookup, for routes that must not wait for a
	// feed (CheckOptions.Strict). ctx is the request's context.
	Revoked(ctx context.Context, s *Session, strict bool) error
}

// revoked asks the configured Revocations about s.
func (g *Gate) revoked(ctx context.Context, s *Session, strict bool) *Error {
	if g.cfg.Revocations == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	err := g.cfg.Revocations.Revoked(ctx, s, strict)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrSessionRevoked):
		return &Error{Kind: ErrSessionRevoked, Source: s.Source}
	}
	return &Error{Kind: ErrRevocationsUnavailable, Source: s.Source, Err: err}
}

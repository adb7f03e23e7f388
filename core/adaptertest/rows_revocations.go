package adaptertest

import (
	"context"
	"errors"

	"github.com/sessiongate/sessiongate/core"
)

// revocationsBySubject is the Config.Revocations of the revocation rows: it
// answers by the session's subject, so the rows need no store.
type revocationsBySubject struct{}

// Subjects revocationsBySubject answers for; any other passes.
const (
	revokedSubject    = "revoked"    // revoked
	unknowableSubject = "unknowable" // the list cannot tell (a stale feed failing closed)
	strictSubject     = "strict"     // revoked, but only a strict lookup knows yet
)

func (revocationsBySubject) Revoked(ctx context.Context, s *core.Session, strict bool) error {
	switch {
	case ctx == nil:
		return errors.New("no context")
	case s.Subject == revokedSubject, s.Subject == strictSubject && strict:
		return core.ErrSessionRevoked
	case s.Subject == unknowableSubject:
		return errors.New("revocation feed is stale")
	}
	return nil
}

var (
	revokedSession         = invalid(core.ErrSessionRevoked, "the session has been revoked")
	revocationsUnavailable = want{status: 503, kind: core.ErrRevocationsUnavailable, code: "temporarily_unavailable", retry: "5"}
	revocations            = core.Config{Revocations: revocationsBySubject{}}
)

// Config.Revocations and the Strict option
var revocationRows = []row{
	{
		name:   "revocations: a revoked session's bearer token is 401 though genuine",
		config: revocations,
		tokens: []tok{valid(revokedSubject)},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   revokedSession,
	},
	{
		name:   "revocations: a revoked session's cookie is 401 though genuine",
		config: revocations,
		tokens: []tok{valid(revokedSubject)},
		header: headers{{"Cookie", "sid={token}"}},
		want:   revokedSession,
	},
	{
		name:   "revocations: a list that cannot tell is 503, never a pass",
		config: revocations,
		tokens: []tok{valid(unknowableSubject)},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   revocationsUnavailable,
	},
	{
		name:   "revocations: a session the list does not name passes",
		config: revocations,
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "revocations: without Strict a revocation only the store knows yet passes",
		config: revocations,
		tokens: []tok{valid(strictSubject)},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session(strictSubject, core.SourceAuthorization),
	},
	{
		name:   "revocations: the Strict option asks for the store's answer and refuses",
		config: revocations,
		opts:   Options{Strict: true},
		tokens: []tok{valid(strictSubject)},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   revokedSession,
	},
	{
		name:   "revocations: Optional still refuses a revoked session",
		config: revocations,
		opts:   Options{Optional: true},
		tokens: []tok{valid(revokedSubject)},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   revokedSession,
	},
}

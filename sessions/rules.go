package sessions

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// This file holds the rules every Store applies, written once. They are for
// driver authors: the manager never calls them. A driver that reads a
// session and writes it back inside one transaction (memstore, SQLite,
// Postgres) calls Decide, so no two drivers can drift apart; a driver that
// cannot run Go inside its atomic step (Redis runs Lua) mirrors it, and the
// conformance suite pins both to the same rows.

// ReasonReuse is the RevokeReason of a session a store revoked because an
// old refresh token came back (OutcomeReused).
const ReasonReuse = "reuse"

// ErrInvalidFilter: a RevokeFilter that does not set exactly one of ID,
// Subject or All, or sets Except without Subject.
var ErrInvalidFilter = errors.New("sessions: revoke filter must set exactly one of ID, Subject or All (Except only with Subject)")

// Decide applies the rotation rules to session r as the store holds it and
// returns the outcome with the record as it must be stored: changed only for
// OutcomeRotated (the next generation, used at q.Now) and OutcomeReused
// (revoked at q.Now with ReasonReuse, for which the store also appends a
// Revocation in the same atomic step). For driver authors.
func Decide(r Record, q RotateRequest) RotateResult {
	switch {
	case !r.Live(q.Now):
		return RotateResult{Outcome: OutcomeEnded, Record: r}
	case q.Generation > r.Generation:
		return RotateResult{Outcome: OutcomeAhead, Record: r}
	case q.Generation == r.Generation:
		r.Generation++
		r.RotatedAt, r.LastUsed = q.Now, q.Now
		r.IdleExpiresAt = q.Now.Add(q.IdleTimeout)
		if r.IdleExpiresAt.After(r.ExpiresAt) {
			r.IdleExpiresAt = r.ExpiresAt
		}
		r.UserAgent, r.IP = q.UserAgent, q.IP
		return RotateResult{Outcome: OutcomeRotated, Record: r}
	case q.Generation+1 == r.Generation && withinGrace(r.RotatedAt, q.Now, q.Grace):
		return RotateResult{Outcome: OutcomeRepeated, Record: r}
	default:
		r.RevokedAt, r.RevokeReason = q.Now, ReasonReuse
		return RotateResult{Outcome: OutcomeReused, Record: r}
	}
}

// withinGrace reports whether now is less than grace after rotatedAt. A now
// before rotatedAt (another instance's clock running behind) is within.
func withinGrace(rotatedAt, now time.Time, grace time.Duration) bool {
	return !rotatedAt.IsZero() && now.Sub(rotatedAt) < grace
}

// Check returns ErrInvalidFilter unless exactly one of ID, Subject or All is
// set, and Except only with Subject. Stores call it first in Revoke.
func (f RevokeFilter) Check() error {
	set := 0
	for _, b := range []bool{f.ID != "", f.Subject != "", f.All} {
		if b {
			set++
		}
	}
	if set != 1 || (f.Except != "" && f.Subject == "") {
		return ErrInvalidFilter
	}
	return nil
}

// Selects reports whether the filter picks session r (liveness aside).
// For driver authors that filter in Go.
func (f RevokeFilter) Selects(r Record) bool {
	switch {
	case f.All:
		return true
	case f.ID != "":
		return r.ID == f.ID
	default:
		return r.Subject == f.Subject && r.ID != f.Except
	}
}

// StoreError is how a driver returns err, so that every driver sorts
// errors alike: nil and the contract's own errors (ErrNotFound, ErrExists,
// ErrInvalidFilter) as they are; once ctx has ended, ctx's error (the caller
// gave up: errors.Is(err, context.Canceled) holds) with err in the message;
// anything else (no connection, a server or disk error) wrapped with
// ErrStoreUnavailable, err still reachable with errors.Is and errors.As.
// driver prefixes the message. For driver authors.
func StoreError(ctx context.Context, driver string, err error) error {
	switch {
	case err == nil, errors.Is(err, ErrNotFound), errors.Is(err, ErrExists), errors.Is(err, ErrInvalidFilter):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w (%v)", driver, ctx.Err(), err)
	}
	return fmt.Errorf("%s: %w: %w", driver, ErrStoreUnavailable, err)
}

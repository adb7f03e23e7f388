package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessiongate/sessiongate/sessions"
)

// columns of sg_sessions, in the order scanRecord reads them.
const columns = `id, subject, generation, seed, rotated_at, created_at, last_used,
	idle_expires_at, expires_at, user_agent, ip, claims, key_binding, revoked_at, revoke_reason`

// live is the condition of a session that can still be refreshed at $1.
const live = `revoked_at IS NULL AND idle_expires_at > $1 AND expires_at > $1`

func scanRecord(row pgx.Row) (sessions.Record, error) {
	var (
		r                                       sessions.Record
		gen                                     int64
		seed                                    []byte
		rotated, created, used, idle, exp, revd *time.Time
	)
	err := row.Scan(&r.ID, &r.Subject, &gen, &seed, &rotated, &created, &used, &idle, &exp,
		&r.UserAgent, &r.IP, &r.Claims, &r.KeyBinding, &revd, &r.RevokeReason)
	if err != nil {
		return r, err
	}
	r.Generation = uint64(gen)
	copy(r.Seed[:], seed)
	r.RotatedAt, r.CreatedAt, r.LastUsed = fromTS(rotated), fromTS(created), fromTS(used)
	r.IdleExpiresAt, r.ExpiresAt, r.RevokedAt = fromTS(idle), fromTS(exp), fromTS(revd)
	return r, nil
}

// Create stores a new session; sessions.ErrExists when the ID is taken.
func (s *Store) Create(ctx context.Context, r sessions.Record) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO sg_sessions (`+columns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING`,
		r.ID, r.Subject, int64(r.Generation), r.Seed[:], ts(r.RotatedAt), ts(r.CreatedAt), ts(r.LastUsed),
		ts(r.IdleExpiresAt), ts(r.ExpiresAt), r.UserAgent, r.IP, r.Claims, r.KeyBinding, ts(r.RevokedAt), r.RevokeReason)
	if err == nil && tag.RowsAffected() == 0 {
		err = sessions.ErrExists
	}
	return s.fail(ctx, err)
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// get reads one session; lock appends FOR UPDATE (in a transaction).
func get(ctx context.Context, q querier, id string, lock bool) (sessions.Record, error) {
	query := `SELECT ` + columns + ` FROM sg_sessions WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	r, err := scanRecord(q.QueryRow(ctx, query, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, sessions.ErrNotFound
	}
	return r, err
}

// Get returns the session with this ID; sessions.ErrNotFound when none.
func (s *Store) Get(ctx context.Context, id string) (sessions.Record, error) {
	r, err := get(ctx, s.pool, id, false)
	return r, s.fail(ctx, err)
}

// Rotate first tries the common case, the current token of a live session,
// as one conditional UPDATE (one round trip). When that matches no row, it
// locks the row, applies sessions.Decide and writes the result in one
// transaction. Concurrent calls queue on the row lock, and each decides on
// the row as the one before left it (READ COMMITTED re-checks the UPDATE's
// condition after the wait), so exactly one rotates.
func (s *Store) Rotate(ctx context.Context, q sessions.RotateRequest) (sessions.RotateResult, error) {
	r, err := scanRecord(s.pool.QueryRow(ctx, `UPDATE sg_sessions SET generation = generation + 1,
		rotated_at = $3, last_used = $3, idle_expires_at = LEAST($4, expires_at), user_agent = $5, ip = $6
		WHERE id = $1 AND generation = $2 AND revoked_at IS NULL AND idle_expires_at > $3 AND expires_at > $3
		RETURNING `+columns, q.ID, int64(q.Generation), q.Now, q.Now.Add(q.IdleTimeout), q.UserAgent, q.IP))
	switch {
	case err == nil:
		return sessions.RotateResult{Outcome: sessions.OutcomeRotated, Record: r}, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return sessions.RotateResult{}, s.fail(ctx, err)
	}
	return s.rotateLocked(ctx, q)
}

// rotateLocked decides every outcome on the locked row.
func (s *Store) rotateLocked(ctx context.Context, q sessions.RotateRequest) (sessions.RotateResult, error) {
	var res sessions.RotateResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := get(ctx, tx, q.ID, true)
		if err != nil {
			return err
		}
		res = sessions.Decide(r, q)
		switch res.Outcome {
		case sessions.OutcomeRotated:
			_, err = tx.Exec(ctx, `UPDATE sg_sessions SET generation = $2, rotated_at = $3, last_used = $3,
				idle_expires_at = $4, user_agent = $5, ip = $6 WHERE id = $1`,
				q.ID, int64(res.Record.Generation), q.Now, res.Record.IdleExpiresAt, q.UserAgent, q.IP)
		case sessions.OutcomeReused:
			_, err = tx.Exec(ctx, `UPDATE sg_sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1`,
				q.ID, q.Now, sessions.ReasonReuse)
			if err == nil {
				err = appendFeed(ctx, tx, []sessions.Record{res.Record}, sessions.ReasonReuse, q.Now)
			}
		}
		return err
	})
	if err != nil {
		return sessions.RotateResult{}, s.fail(ctx, err)
	}
	return res, nil
}

// ListByUser returns the subject's live sessions, newest first.
func (s *Store) ListByUser(ctx context.Context, subject string, now time.Time) ([]sessions.Record, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+columns+` FROM sg_sessions
		WHERE subject = $2 AND `+live+` ORDER BY created_at DESC, id`, now, subject)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (sessions.Record, error) { return scanRecord(row) })
	return out, s.fail(ctx, err)
}

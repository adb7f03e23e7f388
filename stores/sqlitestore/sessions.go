package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// columns of sg_sessions, in the order scanRecord reads them.
const columns = `id, subject, generation, seed, rotated_at, created_at, last_used,
	idle_expires_at, expires_at, user_agent, ip, claims, key_binding, revoked_at, revoke_reason`

// live is the condition of a session that can still be refreshed at the
// two time parameters given (both now).
const live = `revoked_at IS NULL AND idle_expires_at > ? AND expires_at > ?`

type scanner interface{ Scan(dest ...any) error }

func scanRecord(row scanner) (sessions.Record, error) {
	var (
		r                                       sessions.Record
		gen                                     int64
		seed                                    []byte
		rotated, created, used, idle, exp, revd sql.NullInt64
	)
	err := row.Scan(&r.ID, &r.Subject, &gen, &seed, &rotated, &created, &used, &idle, &exp,
		&r.UserAgent, &r.IP, &r.Claims, &r.KeyBinding, &revd, &r.RevokeReason)
	if err != nil {
		return r, err
	}
	r.Generation = uint64(gen)
	copy(r.Seed[:], seed)
	r.RotatedAt, r.CreatedAt, r.LastUsed = fromMicros(rotated), fromMicros(created), fromMicros(used)
	r.IdleExpiresAt, r.ExpiresAt, r.RevokedAt = fromMicros(idle), fromMicros(exp), fromMicros(revd)
	return r, nil
}

// claims is Claims as stored: NULL for none.
func claims(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// Create stores a new session; sessions.ErrExists when the ID is taken.
func (s *Store) Create(ctx context.Context, r sessions.Record) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO sg_sessions (`+columns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			r.ID, r.Subject, int64(r.Generation), r.Seed[:], micros(r.RotatedAt), micros(r.CreatedAt),
			micros(r.LastUsed), micros(r.IdleExpiresAt), micros(r.ExpiresAt), r.UserAgent, r.IP,
			claims(r.Claims), r.KeyBinding, micros(r.RevokedAt), r.RevokeReason)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(sessions.ErrExists, err)
		}
		return nil
	})
}

// Get returns the session with this ID; sessions.ErrNotFound when none.
func (s *Store) Get(ctx context.Context, id string) (sessions.Record, error) {
	r, err := get(ctx, s.r, id)
	return r, s.fail(ctx, err)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func get(ctx context.Context, db querier, id string) (sessions.Record, error) {
	r, err := scanRecord(db.QueryRowContext(ctx, `SELECT `+columns+` FROM sg_sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, sessions.ErrNotFound
	}
	return r, err
}

// Rotate reads the session, applies sessions.Decide and writes the result,
// all in one BEGIN IMMEDIATE transaction.
func (s *Store) Rotate(ctx context.Context, q sessions.RotateRequest) (sessions.RotateResult, error) {
	var res sessions.RotateResult
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		r, err := get(ctx, tx, q.ID)
		if err != nil {
			return err
		}
		res = sessions.Decide(r, q)
		switch res.Outcome {
		case sessions.OutcomeRotated:
			_, err = tx.ExecContext(ctx, `UPDATE sg_sessions SET generation = ?, rotated_at = ?, last_used = ?,
				idle_expires_at = ?, user_agent = ?, ip = ? WHERE id = ?`,
				int64(res.Record.Generation), micros(q.Now), micros(q.Now), micros(res.Record.IdleExpiresAt),
				q.UserAgent, q.IP, q.ID)
		case sessions.OutcomeReused:
			err = revoke(ctx, tx, []sessions.Record{res.Record}, sessions.ReasonReuse, q.Now)
		}
		return err
	})
	if err != nil {
		return sessions.RotateResult{}, err
	}
	return res, nil
}

// ListByUser returns the subject's live sessions, newest first.
func (s *Store) ListByUser(ctx context.Context, subject string, now time.Time) ([]sessions.Record, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+columns+` FROM sg_sessions
		WHERE subject = ? AND `+live+` ORDER BY created_at DESC, id`, subject, micros(now), micros(now))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	defer rows.Close()
	var out []sessions.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out = append(out, r)
	}
	return out, s.fail(ctx, rows.Err())
}

package sqlitestore

import (
	"context"
	"database/sql"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// Revoke revokes the live sessions f selects and appends one feed row each,
// in one BEGIN IMMEDIATE transaction.
func (s *Store) Revoke(ctx context.Context, f sessions.RevokeFilter, reason string, now time.Time) (int, error) {
	if err := f.Check(); err != nil {
		return 0, err
	}
	where, args := `1 = 1`, []any{}
	switch {
	case f.ID != "":
		where, args = `id = ?`, []any{f.ID}
	case f.Subject != "":
		where, args = `subject = ? AND id <> ?`, []any{f.Subject, f.Except}
	}
	var n int
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		doomed, err := selectDoomed(ctx, tx, `SELECT id, subject FROM sg_sessions WHERE `+where+` AND `+live+` ORDER BY id`,
			append(args, micros(now), micros(now))...)
		if err != nil {
			return err
		}
		n = len(doomed)
		return revoke(ctx, tx, doomed, reason, now)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// selectDoomed reads the ID and subject of the sessions a query selects.
func selectDoomed(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]sessions.Record, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sessions.Record
	for rows.Next() {
		var r sessions.Record
		if err := rows.Scan(&r.ID, &r.Subject); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// revoke marks the sessions revoked and appends their feed rows, inside the
// caller's transaction.
func revoke(ctx context.Context, tx *sql.Tx, rs []sessions.Record, reason string, now time.Time) error {
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, `UPDATE sg_sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ?`,
			micros(now), reason, r.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sg_revocations (session_id, subject, at, reason) VALUES (?, ?, ?, ?)`,
			r.ID, r.Subject, micros(now), reason); err != nil {
			return err
		}
	}
	return nil
}

// Revocations returns up to limit feed entries with Seq > after.
func (s *Store) Revocations(ctx context.Context, after uint64, limit int) ([]sessions.Revocation, error) {
	if limit <= 0 || after >= 1<<63-1 {
		return nil, ctx.Err()
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, session_id, subject, at, reason FROM sg_revocations
		WHERE seq > ? ORDER BY seq LIMIT ?`, int64(after), limit)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	defer rows.Close()
	var out []sessions.Revocation
	for rows.Next() {
		var e sessions.Revocation
		var seq int64
		var at sql.NullInt64
		if err := rows.Scan(&seq, &e.SessionID, &e.Subject, &at, &e.Reason); err != nil {
			return nil, s.fail(ctx, err)
		}
		e.Seq, e.At = uint64(seq), fromMicros(at)
		out = append(out, e)
	}
	return out, s.fail(ctx, rows.Err())
}

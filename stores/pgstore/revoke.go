package pgstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessiongate/sessiongate/sessions"
)

// notifyChannel is the channel every revocation NOTIFYs.
const notifyChannel = "sg_revocations"

// Revoke revokes the live sessions f selects, appends one feed row each and
// NOTIFYs, in one transaction. The rows are locked in ID order, and the feed
// only after them (as in Rotate), so concurrent revocations and rotations
// never deadlock.
func (s *Store) Revoke(ctx context.Context, f sessions.RevokeFilter, reason string, now time.Time) (int, error) {
	if err := f.Check(); err != nil {
		return 0, err
	}
	where, args := `true`, []any{now, reason}
	switch {
	case f.ID != "":
		where, args = `id = $3`, append(args, f.ID)
	case f.Subject != "":
		where, args = `subject = $3 AND id <> $4`, append(args, f.Subject, f.Except)
	}
	var doomed []sessions.Record
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE sg_sessions s SET revoked_at = $1, revoke_reason = $2
			FROM (SELECT id FROM sg_sessions WHERE `+where+` AND `+live+` ORDER BY id FOR UPDATE) d
			WHERE s.id = d.id RETURNING s.id, s.subject`, args...)
		if err != nil {
			return err
		}
		doomed, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (sessions.Record, error) {
			var r sessions.Record
			return r, row.Scan(&r.ID, &r.Subject)
		})
		if err != nil || len(doomed) == 0 {
			return err
		}
		slices.SortFunc(doomed, func(a, b sessions.Record) int { return strings.Compare(a.ID, b.ID) })
		return appendFeed(ctx, tx, doomed, reason, now)
	})
	if err != nil {
		return 0, s.fail(ctx, err)
	}
	return len(doomed), nil
}

// appendFeed appends one feed row per session and NOTIFYs, inside the
// caller's transaction, which already holds the sessions' row locks. The
// EXCLUSIVE lock lets readers read but makes feed writers take turns until
// commit, so a Seq is never visible before a lower one. It is a statement
// of its own, before the INSERT is even parsed: parsing takes a weaker lock
// on the table, and upgrading from it would deadlock two writers.
func appendFeed(ctx context.Context, tx pgx.Tx, rs []sessions.Record, reason string, now time.Time) error {
	ids, subjects := make([]string, len(rs)), make([]string, len(rs))
	for i, r := range rs {
		ids[i], subjects[i] = r.ID, r.Subject
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE sg_revocations IN EXCLUSIVE MODE`); err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO sg_revocations (session_id, subject, at, reason)
		SELECT i, s, $3, $4 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(i, s, n) ORDER BY n`,
		ids, subjects, now, reason)
	b.Queue(`SELECT pg_notify($1, '')`, notifyChannel)
	return tx.SendBatch(ctx, b).Close()
}

// Revocations returns up to limit feed entries with Seq > after.
func (s *Store) Revocations(ctx context.Context, after uint64, limit int) ([]sessions.Revocation, error) {
	if limit <= 0 || after >= 1<<63-1 {
		return nil, ctx.Err()
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, session_id, subject, at, reason FROM sg_revocations
		WHERE seq > $1 ORDER BY seq LIMIT $2`, int64(after), limit)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (sessions.Revocation, error) {
		var e sessions.Revocation
		var seq int64
		err := row.Scan(&seq, &e.SessionID, &e.Subject, &e.At, &e.Reason)
		e.Seq = uint64(seq)
		return e, err
	})
	return out, s.fail(ctx, err)
}

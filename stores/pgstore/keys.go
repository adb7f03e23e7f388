package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessiongate/sessiongate/sessions"
)

// UseOnce records key until the given time; true for the first use. One
// upsert: a key already present is replaced only when it has expired.
func (s *Store) UseOnce(ctx context.Context, key sessions.Hash, until time.Time) (bool, error) {
	var first bool
	err := s.pool.QueryRow(ctx, `INSERT INTO sg_once (key, until) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET until = EXCLUDED.until WHERE sg_once.until <= $3
		RETURNING true`, key[:], until, time.Now()).Scan(&first)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return first, s.fail(ctx, err)
}

const keyColumns = `slot, kid, alg, sealed, public, publish_at, sign_from, sign_until, retire_at`

func scanKey(row pgx.Row) (sessions.KeyRecord, error) {
	var k sessions.KeyRecord
	var publish, from, until, retire *time.Time
	err := row.Scan(&k.Slot, &k.KID, &k.Alg, &k.Sealed, &k.Public, &publish, &from, &until, &retire)
	k.PublishAt, k.SignFrom, k.SignUntil, k.RetireAt = fromTS(publish), fromTS(from), fromTS(until), fromTS(retire)
	return k, err
}

// PutKey inserts k unless its slot is taken and returns the slot's key. The
// read is a statement of its own, so it sees a concurrent winner's row.
func (s *Store) PutKey(ctx context.Context, k sessions.KeyRecord) (sessions.KeyRecord, error) {
	_, err := s.pool.Exec(ctx, `INSERT INTO sg_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (slot) DO NOTHING`, k.Slot, k.KID, k.Alg, k.Sealed, k.Public,
		ts(k.PublishAt), ts(k.SignFrom), ts(k.SignUntil), ts(k.RetireAt))
	if err != nil {
		return sessions.KeyRecord{}, s.fail(ctx, err)
	}
	stored, err := scanKey(s.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM sg_keys WHERE slot = $1`, k.Slot))
	return stored, s.fail(ctx, err)
}

// Keys returns every key record, oldest slot first.
func (s *Store) Keys(ctx context.Context) ([]sessions.KeyRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM sg_keys ORDER BY slot`)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (sessions.KeyRecord, error) { return scanKey(row) })
	return out, s.fail(ctx, err)
}

// DeleteKeys removes key records retired before now.
func (s *Store) DeleteKeys(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sg_keys WHERE retire_at < $1`, now)
	return int(tag.RowsAffected()), s.fail(ctx, err)
}

// Sweep deletes up to limit sessions that ended before now minus keep
// (skipping rows a Rotate holds), and up to limit each of the feed rows
// older than that and of the expired one-time keys. Each is a statement of
// its own: a sweep never holds two locks.
func (s *Store) Sweep(ctx context.Context, now time.Time, keep time.Duration, limit int) (int, error) {
	if limit <= 0 {
		return 0, ctx.Err()
	}
	cutoff := now.Add(-keep)
	tag, err := s.pool.Exec(ctx, `DELETE FROM sg_sessions WHERE id IN (SELECT id FROM sg_sessions
		WHERE revoked_at < $1 OR idle_expires_at < $1 OR expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, cutoff, limit)
	if err != nil {
		return 0, s.fail(ctx, err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM sg_revocations WHERE seq IN (SELECT seq FROM sg_revocations
		WHERE at < $1 ORDER BY seq LIMIT $2)`, cutoff, limit); err != nil {
		return 0, s.fail(ctx, err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM sg_once WHERE key IN (SELECT key FROM sg_once
		WHERE until <= $1 LIMIT $2)`, now, limit); err != nil {
		return 0, s.fail(ctx, err)
	}
	return int(tag.RowsAffected()), nil
}

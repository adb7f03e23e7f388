package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// UseOnce records key until the given time; true for the first use. One
// upsert: a key already present is replaced only when it has expired.
func (s *Store) UseOnce(ctx context.Context, key sessions.Hash, until time.Time) (bool, error) {
	first := false
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `INSERT INTO sg_once (key, until) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE sg_once.until <= ?
			RETURNING 1`, key[:], micros(until), micros(time.Now())).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		first = err == nil
		return err
	})
	return first, err
}

const keyColumns = `slot, kid, alg, sealed, public, publish_at, sign_from, sign_until, retire_at`

func scanKey(row scanner) (sessions.KeyRecord, error) {
	var k sessions.KeyRecord
	var publish, from, until, retire sql.NullInt64
	err := row.Scan(&k.Slot, &k.KID, &k.Alg, &k.Sealed, &k.Public, &publish, &from, &until, &retire)
	k.PublishAt, k.SignFrom, k.SignUntil, k.RetireAt = fromMicros(publish), fromMicros(from), fromMicros(until), fromMicros(retire)
	return k, err
}

// PutKey inserts k unless its slot is taken and returns the slot's key.
func (s *Store) PutKey(ctx context.Context, k sessions.KeyRecord) (sessions.KeyRecord, error) {
	var stored sessions.KeyRecord
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sg_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (slot) DO NOTHING`, k.Slot, k.KID, k.Alg, k.Sealed, k.Public,
			micros(k.PublishAt), micros(k.SignFrom), micros(k.SignUntil), micros(k.RetireAt))
		if err != nil {
			return err
		}
		stored, err = scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM sg_keys WHERE slot = ?`, k.Slot))
		return err
	})
	return stored, err
}

// Keys returns every key record, oldest slot first.
func (s *Store) Keys(ctx context.Context) ([]sessions.KeyRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumns+` FROM sg_keys ORDER BY slot`)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	defer rows.Close()
	var out []sessions.KeyRecord
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out = append(out, k)
	}
	return out, s.fail(ctx, rows.Err())
}

// DeleteKeys removes key records retired before now.
func (s *Store) DeleteKeys(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sg_keys WHERE retire_at < ?`, micros(now))
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return int(n), err
}

// Sweep deletes, in one transaction, up to limit sessions that ended before
// now minus keep, and up to limit each of the feed rows older than that and
// of the expired one-time keys.
func (s *Store) Sweep(ctx context.Context, now time.Time, keep time.Duration, limit int) (int, error) {
	if limit <= 0 {
		return 0, ctx.Err()
	}
	cutoff := micros(now.Add(-keep))
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sg_sessions WHERE id IN (SELECT id FROM sg_sessions
			WHERE revoked_at < ? OR idle_expires_at < ? OR expires_at < ? LIMIT ?)`, cutoff, cutoff, cutoff, limit)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sg_revocations WHERE seq IN (SELECT seq FROM sg_revocations
			WHERE at < ? ORDER BY seq LIMIT ?)`, cutoff, limit); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sg_once WHERE key IN (SELECT key FROM sg_once WHERE until <= ? LIMIT ?)`,
			micros(now), limit)
		return err
	})
	return int(n), err
}

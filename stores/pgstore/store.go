package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongate/sessiongate/sessions"
)

// Store is a sessions.Store in a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	// life ends with Close, and with it every Notify goroutine (wg).
	life   context.Context
	end    context.CancelFunc
	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
	wg     sync.WaitGroup
}

var (
	_ sessions.Store    = (*Store)(nil)
	_ sessions.Notifier = (*Store)(nil)
)

// New returns a store on pool's database and creates its tables when
// missing. The pool stays the caller's: Close does not close it.
func New(ctx context.Context, pool *pgxpool.Pool) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: New with a nil pool")
	}
	s := &Store{pool: pool}
	s.life, s.end = context.WithCancel(context.Background())
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return createTables(ctx, tx) }); err != nil {
		s.end()
		return nil, fmt.Errorf("pgstore: creating tables: %w", s.fail(ctx, err))
	}
	return s, nil
}

// schemaLock serialises table creation: concurrent CREATE TABLE IF NOT
// EXISTS of one table can fail on a unique index of the catalog.
const schemaLock = 0x73676e73_746f7265 // "sgnstore"

var schema = []string{
	`CREATE TABLE IF NOT EXISTS sg_sessions (
		id text PRIMARY KEY,
		subject text NOT NULL,
		generation bigint NOT NULL,
		seed bytea NOT NULL,
		rotated_at timestamptz,
		created_at timestamptz,
		last_used timestamptz,
		idle_expires_at timestamptz,
		expires_at timestamptz,
		user_agent text NOT NULL,
		ip text NOT NULL,
		claims bytea,
		key_binding text NOT NULL,
		revoked_at timestamptz,
		revoke_reason text NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS sg_sessions_subject ON sg_sessions (subject)`,
	`CREATE INDEX IF NOT EXISTS sg_sessions_revoked_at ON sg_sessions (revoked_at)`,
	`CREATE INDEX IF NOT EXISTS sg_sessions_idle_expires_at ON sg_sessions (idle_expires_at)`,
	`CREATE INDEX IF NOT EXISTS sg_sessions_expires_at ON sg_sessions (expires_at)`,
	`CREATE TABLE IF NOT EXISTS sg_revocations (
		seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		session_id text NOT NULL,
		subject text NOT NULL,
		at timestamptz NOT NULL,
		reason text NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS sg_revocations_at ON sg_revocations (at)`,
	`CREATE TABLE IF NOT EXISTS sg_once (key bytea PRIMARY KEY, until timestamptz NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS sg_once_until ON sg_once (until)`,
	`CREATE TABLE IF NOT EXISTS sg_keys (
		slot bigint PRIMARY KEY,
		kid text NOT NULL,
		alg text NOT NULL,
		sealed bytea NOT NULL,
		public bytea NOT NULL,
		publish_at timestamptz,
		sign_from timestamptz,
		sign_until timestamptz,
		retire_at timestamptz
	)`,
}

func createTables(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
		return err
	}
	for _, stmt := range schema {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// fail returns err as every store does (sessions.StoreError).
func (s *Store) fail(ctx context.Context, err error) error {
	return sessions.StoreError(ctx, "pgstore", err)
}

// Close ends every Notify subscription and waits for them. It does not
// close the pool.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.end()
	s.wg.Wait()
	return nil
}

// errClosed: Notify on a closed store.
var errClosed = errors.New("pgstore: the store is closed")

// ts is t as a query argument: NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// fromTS is a scanned nullable time.
func fromTS(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

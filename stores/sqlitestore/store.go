package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/sessiongate/sessiongate/sessions"
)

// Store is a sessions.Store in one SQLite file.
type Store struct {
	path string
	w    *sql.DB // one connection, the committer's: every write, in BEGIN IMMEDIATE
	r    *sql.DB // reads, beside the writer (WAL)
	jobs chan *job
	// life ends with Close; the committer then stops (stopped).
	life    context.Context
	end     context.CancelFunc
	stopped chan struct{}
	once    sync.Once
}

var _ sessions.Store = (*Store)(nil)

// lockWait is how long a write waits for another process's write lock
// before the store reports itself unavailable. SQLite's own busy handler
// does not see a context end, so it waits lockPoll at a time and the store
// retries, checking the context in between.
const (
	lockWait   = 10 * time.Second
	lockPoll   = 50 * time.Millisecond
	readerBusy = 5 * time.Second // readers of a WAL file wait only on recovery
)

// Open opens (creating when missing) the SQLite database at path and its
// tables. Several Stores, in one process or several on the same host, may
// open the same file. The path must name a local file: not ":memory:", not
// on a network filesystem.
func Open(path string) (*Store, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlitestore: path %q: want the path of a file (no URI, no ?, not :memory:)", path)
	}
	s := &Store{path: path, jobs: make(chan *job), stopped: make(chan struct{})}
	s.life, s.end = context.WithCancel(context.Background())
	var err error
	if s.w, err = sql.Open("sqlite", dsn(path, lockPoll, "_txlock=immediate")); err != nil {
		s.end()
		return nil, err
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetConnMaxIdleTime(0)
	if s.r, err = sql.Open("sqlite", dsn(path, readerBusy, "_pragma=query_only(1)")); err != nil {
		s.end()
		s.w.Close()
		return nil, err
	}
	s.r.SetMaxOpenConns(max(4, runtime.NumCPU()))
	go s.committer()
	ctx, cancel := context.WithTimeout(context.Background(), lockWait+5*time.Second)
	defer cancel()
	if err := s.write(ctx, createTables); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	return s, nil
}

// dsn is path with the pragmas every connection needs, plus extra.
func dsn(path string, busy time.Duration, extra string) string {
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busy.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(0)",
		extra,
	}
	return path + "?" + strings.Join(q, "&")
}

// schema is every table and index, created when missing.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS sg_sessions (
		id TEXT PRIMARY KEY,
		subject TEXT NOT NULL,
		generation INTEGER NOT NULL,
		seed BLOB NOT NULL,
		rotated_at INTEGER,
		created_at INTEGER,
		last_used INTEGER,
		idle_expires_at INTEGER,
		expires_at INTEGER,
		user_agent TEXT NOT NULL,
		ip TEXT NOT NULL,
		claims BLOB,
		key_binding TEXT NOT NULL,
		revoked_at INTEGER,
		revoke_reason TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS sg_sessions_subject ON sg_sessions (subject)`,
	`CREATE INDEX IF NOT EXISTS sg_sessions_revoked_at ON sg_sessions (revoked_at)`,
	`CREATE INDEX IF NOT EXISTS sg_sessions_idle_expires_at ON sg_sessions (idle_expires_at)`,
	`CREATE INDEX IF NOT EXISTS sg_sessions_expires_at ON sg_sessions (expires_at)`,
	// AUTOINCREMENT: a Seq is never handed out twice, not even after Sweep
	// emptied the table (a plain rowid would restart at max+1).
	`CREATE TABLE IF NOT EXISTS sg_revocations (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		session_id TEXT NOT NULL,
		subject TEXT NOT NULL,
		at INTEGER NOT NULL,
		reason TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS sg_revocations_at ON sg_revocations (at)`,
	`CREATE TABLE IF NOT EXISTS sg_once (key BLOB PRIMARY KEY, until INTEGER NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS sg_once_until ON sg_once (until)`,
	`CREATE TABLE IF NOT EXISTS sg_keys (
		slot INTEGER PRIMARY KEY,
		kid TEXT NOT NULL,
		alg TEXT NOT NULL,
		sealed BLOB NOT NULL,
		public BLOB NOT NULL,
		publish_at INTEGER,
		sign_from INTEGER,
		sign_until INTEGER,
		retire_at INTEGER
	)`,
}

func createTables(ctx context.Context, tx *sql.Tx) error {
	for _, stmt := range schema {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// fail returns err as every store does (sessions.StoreError).
func (s *Store) fail(ctx context.Context, err error) error {
	return sessions.StoreError(ctx, "sqlitestore", err)
}

// Close stops the committer and closes the store's connections.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		s.end()
		<-s.stopped
		err = errors.Join(s.w.Close(), s.r.Close())
	})
	return err
}

// micros is t as stored: microseconds since the Unix epoch, NULL for zero.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros is the time stored as micros.
func fromMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sessions.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// TestDurabilitySettings: every connection runs WAL with synchronous=FULL
// (2) and a busy timeout; readers cannot write.
func TestDurabilitySettings(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for name, db := range map[string]interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}{"writer": s.w, "reader": s.r} {
		var mode string
		var sync, busy int
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("%s: journal_mode = %q, %v; want wal", name, mode, err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
			t.Errorf("%s: synchronous = %d, %v; want 2 (FULL)", name, sync, err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil || busy == 0 {
			t.Errorf("%s: busy_timeout = %d, %v; want one", name, busy, err)
		}
	}
	if _, err := s.r.ExecContext(ctx, "DELETE FROM sg_sessions"); err == nil {
		t.Error("a reader connection could write")
	}
}

// TestCancelWhileWaitingForTheLock: a Rotate queued behind another
// process's write lock returns when its context ends, not after the busy
// timeout.
func TestCancelWhileWaitingForTheLock(t *testing.T) {
	holder, path := openTemp(t)
	other, err := Open(path) // the same file, as another process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := holder.w.BeginTx(context.Background(), nil) // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = other.Rotate(ctx, sessions.RotateRequest{ID: "any", Generation: 1, Now: time.Now()})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Rotate returned after %v: it waited for the lock beyond its context (300ms)", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Rotate behind a held lock: %v, want context.DeadlineExceeded", err)
	}
}

// TestOpenRefusesWhatIsNotAFile: Open takes a file path, never a URI or an
// in-memory database (which could not be shared between handles).
func TestOpenRefusesWhatIsNotAFile(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "file::memory:?cache=shared", "x.db?_pragma=synchronous(OFF)"} {
		if s, err := Open(path); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing", "dir", "s.db")); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}

// TestCloseEndsItsGoroutines: Close stops the committer (and database/sql's
// own goroutines); a write after Close fails at once.
func TestCloseEndsItsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := Open(filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseOnce(context.Background(), sessions.Hash{1}, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for end := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before Open", n, before)
	}
	if _, err := s.UseOnce(context.Background(), sessions.Hash{2}, time.Now().Add(time.Hour)); !errors.Is(err, sessions.ErrStoreUnavailable) {
		t.Errorf("a write after Close: %v, want ErrStoreUnavailable", err)
	}
}

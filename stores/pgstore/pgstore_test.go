package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/stores/pgstore"
)

var bg = context.Background()

// TestNewConcurrently: instances starting together on an empty database
// all succeed (table creation is serialised by an advisory lock).
func TestNewConcurrently(t *testing.T) {
	cfg := newSchema(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := pgstore.New(bg, newPool(t, cfg))
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestNewUnreachable: New against a server that is not there fails
// promptly with sessions.ErrStoreUnavailable.
func TestNewUnreachable(t *testing.T) {
	needServer(t)
	pool, err := pgxpool.New(bg, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?connect_timeout=5", freePort(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	if _, err := pgstore.New(ctx, pool); !errors.Is(err, sessions.ErrStoreUnavailable) {
		t.Errorf("New on a closed port: %v, want ErrStoreUnavailable", err)
	}
}

// TestCloseLeavesThePool: Close leaves the caller's pool open (the suite
// checks that it ends Notify), and a closed store refuses to Notify.
func TestCloseLeavesThePool(t *testing.T) {
	pool := newPool(t, newSchema(t))
	s, err := pgstore.New(bg, pool)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := pool.Ping(bg); err != nil {
		t.Errorf("the pool after Close: %v, want it still open", err)
	}
	if _, err := s.Notify(bg); err == nil {
		t.Error("Notify on a closed store succeeded")
	}
}

// TestNotifyListensAgain: when the listening connection is killed, Notify
// reconnects, says so once (something may have been missed), and passes on
// the next revocation.
func TestNotifyListensAgain(t *testing.T) {
	pool := newPool(t, newSchema(t))
	s, err := pgstore.New(bg, pool)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ch, err := s.Notify(bg)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := server.admin.Exec(bg, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query LIKE 'LISTEN sg_revocations%' AND pid <> pg_backend_pid()`)
	if err != nil || tag.RowsAffected() == 0 {
		t.Fatalf("terminating the listener: %v, %d rows", err, tag.RowsAffected())
	}
	receive(t, ch, "after the listener was killed")
	now := time.Now()
	r := sessions.Record{ID: "n1", Subject: "alice", Generation: 1, CreatedAt: now, LastUsed: now,
		IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour)}
	if err := s.Create(bg, r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revoke(bg, sessions.RevokeFilter{ID: "n1"}, "admin", now); err != nil {
		t.Fatal(err)
	}
	receive(t, ch, "after a revocation on the new connection")
}

func receive(t *testing.T, ch <-chan struct{}, when string) {
	t.Helper()
	select {
	case _, open := <-ch:
		if !open {
			t.Fatalf("channel closed %s", when)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("no value %s", when)
	}
}

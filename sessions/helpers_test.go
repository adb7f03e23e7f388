package sessions_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

const issuer = "https://api.example.com"

var (
	secretA = []byte("secret A: at least thirty-two bytes long")
	secretB = []byte("secret B: at least thirty-two bytes long")
	// t0 is the tests' start: a slot of an hour begins at 05:00.
	t0 = time.Date(2031, 3, 4, 5, 6, 7, 891011000, time.UTC)
)

// mclock is a settable clock.
type mclock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *mclock { return &mclock{t: t0} }

func (c *mclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *mclock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// store wraps memstore, counting writes and failing on demand.
type store struct {
	*memstore.Store
	writes atomic.Int64 // Create, Rotate, Revoke, PutKey, DeleteKeys
	reads  atomic.Int64 // Keys
	down   atomic.Bool  // every call fails with ErrStoreUnavailable
	// keys, when set, rewrites what Keys returns (a tampered store).
	keys func([]sessions.KeyRecord) []sessions.KeyRecord
	// edit, when set, rewrites what Get returns (a row someone changed in
	// the database).
	edit func(*sessions.Record)
}

func newStore() *store { return &store{Store: memstore.New()} }

var errStoreDown = fmt.Errorf("test store: %w: connection refused", sessions.ErrStoreUnavailable)

func (s *store) fail() error {
	if s.down.Load() {
		return errStoreDown
	}
	return nil
}

func (s *store) Create(ctx context.Context, r sessions.Record) error {
	if err := s.fail(); err != nil {
		return err
	}
	s.writes.Add(1)
	return s.Store.Create(ctx, r)
}

func (s *store) Get(ctx context.Context, id string) (sessions.Record, error) {
	if err := s.fail(); err != nil {
		return sessions.Record{}, err
	}
	r, err := s.Store.Get(ctx, id)
	if err == nil && s.edit != nil {
		s.edit(&r)
	}
	return r, err
}

func (s *store) ListByUser(ctx context.Context, subject string, now time.Time) ([]sessions.Record, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.Store.ListByUser(ctx, subject, now)
}

func (s *store) Rotate(ctx context.Context, q sessions.RotateRequest) (sessions.RotateResult, error) {
	if err := s.fail(); err != nil {
		return sessions.RotateResult{}, err
	}
	s.writes.Add(1)
	return s.Store.Rotate(ctx, q)
}

func (s *store) Revoke(ctx context.Context, f sessions.RevokeFilter, reason string, now time.Time) (int, error) {
	if err := s.fail(); err != nil {
		return 0, err
	}
	s.writes.Add(1)
	return s.Store.Revoke(ctx, f, reason, now)
}

func (s *store) PutKey(ctx context.Context, k sessions.KeyRecord) (sessions.KeyRecord, error) {
	if err := s.fail(); err != nil {
		return sessions.KeyRecord{}, err
	}
	s.writes.Add(1)
	return s.Store.PutKey(ctx, k)
}

func (s *store) Keys(ctx context.Context) ([]sessions.KeyRecord, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	s.reads.Add(1)
	ks, err := s.Store.Keys(ctx)
	if s.keys != nil {
		ks = s.keys(ks)
	}
	return ks, err
}

func (s *store) DeleteKeys(ctx context.Context, now time.Time) (int, error) {
	if err := s.fail(); err != nil {
		return 0, err
	}
	s.writes.Add(1)
	return s.Store.DeleteKeys(ctx, now)
}

// logs collects a manager's log lines.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// env is a manager on a counting store with a settable clock.
type env struct {
	m     *sessions.Manager
	store *store
	clock *mclock
	logs  *logs
}

// newEnv starts a manager; edit changes the config first.
func newEnv(t *testing.T, edit func(*sessions.Config)) *env {
	t.Helper()
	e := &env{store: newStore(), clock: newClock(), logs: &logs{}}
	e.m = e.start(t, edit)
	return e
}

// start starts one more manager on e's store and clock.
func (e *env) start(t *testing.T, edit func(*sessions.Config)) *sessions.Manager {
	t.Helper()
	cfg := sessions.Config{
		Issuer: issuer, Store: e.store, Secret: [][]byte{secretA}, Clock: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	m, err := sessions.New(bg, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// create starts a session of alice.
func (e *env) create(t *testing.T) *sessions.Issued {
	t.Helper()
	is, err := e.m.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{UserAgent: "test agent", IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return is
}

// gate verifies m's access tokens on c's clock.
func gate(t *testing.T, m *sessions.Manager, c *mclock) *core.Gate {
	t.Helper()
	g, err := core.New(core.Config{
		Issuers: []core.Issuer{m.Issuer()}, Audiences: []string{issuer}, Types: []string{"at+jwt"},
		Clock: c.Now, DisableTokenCache: true,
	})
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// header decodes a JWS's header.
func header(tok string) map[string]any {
	return (&core.Session{Token: core.Token(tok)}).Header()
}

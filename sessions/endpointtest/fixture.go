package endpointtest

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// The fixture's names, which rows and their expectations use.
const (
	// Host is the Host header of every request: the API's name, under
	// CookieDomain.
	Host = "api.example.test"
	// CookieDomain is where the gate writes cookies; they used to be
	// host-only (OlderCookieHostOnly), so leftovers are cleared without a
	// Domain attribute.
	CookieDomain = "example.test"
	// Issuer of the manager's access tokens, and ProviderIssuer of the
	// provider's (a dev issuer).
	Issuer         = "https://api.example.test"
	ProviderIssuer = "https://provider.example.test"
	// Origin is where clients reach the API: the gate's DPoP.URLs, the
	// origin of every proof's htu.
	Origin = "https://" + Host
	// Base is the endpoints' BasePath.
	Base = "/auth"
	// Fallback is DefaultRedirect; RedirectPath the one allowed prefix.
	Fallback     = "/home"
	RedirectPath = "/app"
	// Grace is the manager's grace window.
	Grace = 30 * time.Second
)

// fixture is one row's world: a clock it can move, a store it can break,
// the manager, the gates, the provider and the endpoints.
type fixture struct {
	offset   atomic.Int64 // added to time.Now, in nanoseconds
	store    *FlakyStore
	m        *sessions.Manager
	gate     *core.Gate
	provider *devissuer.Issuer
	ep       *sessions.Endpoints
}

func (f *fixture) now() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }

// newFixture builds a fixture on store (a fresh memstore when nil).
func newFixture(tb testing.TB, store sessions.Store) *fixture {
	tb.Helper()
	if store == nil {
		store = memstore.New()
	}
	f := &fixture{store: &FlakyStore{Store: store}}
	var err error
	f.m, err = sessions.New(context.Background(), sessions.Config{
		Issuer: Issuer, Store: f.store, Secret: [][]byte{[]byte("endpointtest secret of at least 32 bytes")},
		Grace: Grace, Clock: f.now, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.m.Close() })
	f.gate, err = core.New(core.Config{
		Issuers: []core.Issuer{f.m.Issuer()}, CookieNames: []string{sessions.DefaultCookies().Access},
		CookieDomain: CookieDomain, OlderCookieHostOnly: true, Clock: f.now,
		DPoP: core.DPoPConfig{URLs: []string{Origin}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.gate.Close() })
	if f.provider, err = devissuer.New(devissuer.Config{Issuer: ProviderIssuer, Clock: f.now}); err != nil {
		tb.Fatal(err)
	}
	pg, err := core.New(core.Config{Issuers: []core.Issuer{{Name: ProviderIssuer, JWKS: string(f.provider.JWKS())}}, Clock: f.now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { pg.Close() })
	f.ep, err = sessions.NewEndpoints(f.m, sessions.EndpointsConfig{
		BasePath: Base, Gate: f.gate, ProviderGate: pg,
		RedirectPaths: []string{RedirectPath}, DefaultRedirect: Fallback,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// FlakyStore is a sessions.Store that fails on demand: while Down is set,
// every call returns an error wrapping sessions.ErrStoreUnavailable, as a
// driver does when its server is unreachable.
type FlakyStore struct {
	sessions.Store
	Down atomic.Bool
}

func (s *FlakyStore) fail() error {
	if s.Down.Load() {
		return errDown
	}
	return nil
}

type downError struct{}

func (downError) Error() string { return "endpointtest: store down on purpose" }
func (downError) Unwrap() error { return sessions.ErrStoreUnavailable }

var errDown error = downError{}

// Create fails while Down.
func (s *FlakyStore) Create(ctx context.Context, r sessions.Record) error {
	if err := s.fail(); err != nil {
		return err
	}
	return s.Store.Create(ctx, r)
}

// Get fails while Down.
func (s *FlakyStore) Get(ctx context.Context, id string) (sessions.Record, error) {
	if err := s.fail(); err != nil {
		return sessions.Record{}, err
	}
	return s.Store.Get(ctx, id)
}

// Rotate fails while Down.
func (s *FlakyStore) Rotate(ctx context.Context, q sessions.RotateRequest) (sessions.RotateResult, error) {
	if err := s.fail(); err != nil {
		return sessions.RotateResult{}, err
	}
	return s.Store.Rotate(ctx, q)
}

// ListByUser fails while Down.
func (s *FlakyStore) ListByUser(ctx context.Context, subject string, now time.Time) ([]sessions.Record, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.Store.ListByUser(ctx, subject, now)
}

// Revoke fails while Down.
func (s *FlakyStore) Revoke(ctx context.Context, f sessions.RevokeFilter, reason string, now time.Time) (int, error) {
	if err := s.fail(); err != nil {
		return 0, err
	}
	return s.Store.Revoke(ctx, f, reason, now)
}

// UseOnce fails while Down.
func (s *FlakyStore) UseOnce(ctx context.Context, key sessions.Hash, until time.Time) (bool, error) {
	if err := s.fail(); err != nil {
		return false, err
	}
	return s.Store.UseOnce(ctx, key, until)
}

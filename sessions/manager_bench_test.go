package sessions_test

import (
	"testing"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// BenchmarkRefresh measures one Refresh on memstore: parse, store read,
// HMAC check, the atomic rotation and an ES256 access token, each call
// presenting the token the previous one returned.
func BenchmarkRefresh(b *testing.B) {
	m, err := sessions.New(bg, sessions.Config{Issuer: issuer, Store: memstore.New(), Secret: [][]byte{secretA}})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	is, err := m.Create(bg, sessions.Identity{Subject: "alice", Claims: map[string]any{"role": "admin"}}, sessions.Meta{UserAgent: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	meta := sessions.Meta{UserAgent: "Mozilla/5.0 (X11; Linux x86_64)", IP: "192.0.2.1"}
	b.ReportAllocs()
	for b.Loop() {
		if is, err = m.Refresh(bg, is.RefreshToken, meta); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJWKS measures what a local gate pays per verification to ask
// for the manager's keys.
func BenchmarkJWKS(b *testing.B) {
	m, err := sessions.New(bg, sessions.Config{Issuer: issuer, Store: memstore.New(), Secret: [][]byte{secretA}})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, set := m.JWKS(); len(set) == 0 {
			b.Fatal("empty JWKS")
		}
	}
}

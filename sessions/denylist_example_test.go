package sessions_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// A gate that consults a deny-list refuses the access token of a session
// revoked on any instance sharing the store, before the token expires.
func ExampleNewDenyList() {
	ctx := context.Background()
	store := memstore.New() // pgstore or redisstore to share it between instances
	defer store.Close()

	deny, err := sessions.NewDenyList(ctx, store, sessions.DenyListConfig{
		Keep: 10 * time.Minute, // access-token lifetime + gate Leeway + clock skew
	})
	if err != nil {
		panic(err)
	}
	defer deny.Close()

	// The manager's issuer; here the dev issuer stands in for it.
	iss, err := devissuer.New(devissuer.Config{Issuer: "https://sessions.example.test"})
	if err != nil {
		panic(err)
	}
	gate, err := core.New(core.Config{
		Issuers:     []core.Issuer{{Name: iss.URL(), JWKS: string(iss.JWKS())}},
		Revocations: deny,
	})
	if err != nil {
		panic(err)
	}
	defer gate.Close()

	now := time.Now()
	if err := store.Create(ctx, sessions.Record{
		ID: "sid-1", Subject: "user-42", Generation: 1, CreatedAt: now, LastUsed: now,
		IdleExpiresAt: now.Add(24 * time.Hour), ExpiresAt: now.Add(30 * 24 * time.Hour),
	}); err != nil {
		panic(err)
	}
	token, err := iss.Mint(devissuer.Claims{Subject: "user-42", Extra: map[string]any{"sid": "sid-1"}})
	if err != nil {
		panic(err)
	}
	_, err = gate.Verify(token, core.SourceAuthorization)
	fmt.Println("before the revocation:", err)

	if _, err := store.Revoke(ctx, sessions.RevokeFilter{ID: "sid-1"}, "logout", now); err != nil {
		panic(err)
	}
	for deny.Len() == 0 { // the store pushes; polling would take up to PollInterval
		time.Sleep(time.Millisecond)
	}
	_, err = gate.Verify(token, core.SourceAuthorization)
	fmt.Println("after:", errors.Is(err, core.ErrSessionRevoked))
	// Output:
	// before the revocation: <nil>
	// after: true
}

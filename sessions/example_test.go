package sessions_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// A session's life: create it after the user signed in, verify its access
// token with a gate in the same process, renew it with the refresh token,
// list the user's sessions and revoke one.
func Example() {
	ctx := context.Background()
	m, err := sessions.New(ctx, sessions.Config{
		Issuer: "https://api.example.com",
		Store:  memstore.New(),                                                       // sqlitestore, pgstore or redisstore in production
		Secret: [][]byte{[]byte("load 32 or more random bytes from a secret store")}, // never in source code
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	issued, err := m.Create(ctx, sessions.Identity{Subject: "user-42", Claims: map[string]any{"role": "admin"}},
		sessions.Meta{UserAgent: "Mozilla/5.0", IP: "192.0.2.1"})
	if err != nil {
		log.Fatal(err)
	}

	gate, err := core.New(core.Config{Issuers: []core.Issuer{m.Issuer()}, Types: []string{"at+jwt"}})
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()
	s, err := gate.Verify(issued.AccessToken, core.SourceAuthorization)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", s.Subject, s.SessionID == issued.Session.ID, s.Claims()["role"])

	renewed, err := m.Refresh(ctx, issued.RefreshToken, sessions.Meta{UserAgent: "Mozilla/5.0", IP: "192.0.2.1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rotated:", renewed.RefreshToken != issued.RefreshToken)

	list, err := m.List(ctx, "user-42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sessions:", len(list), list[0].UserAgent)

	if err := m.Revoke(ctx, issued.Session.ID, "logout"); err != nil {
		log.Fatal(err)
	}
	_, err = m.Refresh(ctx, renewed.RefreshToken, sessions.Meta{})
	fmt.Println("after logout:", err)
	// Output:
	// verified: user-42 true admin
	// rotated: true
	// sessions: 1 Mozilla/5.0
	// after logout: sessions: session ended
}

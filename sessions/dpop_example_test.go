package sessions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/dpop"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// A client with a DPoP key signs in through POST /exchange?transport=header
// with the core/dpop Transport, which adds a proof to every request: the
// session is bound to its key, and its refresh must prove the same key.
func ExampleNewEndpoints_dPoP() {
	ctx := context.Background()
	m, err := sessions.New(ctx, sessions.Config{
		Issuer: "https://api.example.com", Store: memstore.New(),
		Secret: [][]byte{[]byte("example secret, at least 32 bytes long")},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	gate, err := core.New(core.Config{
		Issuers: []core.Issuer{m.Issuer()}, CookieNames: []string{sessions.DefaultCookies().Access},
		DPoP: core.DPoPConfig{URLs: []string{srv.URL}}, // where clients reach the API
	})
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()
	ep, err := sessions.NewEndpoints(m, sessions.EndpointsConfig{Gate: gate,
		// The app's check of its provider's token; here any token is its user.
		Provider: func(_ context.Context, tok string) (*core.Session, error) { return &core.Session{Subject: tok}, nil },
	})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("/auth/", ep)

	// The client side.
	key, err := dpop.NewKey()
	if err != nil {
		log.Fatal(err)
	}
	transport, err := dpop.NewTransport(dpop.TransportConfig{Key: key})
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: transport}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/auth/exchange?transport=header", nil)
	req.Header.Set("Authorization", "Bearer user-42") // the provider's token
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	s := &core.Session{Token: core.Token(out.AccessToken)}
	cnf, _ := s.Claims()["cnf"].(map[string]any)
	fmt.Println(resp.StatusCode, out.TokenType, cnf["jkt"] == key.Thumbprint())
	// Output: 200 DPoP true
}

// Gates of several instances that share a sessions Store (Postgres, for
// one) share their DPoP replay cache through it, without Redis: a proof
// one instance accepted is a replay at the other.
func ExampleReplayCache() {
	ctx := context.Background()
	store := memstore.New() // in production: the store every instance uses
	m, err := sessions.New(ctx, sessions.Config{
		Issuer: "https://api.example.com", Store: store,
		Secret: [][]byte{[]byte("example secret, at least 32 bytes long")},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	newGate := func() *core.Gate { // one per instance
		g, err := core.New(core.Config{Issuers: []core.Issuer{m.Issuer()}, DPoP: core.DPoPConfig{
			URLs:   []string{"https://api.example.com"},
			Replay: sessions.ReplayCache(store),
		}})
		if err != nil {
			log.Fatal(err)
		}
		return g
	}
	a, b := newGate(), newGate()
	defer a.Close()
	defer b.Close()

	key, _ := dpop.NewKey()
	is, _ := m.Create(ctx, sessions.Identity{Subject: "user-42"}, sessions.Meta{KeyBinding: key.Thumbprint()})
	proof, _ := key.Proof("GET", "https://api.example.com/orders", is.AccessToken, "")
	r := httptest.NewRequest("GET", "https://api.example.com/orders", nil)
	r.Header.Set("Authorization", "DPoP "+is.AccessToken)
	r.Header.Set("DPoP", proof)
	fmt.Println(a.Check(core.HTTPRequest(r), core.CheckOptions{}).Err)
	fmt.Println(b.Check(core.HTTPRequest(r), core.CheckOptions{}).Err)
	// Output:
	// <nil>
	// sessiongate: DPoP proof replayed
}

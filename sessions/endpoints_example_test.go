package sessions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// The endpoints on a net/http mux: a client holding a refresh token (here
// from Manager.Create; in an app, from POST /auth/exchange) refreshes it
// with the header transport and gets a new pair.
func ExampleNewEndpoints() {
	ctx := context.Background()
	m, err := sessions.New(ctx, sessions.Config{
		Issuer: "https://api.example.com", Store: memstore.New(),
		Secret: [][]byte{[]byte("example secret, at least 32 bytes long")},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	gate, err := core.New(core.Config{Issuers: []core.Issuer{m.Issuer()}, CookieNames: []string{sessions.DefaultCookies().Access}})
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()
	ep, err := sessions.NewEndpoints(m, sessions.EndpointsConfig{Gate: gate})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", ep)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	is, err := m.Create(ctx, sessions.Identity{Subject: "user-42"}, sessions.Meta{})
	if err != nil {
		log.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/auth/refresh", nil)
	req.Header.Set("Authorization", "Bearer "+is.RefreshToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
		RefreshToken string `json:"refresh_token"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	s, err := gate.Verify(out.AccessToken, core.SourceAuthorization)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, out.TokenType, out.ExpiresIn > 290, out.RefreshToken != is.RefreshToken, s.Subject)
	// Output: 200 Bearer true true user-42
}

package core_test

import (
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// DPoP (RFC 9449): list the URLs clients reach the service at, and the gate
// accepts "Authorization: DPoP <token>" with a proof beside bearer tokens.
// A token bound to a key (cnf.jkt) never passes without a proof of it.
func ExampleDPoPConfig() {
	iss, err := devissuer.New(devissuer.Config{Issuer: "https://issuer.example"})
	if err != nil {
		log.Fatal(err)
	}
	gate, err := core.New(core.Config{
		Issuers: []core.Issuer{{Name: iss.URL(), JWKS: string(iss.JWKS())}},
		DPoP: core.DPoPConfig{
			URLs: []string{"https://api.example.com"}, // as clients see it, behind the proxy
			// Mode: core.DPoPRequired, RequireNonce: true, Replay: a shared cache...
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()

	// No token: both schemes are offered.
	d := gate.Check(core.HTTPRequest(httptest.NewRequest("GET", "/orders", nil)), core.CheckOptions{})
	fmt.Println(core.ErrorResponse(d.Err).Header[0][1])

	// A bound token copied out of a log is refused as a bearer token.
	bound, err := iss.Mint(devissuer.Claims{Subject: "alice", Extra: map[string]any{
		"cnf": map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"},
	}})
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/orders", nil)
	r.Header.Set("Authorization", "Bearer "+bound)
	d = gate.Check(core.HTTPRequest(r), core.CheckOptions{})
	fmt.Println(d.Err)
	// Output:
	// Bearer, DPoP algs="ES256 EdDSA RS256 PS256"
	// sessiongate: session token is DPoP-bound and came without a proof
}

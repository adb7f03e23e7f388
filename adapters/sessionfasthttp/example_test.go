package sessionfasthttp_test

import (
	"bufio"
	"fmt"
	"log"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/adapters/sessionfasthttp"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// An adapter hands core the request through the view and acts on the
// decision; here the request is read from the wire as fasthttp's server
// reads it.
func ExampleRequest() {
	iss, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	gate, err := core.New(core.Config{Issuers: []core.Issuer{iss.CoreIssuer()}})
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()
	tok, err := iss.Mint(devissuer.Claims{Subject: "alice"})
	if err != nil {
		log.Fatal(err)
	}

	for _, authz := range []string{"authorization: Bearer " + tok + "\r\n", ""} {
		var r fasthttp.Request
		r.Header.DisableNormalizing() // names as sent; the view matches any case
		raw := "GET /me HTTP/1.1\r\nHost: api.example.test\r\n" + authz + "\r\n"
		if err := r.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
			log.Fatal(err)
		}
		d := gate.Check(sessionfasthttp.Request(&r), core.CheckOptions{})
		if d.Err != nil {
			fmt.Println(core.ErrorResponse(d.Err).Status, d.Err)
			continue
		}
		fmt.Println(d.Session.Subject, d.Session.Source)
	}
	// Output:
	// alice authorization
	// 401 sessiongate: no session token
}

package core_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// The quickstart: a dev issuer stands in for the auth provider, a Gate
// verifies its tokens, and a net/http handler asks the Gate about each
// request.
func Example() {
	iss, err := devissuer.Start("", devissuer.Config{}) // loopback only
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	gate, err := core.New(core.Config{
		Issuers:     []core.Issuer{iss.CoreIssuer()}, // exact iss and its JWKS URL
		CookieNames: []string{"session"},
	})
	if err != nil {
		log.Fatal(err) // names the bad field and value
	}
	defer gate.Close()

	token, err := iss.Mint(devissuer.Claims{Subject: "alice"})
	if err != nil {
		log.Fatal(err)
	}

	// A token that reached the service some other way.
	s, err := gate.Verify(token, core.SourceAuthorization)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", s.Subject)

	// net/http: the gate decides, the handler writes.
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := gate.Check(core.HTTPRequest(r), core.CheckOptions{})
		for _, c := range d.SetCookies {
			w.Header().Add("Set-Cookie", c)
		}
		if d.Err != nil {
			core.ErrorResponse(d.Err).Write(w) // 401/403/503, never the token
			return
		}
		fmt.Fprintf(w, "hello %s (token from %s)\n", d.Session.Subject, d.Session.Source)
	})

	for _, set := range []func(*http.Request){
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) },
		func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "session", Value: token}) },
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer not-a-token") },
	} {
		r := httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
		set(r)
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// verified: alice
	// 200 hello alice (token from authorization)
	// 200 hello alice (token from cookie)
	// 401 {"error":"invalid_token","error_description":"the session token is malformed"}
}

// Check gives one decision per request: the session, or a typed error that
// ErrorResponse turns into the status, headers and body every adapter uses.
func ExampleGate_Check() {
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

	expired, _ := iss.Mint(devissuer.Claims{Subject: "bob", TTL: -time.Minute})
	r := httptest.NewRequest(http.MethodGet, "/me", nil)
	r.Header.Set("Authorization", "Bearer "+expired)

	d := gate.Check(core.HTTPRequest(r), core.CheckOptions{})
	resp := core.ErrorResponse(d.Err)
	fmt.Println("expired:", errors.Is(d.Err, core.ErrExpired))
	fmt.Println(resp.Status)
	for _, h := range resp.Header {
		fmt.Printf("%s: %s\n", h[0], h[1])
	}
	fmt.Print(string(resp.Body))

	// Optional mode: no token at all lets the request through anonymously.
	anon := gate.Check(core.HTTPRequest(httptest.NewRequest(http.MethodGet, "/", nil)), core.CheckOptions{Optional: true})
	fmt.Println("anonymous:", anon.Err == nil && anon.Session == nil)
	// Output:
	// expired: true
	// 401
	// WWW-Authenticate: Bearer error="invalid_token", error_description="the session token has expired"
	// Content-Type: application/json; charset=utf-8
	// Cache-Control: no-store
	// {"error":"invalid_token","error_description":"the session token has expired"}
	// anonymous: true
}

// A preset only fills Config values: for a Corbado project, both of its
// Frontend API hosts as issuers, bound to the keys of the host given. The dev
// issuer serves its keys where Corbado does (<issuer>/.well-known/jwks), so it
// can stand in for a Corbado project; the former cookie name
// cbo_short_session is still read.
func ExampleCorbadoConfig() {
	cfg := core.CorbadoConfig("https://pro-123.frontendapi.corbado.io/")
	for _, is := range cfg.Issuers {
		fmt.Println(is.Name, "keys at", is.JWKSURL)
	}
	fmt.Println(strings.Join(cfg.CookieNames, ", "))

	iss, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	gate, err := core.New(core.CorbadoConfig(iss.URL()))
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()

	token, _ := iss.Mint(devissuer.Claims{Subject: "usr-42"})
	r := httptest.NewRequest(http.MethodGet, "/me", nil)
	r.AddCookie(&http.Cookie{Name: "cbo_short_session", Value: token})
	d := gate.Check(core.HTTPRequest(r), core.CheckOptions{})
	if d.Err != nil {
		log.Fatal(d.Err)
	}
	fmt.Println(d.Session.Subject, "from", d.Session.CookieName)
	// Output:
	// https://pro-123.frontendapi.corbado.io keys at https://pro-123.frontendapi.corbado.io/.well-known/jwks
	// https://pro-123.frontendapi.cloud.corbado.io keys at https://pro-123.frontendapi.corbado.io/.well-known/jwks
	// cbo_session_token, cbo_short_session
	// usr-42 from cbo_short_session
}

package sessionhttp_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// The README quickstart, run against the built-in dev issuer instead of a
// provider.
func Example() {
	iss, err := devissuer.Start("", devissuer.Config{}) // loopback
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	gate, err := core.New(core.Config{
		Issuers:     []core.Issuer{iss.CoreIssuer()},
		CookieNames: []string{"session"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()

	protect, err := sessionhttp.New(gate, sessionhttp.Config{
		Skipper: func(r *http.Request) bool { return r.URL.Path == "/healthz" },
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionhttp.FromRequest(r)
		fmt.Fprintf(w, "hello %s (token from %s)\n", s.Subject, s.Source)
	})
	srv := httptest.NewServer(protect(mux))
	defer srv.Close()

	tok, _ := iss.Mint(devissuer.Claims{Subject: "alice"})
	for _, h := range []http.Header{
		{"Authorization": {"Bearer " + tok}},
		{"Cookie": {"session=" + tok}},
		{"Authorization": {"Bearer not-a-token"}},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/me", nil)
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %s", resp.StatusCode, body)
	}
	// Output:
	// 200 hello alice (token from authorization)
	// 200 hello alice (token from cookie)
	// 401 {"error":"invalid_token","error_description":"the session token is malformed"}
}

// Optional mode: a request without a token reaches the handler anonymously.
func ExampleConfig_optional() {
	iss, _ := devissuer.Start("", devissuer.Config{})
	defer iss.Close()
	gate, err := core.New(core.Config{Issuers: []core.Issuer{iss.CoreIssuer()}})
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()
	mw, _ := sessionhttp.New(gate, sessionhttp.Config{Optional: true})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, ok := sessionhttp.FromRequest(r); ok {
			fmt.Fprintln(w, "signed in as", s.Subject)
			return
		}
		fmt.Fprintln(w, "anonymous")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Print(rec.Body.String())
	// Output: anonymous
}

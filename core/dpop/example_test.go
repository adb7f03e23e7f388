package dpop_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sessiongate/sessiongate/core/dpop"
)

// A client calls an API with a DPoP-bound token: the Transport signs a
// proof for every request and answers the server's nonce challenge once.
func Example() {
	key, err := dpop.NewKey() // keep it for as long as the token bound to it
	if err != nil {
		log.Fatal(err)
	}
	// Ask the authorization server to bind the token to key.Thumbprint()
	// (dpop_jkt); here the token is just given.
	tr, err := dpop.NewTransport(dpop.TransportConfig{Key: key, Token: "the-access-token"})
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: tr}

	// An API that wants a server nonce in every proof.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := claims(r.Header.Get("DPoP")) // a real server verifies it: core's Gate does
		fmt.Printf("%s %v %v nonce=%v ath=%v\n", r.Header.Get("Authorization"), c["htm"],
			strings.TrimPrefix(c["htu"].(string), "http://"+r.Host), c["nonce"], c["ath"] != nil)
		w.Header().Set("DPoP-Nonce", "n-1")
		if c["nonce"] != "n-1" {
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer api.Close()

	resp, err := client.Post(api.URL+"/orders?draft=1", "text/plain", strings.NewReader("2 apples"))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// DPoP the-access-token POST /orders nonce=<nil> ath=true
	// DPoP the-access-token POST /orders nonce=n-1 ath=true
	// 200
}

// One proof for a request made some other way, here a token request
// (no access token yet, so no ath).
func ExampleKey_Proof() {
	key, err := dpop.NewKey()
	if err != nil {
		log.Fatal(err)
	}
	proof, err := key.Proof("POST", "https://as.example/token", "", "")
	if err != nil {
		log.Fatal(err)
	}
	c := claims(proof)
	fmt.Println(c["htm"], c["htu"], len(key.Thumbprint()))
	// Output: POST https://as.example/token 43
}

// claims decodes a proof's claims without verifying it: only for show.
func claims(proof string) map[string]any {
	parts := strings.Split(proof, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	json.Unmarshal(payload, &c)
	return c
}

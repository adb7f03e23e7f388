package forward_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/forward"
)

// The shop backend calls the payment backend with the token of the request
// it is serving; r.Context() holds the session the middleware verified.
func Example() {
	payment := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("payment got a bearer token:", len(r.Header.Get("Authorization")) > len("Bearer "))
	}))
	defer payment.Close()

	client, err := forward.Client(payment.URL) // only this origin gets tokens
	if err != nil {
		panic(err)
	}
	shop := func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, payment.URL+"/charge", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	// What the sessiongate middleware does before the handler runs:
	r := httptest.NewRequest(http.MethodPost, "/checkout", nil)
	r = r.WithContext(core.WithSession(r.Context(), &core.Session{Subject: "alice", Token: "eyJ.eyJ.sig"}))
	shop(httptest.NewRecorder(), r)
	// Output: payment got a bearer token: true
}

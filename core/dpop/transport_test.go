package dpop

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// seen is one request as a test server received it.
type seen struct {
	method, path, authorization, body string
	proofs                            int // DPoP header lines
	claims                            map[string]any
}

// recorder is a test server that verifies every proof with go-jose and
// answers with respond (200 when nil).
type recorder struct {
	t       *testing.T
	mu      sync.Mutex
	got     []seen
	respond func(n int, s seen, w http.ResponseWriter) // n counts from 0
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s := seen{method: r.Method, path: r.URL.RequestURI(), authorization: r.Header.Get("Authorization"),
		body: string(body), proofs: len(r.Header.Values("DPoP"))}
	if s.proofs == 1 {
		s.claims = verifyProof(rec.t, r.Header.Get("DPoP")).claims
	}
	rec.mu.Lock()
	n := len(rec.got)
	rec.got = append(rec.got, s)
	rec.mu.Unlock()
	if rec.respond != nil {
		rec.respond(n, s, w)
	}
}

func (rec *recorder) requests() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.got...)
}

// serve starts rec and a client whose Transport uses cfg (Key made when
// nil).
func serve(t *testing.T, rec *recorder, cfg TransportConfig) (*httptest.Server, *http.Client) {
	t.Helper()
	rec.t = t
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	if cfg.Key == nil {
		var err error
		if cfg.Key, err = NewKey(); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := NewTransport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, &http.Client{Transport: tr}
}

// askNonce answers like a resource server that wants nonce want.
func askNonce(w http.ResponseWriter, want string, s seen) bool {
	w.Header().Set("DPoP-Nonce", want)
	if s.claims["nonce"] == want {
		return false
	}
	w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`)
	w.WriteHeader(http.StatusUnauthorized)
	return true
}

func do(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestTransportSignsAFreshProofPerRequest(t *testing.T) {
	rec := &recorder{}
	srv, c := serve(t, rec, TransportConfig{Token: "at-123"})
	for range 2 {
		do(t, c, newRequest(t, "GET", srv.URL+"/orders?page=2&access_token=x#top", nil))
	}
	got := rec.requests()
	if len(got) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(got))
	}
	for _, s := range got {
		if s.proofs != 1 {
			t.Fatalf("request carried %d DPoP headers, want 1", s.proofs)
		}
		if s.authorization != "DPoP at-123" {
			t.Errorf("Authorization = %q, want the configured token as DPoP", s.authorization)
		}
		if s.claims["htm"] != "GET" || s.claims["htu"] != srv.URL+"/orders" || s.claims["ath"] != ath("at-123") {
			t.Errorf("claims = %v: want htm GET, htu without query, ath of the token", s.claims)
		}
		if _, ok := s.claims["nonce"]; ok {
			t.Error("a nonce was sent before any server gave one")
		}
	}
	if got[0].claims["jti"] == got[1].claims["jti"] {
		t.Fatal("two requests carried the same jti")
	}
}

func TestTransportBindsTheRequestsOwnToken(t *testing.T) {
	cases := []struct {
		name, configured, header, wantAuth string
		wantAth                            any
	}{
		{"the request's DPoP token wins over the configured one", "configured", "DPoP per-request", "DPoP per-request", ath("per-request")},
		{"the scheme is matched in any case", "", "dpop per-request", "dpop per-request", ath("per-request")},
		{"a Bearer token is left alone and not bound", "configured", "Bearer b", "Bearer b", nil},
		{"no token at all: no ath", "", "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			srv, c := serve(t, rec, TransportConfig{Token: tc.configured})
			req := newRequest(t, "DELETE", srv.URL+"/x", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			do(t, c, req)
			s := rec.requests()[0]
			if s.authorization != tc.wantAuth || s.claims["ath"] != tc.wantAth || s.claims["htm"] != "DELETE" {
				t.Fatalf("Authorization %q, ath %v, htm %v; want %q, %v, DELETE", s.authorization, s.claims["ath"], s.claims["htm"], tc.wantAuth, tc.wantAth)
			}
		})
	}
}

func TestTransportRetriesOnceWithTheServersNonce(t *testing.T) {
	rec := &recorder{respond: func(_ int, s seen, w http.ResponseWriter) {
		if !askNonce(w, "nonce-1", s) {
			fmt.Fprint(w, "ok ", s.body)
		}
	}}
	srv, c := serve(t, rec, TransportConfig{Token: "at"})
	status, body := do(t, c, newRequest(t, "POST", srv.URL+"/pay", strings.NewReader("amount=5")))
	if status != 200 || body != "ok amount=5" {
		t.Fatalf("got %d %q, want 200 after the retry", status, body)
	}
	got := rec.requests()
	if len(got) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(got))
	}
	if got[1].claims["nonce"] != "nonce-1" || got[1].body != "amount=5" || got[1].claims["jti"] == got[0].claims["jti"] {
		t.Fatalf("retry: nonce %v, body %q, same jti %v; want the nonce, the same body, a new proof",
			got[1].claims["nonce"], got[1].body, got[1].claims["jti"] == got[0].claims["jti"])
	}
	// The nonce is remembered: the next request needs no retry.
	do(t, c, newRequest(t, "GET", srv.URL+"/pay", nil))
	if got = rec.requests(); len(got) != 3 || got[2].claims["nonce"] != "nonce-1" {
		t.Fatalf("next request: %d requests, nonce %v; want one more request with nonce-1", len(got), got[len(got)-1].claims["nonce"])
	}
}

func TestTransportNeverRetriesTwice(t *testing.T) {
	rec := &recorder{respond: func(n int, s seen, w http.ResponseWriter) {
		askNonce(w, fmt.Sprint("rotating-", n), s) // a new nonce every time: never satisfied
	}}
	srv, c := serve(t, rec, TransportConfig{})
	status, _ := do(t, c, newRequest(t, "GET", srv.URL+"/", nil))
	if n := len(rec.requests()); status != http.StatusUnauthorized || n != 2 {
		t.Fatalf("got %d after %d requests, want 401 after 2", status, n)
	}
}

func TestTransportDoesNotRetry(t *testing.T) {
	cases := []struct {
		name    string
		body    func() io.Reader // nil: no body
		noGet   bool             // clear GetBody
		respond func(n int, s seen, w http.ResponseWriter)
	}{
		{"a body that cannot be sent again", func() io.Reader { return strings.NewReader("once") }, true,
			func(_ int, s seen, w http.ResponseWriter) { askNonce(w, "n", s) }},
		{"the same nonce as the one sent", nil, false, func(_ int, s seen, w http.ResponseWriter) {
			w.Header().Set("DPoP-Nonce", "same")
			if s.claims["nonce"] != "same" {
				w.WriteHeader(200) // hands out the nonce first
				return
			}
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(401)
		}},
		{"a 401 without use_dpop_nonce", nil, false, func(_ int, _ seen, w http.ResponseWriter) {
			w.Header().Set("DPoP-Nonce", "n")
			w.Header().Set("WWW-Authenticate", `DPoP error="invalid_dpop_proof"`)
			w.WriteHeader(401)
		}},
		{"use_dpop_nonce without a nonce", nil, false, func(_ int, _ seen, w http.ResponseWriter) {
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(401)
		}},
		{"use_dpop_nonce with an invalid nonce", nil, false, func(_ int, _ seen, w http.ResponseWriter) {
			w.Header().Set("DPoP-Nonce", `bad"nonce`)
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(401)
		}},
		{"use_dpop_nonce on a 403", nil, false, func(_ int, _ seen, w http.ResponseWriter) {
			w.Header().Set("DPoP-Nonce", "n")
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(403)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{respond: tc.respond}
			srv, c := serve(t, rec, TransportConfig{})
			if tc.name == "the same nonce as the one sent" {
				do(t, c, newRequest(t, "GET", srv.URL+"/", nil))
			}
			before := len(rec.requests())
			var body io.Reader
			if tc.body != nil {
				body = tc.body()
			}
			req := newRequest(t, "POST", srv.URL+"/", body)
			if tc.noGet {
				req.GetBody = nil
			}
			status, _ := do(t, c, req)
			if n := len(rec.requests()) - before; n != 1 || status == 200 {
				t.Fatalf("server saw %d requests and the client got %d; want 1 request and its refusal", n, status)
			}
		})
	}
}

func TestTransportRemembersNoncesPerOrigin(t *testing.T) {
	a := &recorder{respond: func(_ int, _ seen, w http.ResponseWriter) { w.Header().Set("DPoP-Nonce", "from-a") }}
	b := &recorder{}
	key, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	srvA, c := serve(t, a, TransportConfig{Key: key})
	b.t = t
	srvB := httptest.NewServer(b)
	defer srvB.Close()
	do(t, c, newRequest(t, "GET", srvA.URL+"/", nil))
	do(t, c, newRequest(t, "GET", srvB.URL+"/", nil))
	do(t, c, newRequest(t, "GET", srvA.URL+"/again", nil))
	if n := b.requests()[0].claims["nonce"]; n != nil {
		t.Errorf("origin B got origin A's nonce %v", n)
	}
	if n := a.requests()[1].claims["nonce"]; n != "from-a" {
		t.Errorf("origin A's second request carried nonce %v, want from-a", n)
	}
}

func TestTransportBoundsTheNonces(t *testing.T) {
	tr, err := NewTransport(TransportConfig{Key: mustKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * maxOrigins {
		tr.remember(fmt.Sprintf("https://h%d.example", i), &http.Response{Header: http.Header{"Dpop-Nonce": {"n"}}})
	}
	if n := len(tr.nonces); n > maxOrigins {
		t.Fatalf("remembers %d origins, want at most %d", n, maxOrigins)
	}
}

func TestTransportLeavesTheRequestAlone(t *testing.T) {
	rec := &recorder{}
	srv, c := serve(t, rec, TransportConfig{Token: "at"})
	req := newRequest(t, "GET", srv.URL+"/", nil)
	req.Header.Set("X-Mine", "1")
	do(t, c, req)
	if len(req.Header) != 1 || req.Header.Get("X-Mine") != "1" {
		t.Fatalf("the caller's request headers became %v", req.Header)
	}
}

// closeRecorder notes whether the transport closed a request body.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestTransportRefusesWhatItCannotSign(t *testing.T) {
	tr, err := NewTransport(TransportConfig{Key: mustKey(t), Base: failIfCalled{t}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, url, auth string
		want                    error
	}{
		{"a URL that cannot be an htu", "GET", "ftp://files.example/x", "", ErrURL},
		{"a method that is not a token", "GE T", "https://rs.example/", "", ErrMethod},
		{"an Authorization DPoP value that is no token", "GET", "https://rs.example/", `DPoP sec"ret`, ErrToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := &closeRecorder{Reader: bytes.NewReader(nil)}
			req := newRequest(t, "GET", tc.url, body)
			req.Method = tc.method
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := tr.RoundTrip(req)
			if !errors.Is(err, tc.want) || resp != nil {
				t.Fatalf("RoundTrip = %v, %v; want %v", resp, err, tc.want)
			}
			if strings.Contains(err.Error(), "sec") {
				t.Fatalf("error %q quotes the token", err)
			}
			if !body.closed {
				t.Fatal("the request body was not closed (RoundTripper contract)")
			}
		})
	}
}

type failIfCalled struct{ t *testing.T }

func (f failIfCalled) RoundTrip(*http.Request) (*http.Response, error) {
	f.t.Error("the base transport was called")
	return nil, errors.New("unreachable")
}

func TestNewTransportValidates(t *testing.T) {
	cases := []struct {
		name string
		cfg  TransportConfig
	}{
		{"no key", TransportConfig{}},
		{"a token that is no token68", TransportConfig{Key: mustKey(t), Token: "sec ret"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewTransport(tc.cfg)
			if !errors.Is(err, ErrConfig) || tr != nil {
				t.Fatalf("NewTransport = %v, %v; want ErrConfig", tr, err)
			}
			if strings.Contains(err.Error(), "sec") {
				t.Fatalf("error %q quotes the token", err)
			}
		})
	}
}

func mustKey(t *testing.T) *Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestTransportAnswersAnAuthorizationServersNonceError: a token endpoint
// asks for a nonce with 400 and the JSON error use_dpop_nonce (RFC 9449
// §8); the request goes again once with it. Any other 400 reaches the
// caller with its body whole.
func TestTransportAnswersAnAuthorizationServersNonceError(t *testing.T) {
	nonceErr := `{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}`
	cases := []struct {
		name, contentType, body string
		wantRequests            int
	}{
		{"use_dpop_nonce: one retry", "application/json", nonceErr, 2},
		{"use_dpop_nonce with a charset: one retry", "application/json; charset=utf-8", nonceErr, 2},
		{"another OAuth error", "application/json", `{"error":"invalid_grant"}`, 1},
		{"not JSON", "text/plain", nonceErr, 1},
		{"a body over the read limit", "application/json", `{"error":"use_dpop_nonce","pad":"` + strings.Repeat("x", maxErrorBody) + `"}`, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{respond: func(_ int, s seen, w http.ResponseWriter) {
				w.Header().Set("DPoP-Nonce", "as-nonce")
				if s.claims["nonce"] == "as-nonce" {
					fmt.Fprint(w, `{"access_token":"at","token_type":"DPoP"} for `, s.body)
					return
				}
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, tc.body)
			}}
			srv, c := serve(t, rec, TransportConfig{})
			status, body := do(t, c, newRequest(t, "POST", srv.URL+"/token", strings.NewReader("grant_type=authorization_code")))
			if n := len(rec.requests()); n != tc.wantRequests {
				t.Fatalf("server saw %d requests, want %d", n, tc.wantRequests)
			}
			switch {
			case tc.wantRequests == 2 && (status != 200 || !strings.HasSuffix(body, "for grant_type=authorization_code")):
				t.Fatalf("after the retry: %d %q, want 200 with the same form", status, body)
			case tc.wantRequests == 1 && (status != 400 || body != tc.body):
				t.Fatalf("got %d and %d bytes of body, want 400 with the server's %d bytes untouched", status, len(body), len(tc.body))
			}
		})
	}
}

// TestTransportIsSafeForConcurrentUse: one Transport, many goroutines,
// nonces changing underneath (run with -race).
func TestTransportIsSafeForConcurrentUse(t *testing.T) {
	rec := &recorder{respond: func(n int, s seen, w http.ResponseWriter) {
		askNonce(w, fmt.Sprint("n", n/10), s) // a new nonce every ten requests
	}}
	srv, c := serve(t, rec, TransportConfig{Token: "at"})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				req, _ := http.NewRequest("GET", srv.URL+"/", nil)
				resp, err := c.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	jtis := map[any]bool{}
	for _, s := range rec.requests() {
		if jtis[s.claims["jti"]] {
			t.Fatalf("jti %v sent twice", s.claims["jti"])
		}
		jtis[s.claims["jti"]] = true
	}
	if n := len(jtis); n < 80 || n > 160 {
		t.Fatalf("%d requests for 80 calls: want between 80 and 160 (at most one retry each)", n)
	}
}

package core_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// FuzzCheck feeds hostile Authorization and Cookie headers to a gate: it must
// never panic, every refusal must be a typed *core.Error answered with 400,
// 401, 403 or 503 (never 500), and no answer or error may contain the token.
// The seeds run with every go test; go test -fuzz=FuzzCheck explores further.
func FuzzCheck(f *testing.F) {
	iss, err := devissuer.New(devissuer.Config{Issuer: "https://issuer.example.test"})
	if err != nil {
		f.Fatal(err)
	}
	older := "old.example.test"
	gate, err := core.New(core.Config{
		Issuers:           []core.Issuer{{Name: iss.URL(), JWKS: string(iss.JWKS())}},
		CookieNames:       []string{"sid", "sid_old"},
		CookieDomain:      "example.test",
		OlderCookieDomain: older,
		HeaderName:        "X-Session-Token",
		QueryParam:        "token",
	})
	if err != nil {
		f.Fatal(err)
	}
	defer gate.Close()
	tok, _ := iss.Mint(devissuer.Claims{Subject: "alice", TTL: time.Hour})
	parts := strings.Split(tok, ".")
	for _, seed := range [][3]string{
		{"GET", "Bearer " + tok, ""},
		{"GET", "", "sid=" + tok + "; sid=" + tok + "x"},
		{"POST", "", "sid=" + tok},
		{"GET", "Bearer " + parts[0] + "." + parts[1] + ".", ""},
		{"GET", "Bearer ..", "sid=;;;=;sid"},
		{"GET", "bEaReR\t\t" + tok, "sid=\"" + tok + "\""},
		{"GET", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", ""},
		{"GET", "Bearer eyJ.eyJ.sig", "sid_old=%00%ff"},
		{"DELETE", "Basic Zm9vOmJhcg==", "sid=" + strings.Repeat("A", 9000)},
		{"GET", "Bearer \xff\xfe", "sid=\x00"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, method, authz, cookie string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Method = method
		if authz != "" {
			r.Header["Authorization"] = strings.Split(authz, "\n")
		}
		if cookie != "" {
			r.Header["Cookie"] = strings.Split(cookie, "\n")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		d := gate.Check(core.HTTPRequest(r), core.CheckOptions{})
		if d.Err == nil {
			if d.Session == nil || d.Session.Subject != "alice" {
				t.Fatalf("accepted without the valid session: %+v", d.Session)
			}
			return
		}
		var e *core.Error
		if !errors.As(d.Err, &e) {
			t.Fatalf("refusal is not a *core.Error: %T %v", d.Err, d.Err)
		}
		resp := core.ErrorResponse(d.Err)
		switch resp.Status {
		case 400, 401, 403, 503:
		default:
			t.Fatalf("status %d for %v", resp.Status, d.Err)
		}
		for _, secret := range []string{tok, parts[2]} {
			if strings.Contains(d.Err.Error(), secret) || strings.Contains(string(resp.Body), secret) {
				t.Fatal("the token leaks into the error or the body")
			}
		}
	})
}

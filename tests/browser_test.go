package tests

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// browserReport is what the pages' scripts return.
type browserReport struct {
	Before  string `json:"before"`  // Cookie header the API saw before the protected call
	Status  int    `json:"status"`  // status of the protected call
	Me      string `json:"me"`      // its body
	After   string `json:"after"`   // Cookie header the API saw afterwards
	Status2 int    `json:"status2"` // a second protected call, after the cleanup
	Strict  int    `json:"strict"`  // same-site POST to a gate that does not trust www
	Trusted int    `json:"trusted"` // same-site POST to a gate that trusts www
}

// TestBrowserOlderCookieDomainCleanup runs the older-cookie-domain scenario
// in real headless Chromium, with real domain names mapped to loopback:
//
//  1. api.example.test carries a host-only cookie sid (the old domain) and
//     a newer sid on Domain=example.test; Chromium sends both.
//  2. The protected call picks the newer valid token and answers with a
//     Set-Cookie that clears sid on the older (host-only) domain.
//  3. Chromium really drops the old cookie: the next request carries one sid,
//     and the user is still signed in.
//  4. A same-site cross-origin POST from www.example.test with the cookie is
//     refused (403) unless www is a configured website origin.
func TestBrowserOlderCookieDomainCleanup(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	api := fmt.Sprintf("http://api.example.test:%d", port)
	www := fmt.Sprintf("http://www.example.test:%d", port)

	iss := startIssuer(t, devissuer.Config{})
	cfg := func(origins ...string) core.Config {
		return core.Config{
			Issuers:             []core.Issuer{iss.CoreIssuer()},
			CookieNames:         []string{"sid"},
			CookieDomain:        "example.test",
			OlderCookieHostOnly: true,
			APIDomains:          []string{"api.example.test"},
			WebsiteOrigins:      origins,
			Cookie:              core.CookieAttributes{Insecure: true}, // plain HTTP on loopback
		}
	}
	strictGate, err := core.New(cfg())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { strictGate.Close() })
	trustedGate, err := core.New(cfg(www))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { trustedGate.Close() })
	strict, _ := sessionhttp.New(strictGate, sessionhttp.Config{})
	trusted, _ := sessionhttp.New(trustedGate, sessionhttp.Config{})

	// Two copies of one user's session, told apart by a claim: valid copies
	// of different subjects are refused as a conflict.
	oldTok, _ := iss.Mint(devissuer.Claims{Subject: "user", IssuedAt: time.Now().Add(-10 * time.Minute), TTL: time.Hour, Extra: map[string]any{"copy": "old-cookie"}})
	newTok, _ := iss.Mint(devissuer.Claims{Subject: "user", IssuedAt: time.Now().Add(-time.Minute), TTL: time.Hour, Extra: map[string]any{"copy": "new-cookie"}})

	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionhttp.FromRequest(r)
		which, _ := s.Claims()["copy"].(string)
		io.WriteString(w, which)
	})
	cors := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", www)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			h.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /setup", func(w http.ResponseWriter, r *http.Request) {
		// The old host-only cookie first, then the new one on the shared domain.
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: oldTok, Path: "/", SameSite: http.SameSiteLaxMode})
		http.SetCookie(w, strictGate.Cookies().Set("sid", newTok, time.Now().Add(time.Hour)))
	})
	mux.HandleFunc("GET /cookies", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Join(r.Header.Values("Cookie"), "; "))
	})
	mux.Handle("GET /api/me", strict(me))
	mux.Handle("POST /strict/notes", cors(strict(me)))
	mux.Handle("POST /trusted/notes", cors(trusted(me)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<!doctype html>") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	b := startBrowser(t)
	tb := b.newTab()
	var rep browserReport
	tb.navigate(t, api+"/")
	tb.mustEval(t, `(async () => {
  const out = {};
  const text = async (p, o) => { const r = await fetch(p, o); return [r.status, await r.text()]; };
  await fetch('/setup');
  [, out.before] = await text('/cookies');
  [out.status, out.me] = await text('/api/me');
  [, out.after] = await text('/cookies');
  [out.status2] = await text('/api/me');
  return out;
})()`, &rep)
	tb.navigate(t, www+"/")
	tb.mustEval(t, `(async () => {
  const post = async p => (await fetch('`+api+`' + p, {method: 'POST', credentials: 'include'})).status;
  return {strict: await post('/strict/notes'), trusted: await post('/trusted/notes')};
})()`, &rep)

	if n := strings.Count(rep.Before, "sid="); n != 2 {
		t.Fatalf("before cleanup Chromium sent %d sid cookies, want 2 (host-only and Domain=example.test): %q", n, rep.Before)
	}
	if rep.Status != 200 || rep.Me != "new-cookie" {
		t.Errorf("protected call with both cookies: status %d copy %q, want 200 from the newest token (new-cookie)", rep.Status, rep.Me)
	}
	if strings.Count(rep.After, "sid=") != 1 || !strings.Contains(rep.After, newTok) {
		t.Errorf("after cleanup Chromium sent %q, want only the new sid cookie", redact(rep.After, oldTok, newTok))
	}
	if rep.Status2 != 200 {
		t.Errorf("second protected call: status %d, want 200 (the user stays signed in)", rep.Status2)
	}
	if rep.Strict != 403 {
		t.Errorf("same-site POST from www to a gate that does not trust it: %d, want 403", rep.Strict)
	}
	if rep.Trusted != 200 {
		t.Errorf("same-site POST from a configured website origin: %d, want 200", rep.Trusted)
	}
}

func redact(s string, toks ...string) string {
	for i, tok := range toks {
		s = strings.ReplaceAll(s, tok, fmt.Sprintf("<token%d>", i))
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

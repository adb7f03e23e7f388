package tests

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// TestBrowserOwnSession runs examples/ownsession in headless Chromium and
// presses its page's buttons in order, as a user would:
//
//  1. the page fetches a provider token from the dev issuer (CORS) and
//     exchanges it: the browser stores sg_access and sg_refresh, both
//     HttpOnly, the refresh cookie only for /auth/refresh;
//  2. GET /api/me answers alice; the same provider token again is refused;
//  3. refresh replaces the refresh cookie;
//  4. with the access cookie gone (as when it expires), GET /api/me
//     renews it through /auth/refresh once and answers 200;
//  5. the session list shows this session as the current one;
//  6. logout clears both cookies, and GET /api/me is then 401 (the
//     page's single refresh attempt is refused too: no loop).
func TestBrowserOwnSession(t *testing.T) {
	port := freePort(t)
	page := fmt.Sprintf("http://127.0.0.1:%d/", port)
	iss := startIssuer(t, devissuer.Config{CORSOrigins: []string{strings.TrimSuffix(page, "/")}})
	startExample(t, "ownsession", 1, "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-issuer", iss.URL(), "-store", "memory")

	b := startBrowser(t)
	tb := b.newTab()
	tb.navigate(t, page)
	click := func(id, want string) string {
		t.Helper()
		tb.mustEval(t, `document.getElementById('out').textContent = '...'`, nil)
		tb.mustEval(t, `document.getElementById('`+id+`').click()`, nil)
		tb.waitFor(t, `document.getElementById('out').textContent !== '...'`)
		var out string
		tb.mustEval(t, `document.getElementById('out').textContent`, &out)
		if !strings.Contains(out, want) {
			t.Fatalf("after %s the page shows %q, want %q", id, hideTokens(out), want)
		}
		return out
	}

	click("provider", "provider token: eyJ")
	click("exchange", "\n200 {\"session_id\"")
	access, refresh := b.cookies("sg_access"), b.cookies("sg_refresh")
	if len(access) != 1 || !access[0].HTTPOnly || access[0].Path != "/" {
		t.Errorf("sg_access in the browser: %+v, want one HttpOnly cookie on /", redactCookies(access))
	}
	if len(refresh) != 1 || !refresh[0].HTTPOnly || refresh[0].Path != "/auth/refresh" {
		t.Fatalf("sg_refresh in the browser: %+v, want one HttpOnly cookie on /auth/refresh", redactCookies(refresh))
	}
	var seen string
	tb.mustEval(t, `document.cookie`, &seen)
	if strings.Contains(seen, "sg_") {
		t.Errorf("the page's script reads the session cookies: %q", hideTokens(seen))
	}

	click("me", `"subject":"alice"`)
	click("exchange", "already used")
	click("refresh", "\n200 {\"expires_in\"")
	if now := b.cookies("sg_refresh"); len(now) != 1 || now[0].Value == refresh[0].Value {
		t.Error("refresh did not replace the refresh cookie")
	}

	deleteCookie(t, tb, "sg_access", page)
	click("me", `"subject":"alice"`) // renewed through /auth/refresh on the 401

	list := click("list", `"current":true`)
	if n := strings.Count(list, `"id"`); n != 1 {
		t.Errorf("the list shows %d sessions, want 1: %s", n, list)
	}
	var rows int
	tb.mustEval(t, `document.querySelectorAll('#sessions li').length`, &rows)
	if rows != 1 {
		t.Errorf("%d rows in the page's session list, want 1", rows)
	}

	click("logout", "\n200 {\"revoked\":1}")
	if a, r := b.cookies("sg_access"), b.cookies("sg_refresh"); len(a)+len(r) != 0 {
		t.Errorf("after logout the browser still holds %d access and %d refresh cookies", len(a), len(r))
	}
	click("me", "\n401 ")
}

// deleteCookie removes a cookie from the browser's store, as its expiry would.
func deleteCookie(t *testing.T, tb *tab, name, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tb.b.call(ctx, tb.session, "Network.deleteCookies", map[string]any{"name": name, "url": url}, nil); err != nil {
		t.Fatal(err)
	}
	if left := tb.b.cookies(name); len(left) != 0 {
		t.Fatalf("%s still in the browser after Network.deleteCookies", name)
	}
}

// hideTokens cuts JWTs and refresh tokens short in a failure message.
func hideTokens(s string) string {
	return tokenRe.ReplaceAllString(s, "$1...")
}

var tokenRe = regexp.MustCompile(`(eyJ[\w-]{4}|sgr1\.)[\w.-]+`)

// redactCookies hides the cookies' values (tokens) in a failure message.
func redactCookies(cs []cookie) []cookie {
	out := make([]cookie, len(cs))
	for i, c := range cs {
		c.Value = "[redacted]"
		out[i] = c
	}
	return out
}

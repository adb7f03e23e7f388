package sessions

import (
	"net/http"
	"strings"

	"github.com/sessiongate/sessiongate/core"
)

// maxRefreshCookies bounds how many refresh cookie values a request may
// make the endpoint look at (a browser sends one per domain it holds).
const maxRefreshCookies = 8

// refreshCookie scopes c, written by the gate's cookie writer (domain,
// Secure), to the refresh path, HttpOnly and SameSite=Lax whatever the
// access cookie's attributes: the refresh token is never for scripts, and
// only the refresh endpoint needs it.
func (e *Endpoints) refreshCookie(c *http.Cookie) *http.Cookie {
	if c == nil {
		return nil
	}
	c.Path, c.HttpOnly, c.SameSite = e.refPath, true, http.SameSiteLaxMode
	return c
}

// issueCookies are the Set-Cookie lines that store is in the browser. With
// clearOlder, the copies on the older cookie domain are cleared first.
func (e *Endpoints) issueCookies(is *Issued, clearOlder bool) [][2]string {
	w := e.gate.Cookies()
	var older []*http.Cookie
	if clearOlder {
		older = []*http.Cookie{w.ClearOlder(e.names.Access), e.refreshCookie(w.ClearOlder(e.names.Refresh))}
	}
	return setCookies(append(older,
		w.Set(e.names.Access, is.AccessToken, is.AccessExpiresAt),
		e.refreshCookie(w.Set(e.names.Refresh, is.RefreshToken, is.RefreshExpiresAt)),
	)...)
}

// clearCookies are the Set-Cookie lines that delete both cookies, on the
// cookie domain and on the older one.
func (e *Endpoints) clearCookies() [][2]string {
	w := e.gate.Cookies()
	return setCookies(
		w.Clear(e.names.Access), w.ClearOlder(e.names.Access),
		e.refreshCookie(w.Clear(e.names.Refresh)), e.refreshCookie(w.ClearOlder(e.names.Refresh)),
	)
}

// cookieValues returns the values of every cookie called name in r's Cookie
// lines, in order, duplicates included, at most limit. Pairs that are not
// name=value are skipped rather than failing the whole line, as browsers
// send what they hold.
func cookieValues(r core.Request, name string, limit int) []string {
	var out []string
	for _, line := range r.Header("Cookie") {
		for line != "" && len(out) < limit {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || k != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

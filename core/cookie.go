package core

import (
	"net/http"
	"strings"
	"time"
)

// CookieAttributes are the attributes of every session cookie core writes.
// The zero value is the safe default: Path=/, Secure, HttpOnly, SameSite=Lax,
// a session cookie (no expiry) unless a lifetime is given when setting.
type CookieAttributes struct {
	// Path of the cookie. Default "/".
	Path string
	// Insecure drops the Secure attribute. Only for plain-HTTP development
	// hosts other than localhost; refused together with SameSite=None and
	// with the __Host- and __Secure- name prefixes.
	Insecure bool
	// ScriptReadable drops HttpOnly, for frontends whose JavaScript must read
	// the token to forward it as a bearer header.
	ScriptReadable bool
	// SameSite; the zero value means Lax, http.SameSiteDefaultMode omits the
	// attribute. SameSite=None requires Secure.
	SameSite http.SameSite
}

// CookieWriter sets and clears session cookies with one set of rules: the
// configured attributes on the configured cookie domain, and the same
// attributes on the older cookie domain when clearing leftovers. Get it from
// Gate.Cookies; it is safe for concurrent use.
type CookieWriter struct {
	attrs       CookieAttributes
	domain      string // normalised; "" means host-only
	older       string // normalised; "" with olderSet means host-only
	olderSet    bool
	secure      bool
	httpOnly    bool
	sameSite    http.SameSite
	currentName string
}

// cookieConfig is what newCookieWriter needs, taken from Config.
type cookieConfig struct {
	Name          string // the current session cookie name
	Domain        string // Config.CookieDomain
	OlderDomain   string // Config.OlderCookieDomain
	OlderHostOnly bool   // Config.OlderCookieHostOnly
	Attributes    CookieAttributes
}

// newCookieWriter validates cfg and returns a writer for it.
func newCookieWriter(cfg cookieConfig) (*CookieWriter, error) {
	w := &CookieWriter{attrs: cfg.Attributes, currentName: cfg.Name}
	if w.attrs.Path == "" {
		w.attrs.Path = "/"
	}
	if !strings.HasPrefix(w.attrs.Path, "/") || strings.ContainsAny(w.attrs.Path, ";\x00\r\n") {
		return nil, configErr("Cookie.Path", w.attrs.Path, "must start with / and contain no ';' or control characters")
	}
	w.secure = !w.attrs.Insecure
	w.httpOnly = !w.attrs.ScriptReadable
	w.sameSite = w.attrs.SameSite
	if w.sameSite == 0 {
		w.sameSite = http.SameSiteLaxMode
	}
	if w.sameSite == http.SameSiteNoneMode && !w.secure {
		return nil, configErr("Cookie.SameSite", "None", "SameSite=None requires Secure (unset Cookie.Insecure)")
	}
	if cfg.Domain != "" {
		d, err := normalizeCookieDomain("CookieDomain", cfg.Domain)
		if err != nil {
			return nil, err
		}
		w.domain = d
	}
	if err := w.setOlder(cfg); err != nil {
		return nil, err
	}
	if cfg.Name != "" {
		if err := w.checkName("CookieNames", cfg.Name); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// setOlder validates where the older cookies lived: a domain, or host-only,
// never both, and never where the current cookie lives.
func (w *CookieWriter) setOlder(cfg cookieConfig) error {
	switch {
	case cfg.OlderDomain != "" && cfg.OlderHostOnly:
		return configErr("OlderCookieHostOnly", "true", "cannot be combined with OlderCookieDomain %q: the older cookies lived either on a domain or host-only", cfg.OlderDomain)
	case cfg.OlderHostOnly:
		w.olderSet = true
		if w.domain == "" {
			return configErr("OlderCookieHostOnly", "true", "the current cookie is host-only too (CookieDomain is empty); clearing it would sign every user out")
		}
	case cfg.OlderDomain != "":
		d, err := normalizeCookieDomain("OlderCookieDomain", cfg.OlderDomain)
		if err != nil {
			return err
		}
		if d == w.domain {
			return configErr("OlderCookieDomain", cfg.OlderDomain, "is the same as CookieDomain %q; clearing it would sign every user out", cfg.Domain)
		}
		w.older, w.olderSet = d, true
	}
	return nil
}

// checkName enforces cookie-name syntax and the __Host- and __Secure- prefix
// rules (RFC 6265bis 4.1.3) against the writer's attributes.
func (w *CookieWriter) checkName(field, name string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
		return configErr(field, name, "is not a valid cookie name (RFC 6265 token)")
	}
	// Browsers match the prefixes case-insensitively (RFC 6265bis), so must we.
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "__secure-") && !w.secure {
		return configErr(field, name, "a __Secure- cookie requires Secure (unset Cookie.Insecure)")
	}
	if strings.HasPrefix(lower, "__host-") {
		if !w.secure || w.attrs.Path != "/" || w.domain != "" {
			return configErr(field, name, "a __Host- cookie requires Secure, Path=/ and no CookieDomain")
		}
		if w.olderSet && w.older != "" {
			return configErr(field, name, "a __Host- cookie cannot have an OlderCookieDomain")
		}
	}
	return nil
}

func isTokenChar(r rune) bool {
	if r <= ' ' || r >= 0x7f {
		return false
	}
	return !strings.ContainsRune(`()<>@,;:\"/[]?={}`, r)
}

// Domain returns the normalised cookie domain ("" for host-only cookies).
func (w *CookieWriter) Domain() string { return w.domain }

// Set returns the cookie that stores token under name on the cookie domain.
// A zero expires makes it a browser-session cookie; an expiry already past
// makes it a deletion (Max-Age=0).
func (w *CookieWriter) Set(name, token string, expires time.Time) *http.Cookie {
	c := w.base(name, w.domain)
	c.Value = token
	if !expires.IsZero() {
		c.Expires = expires.UTC()
		c.MaxAge = int(time.Until(expires).Seconds())
		if c.MaxAge <= 0 {
			c.MaxAge = -1 // serialised as Max-Age=0
		}
	}
	return c
}

// Clear returns the cookie that deletes name on the cookie domain.
func (w *CookieWriter) Clear(name string) *http.Cookie { return w.clear(name, w.domain) }

// ClearOlder returns the cookie that deletes name where the older cookies
// lived (OlderCookieDomain, or host-only with OlderCookieHostOnly), or nil
// when neither is configured.
func (w *CookieWriter) ClearOlder(name string) *http.Cookie {
	if !w.olderSet {
		return nil
	}
	return w.clear(name, w.older)
}

func (w *CookieWriter) clear(name, domain string) *http.Cookie {
	c := w.base(name, domain)
	c.Expires = time.Unix(0, 0).UTC()
	c.MaxAge = -1 // serialised as Max-Age=0
	return c
}

func (w *CookieWriter) base(name, domain string) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Domain:   domain,
		Path:     w.attrs.Path,
		Secure:   w.secure,
		HttpOnly: w.httpOnly,
		SameSite: w.sameSite,
	}
}

// cookieSet collects the Set-Cookie lines of one response, keyed by name,
// domain and path: adding a cookie with the same three replaces the earlier
// one, while the same name on another domain is kept beside it (so a response
// can clear sid on the older domain and set sid on the new one).
type cookieSet struct {
	cookies []*http.Cookie
}

// add puts c in the set, replacing a cookie with the same name, domain and path.
func (s *cookieSet) add(c *http.Cookie) {
	if c == nil {
		return
	}
	for i, old := range s.cookies {
		// A leading dot names the same cookie to a browser.
		if old.Name == c.Name && strings.EqualFold(strings.TrimPrefix(old.Domain, "."), strings.TrimPrefix(c.Domain, ".")) && old.Path == c.Path {
			s.cookies[i] = c
			return
		}
	}
	s.cookies = append(s.cookies, c)
}

// lines returns one serialised Set-Cookie value per cookie, in insertion order.
func (s *cookieSet) lines() []string {
	if len(s.cookies) == 0 {
		return nil
	}
	out := make([]string, 0, len(s.cookies))
	for _, c := range s.cookies {
		if line := c.String(); line != "" {
			out = append(out, line)
		}
	}
	return out
}

package core

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const cookieEpoch = "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"

func TestCookieWriterAccepts(t *testing.T) {
	cases := []struct {
		name       string
		cfg        cookieConfig
		wantDomain string
		wantSet    string // Set(Name or "sid", "tok", zero time)
	}{
		{
			name:    "zero attributes default to Path=/, HttpOnly, Secure, SameSite=Lax, host-only",
			cfg:     cookieConfig{Name: "sid"},
			wantSet: "sid=tok; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:       "cookie domain is normalised and written as Domain",
			cfg:        cookieConfig{Name: "sid", Domain: ".Example.COM"},
			wantDomain: "example.com",
			wantSet:    "sid=tok; Path=/; Domain=example.com; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:       "IDNA cookie domain is written in punycode",
			cfg:        cookieConfig{Name: "sid", Domain: "bücher.example"},
			wantDomain: "xn--bcher-kva.example",
			wantSet:    "sid=tok; Path=/; Domain=xn--bcher-kva.example; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:    "Insecure drops Secure",
			cfg:     cookieConfig{Name: "sid", Attributes: CookieAttributes{Insecure: true}},
			wantSet: "sid=tok; Path=/; HttpOnly; SameSite=Lax",
		},
		{
			name:    "ScriptReadable drops HttpOnly",
			cfg:     cookieConfig{Name: "sid", Attributes: CookieAttributes{ScriptReadable: true}},
			wantSet: "sid=tok; Path=/; Secure; SameSite=Lax",
		},
		{
			name:    "SameSite=Strict is written",
			cfg:     cookieConfig{Name: "sid", Attributes: CookieAttributes{SameSite: http.SameSiteStrictMode}},
			wantSet: "sid=tok; Path=/; HttpOnly; Secure; SameSite=Strict",
		},
		{
			name:    "SameSite=None with Secure is written",
			cfg:     cookieConfig{Name: "sid", Attributes: CookieAttributes{SameSite: http.SameSiteNoneMode}},
			wantSet: "sid=tok; Path=/; HttpOnly; Secure; SameSite=None",
		},
		{
			name:    "SameSiteDefaultMode omits the attribute",
			cfg:     cookieConfig{Name: "sid", Attributes: CookieAttributes{SameSite: http.SameSiteDefaultMode}},
			wantSet: "sid=tok; Path=/; HttpOnly; Secure",
		},
		{
			name:    "custom Path is written",
			cfg:     cookieConfig{Name: "sid", Attributes: CookieAttributes{Path: "/app"}},
			wantSet: "sid=tok; Path=/app; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:    "__Host- name with Secure, Path=/ and no domain is accepted",
			cfg:     cookieConfig{Name: "__Host-sid"},
			wantSet: "__Host-sid=tok; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:       "__Secure- name with Secure and a domain is accepted",
			cfg:        cookieConfig{Name: "__Secure-sid", Domain: "example.com"},
			wantDomain: "example.com",
			wantSet:    "__Secure-sid=tok; Path=/; Domain=example.com; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:       "Insecure plain name on a domain is accepted (dev hosts)",
			cfg:        cookieConfig{Name: "sid", Domain: "app.example.test", Attributes: CookieAttributes{Insecure: true}},
			wantDomain: "app.example.test",
			wantSet:    "sid=tok; Path=/; Domain=app.example.test; HttpOnly; SameSite=Lax",
		},
		{
			name:       "older domain set to a different domain is accepted",
			cfg:        cookieConfig{Name: "sid", Domain: "example.com", OlderDomain: "app.example.com"},
			wantDomain: "example.com",
			wantSet:    "sid=tok; Path=/; Domain=example.com; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:       "older host-only cookies with a new cookie domain are accepted",
			cfg:        cookieConfig{Name: "sid", Domain: "example.com", OlderHostOnly: true},
			wantDomain: "example.com",
			wantSet:    "sid=tok; Path=/; Domain=example.com; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:    "no name is accepted (names are checked by New)",
			cfg:     cookieConfig{},
			wantSet: "sid=tok; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := newCookieWriter(tc.cfg)
			if err != nil {
				t.Fatalf("newCookieWriter: %v", err)
			}
			if got := w.Domain(); got != tc.wantDomain {
				t.Errorf("Domain() = %q, want %q", got, tc.wantDomain)
			}
			name := tc.cfg.Name
			if name == "" {
				name = "sid"
			}
			if got := w.Set(name, "tok", time.Time{}).String(); got != tc.wantSet {
				t.Errorf("Set line\n got %q\nwant %q", got, tc.wantSet)
			}
		})
	}
}

func TestCookieWriterRefuses(t *testing.T) {
	cases := []struct {
		name      string
		cfg       cookieConfig
		wantField string
		wantValue string // must appear in the message; "" to skip
	}{
		{"SameSite=None without Secure is refused",
			cookieConfig{Name: "sid", Attributes: CookieAttributes{SameSite: http.SameSiteNoneMode, Insecure: true}},
			"Cookie.SameSite", "None"},
		{"__Host- name without Secure is refused",
			cookieConfig{Name: "__Host-sid", Attributes: CookieAttributes{Insecure: true}},
			"CookieNames", "__Host-sid"},
		{"__Host- name with a Path other than / is refused",
			cookieConfig{Name: "__Host-sid", Attributes: CookieAttributes{Path: "/app"}},
			"CookieNames", "__Host-sid"},
		{"__Host- name with a cookie domain is refused",
			cookieConfig{Name: "__Host-sid", Domain: "example.com"},
			"CookieNames", "__Host-sid"},
		{"__Host- name with an older cookie domain is refused",
			cookieConfig{Name: "__Host-sid", OlderDomain: "example.com"},
			"CookieNames", "__Host-sid"},
		{"__Secure- name without Secure is refused",
			cookieConfig{Name: "__Secure-sid", Attributes: CookieAttributes{Insecure: true}},
			"CookieNames", "__Secure-sid"},
		// Browsers match the prefixes case-insensitively (RFC 6265bis storage
		// model), so they would silently drop these cookies.
		{"lower-case __host- prefix with a cookie domain is refused like __Host-",
			cookieConfig{Name: "__host-sid", Domain: "example.com"},
			"CookieNames", "__host-sid"},
		{"lower-case __secure- prefix without Secure is refused like __Secure-",
			cookieConfig{Name: "__secure-sid", Attributes: CookieAttributes{Insecure: true}},
			"CookieNames", "__secure-sid"},
		{"name with a space is refused", cookieConfig{Name: "s id"}, "CookieNames", "s id"},
		{"name with a semicolon is refused", cookieConfig{Name: "sid;x"}, "CookieNames", "sid;x"},
		{"name with an equals sign is refused", cookieConfig{Name: "sid=x"}, "CookieNames", "sid=x"},
		{"name with a separator is refused", cookieConfig{Name: "sid(1)"}, "CookieNames", "sid(1)"},
		{"name with a control character is refused", cookieConfig{Name: "sid\x01"}, "CookieNames", ""},
		{"name with non-ASCII letters is refused", cookieConfig{Name: "séssion"}, "CookieNames", "séssion"},
		{"Path without leading slash is refused", cookieConfig{Name: "sid", Attributes: CookieAttributes{Path: "app"}}, "Cookie.Path", "app"},
		{"Path with a semicolon is refused", cookieConfig{Name: "sid", Attributes: CookieAttributes{Path: "/a;Domain=evil.com"}}, "Cookie.Path", ""},
		{"Path with a line break is refused", cookieConfig{Name: "sid", Attributes: CookieAttributes{Path: "/a\r\nX: y"}}, "Cookie.Path", ""},
		{"public suffix cookie domain is refused", cookieConfig{Name: "sid", Domain: "co.uk"}, "CookieDomain", "co.uk"},
		{"IP cookie domain is refused", cookieConfig{Name: "sid", Domain: "10.0.0.1"}, "CookieDomain", "10.0.0.1"},
		{"localhost cookie domain is refused", cookieConfig{Name: "sid", Domain: "localhost"}, "CookieDomain", "localhost"},
		{"older domain equal to the cookie domain is refused",
			cookieConfig{Name: "sid", Domain: "example.com", OlderDomain: "example.com"},
			"OlderCookieDomain", "example.com"},
		{"older domain equal to the cookie domain after normalisation is refused",
			cookieConfig{Name: "sid", Domain: "example.com", OlderDomain: ".Example.com"},
			"OlderCookieDomain", ".Example.com"},
		{"older domain given as a URL of the cookie domain is refused",
			cookieConfig{Name: "sid", Domain: ".example.com", OlderDomain: "https://EXAMPLE.com:443/"},
			"OlderCookieDomain", ""},
		{"older host-only cookies with host-only current cookies is refused",
			cookieConfig{Name: "sid", OlderHostOnly: true},
			"OlderCookieHostOnly", "true"},
		{"older host-only together with an older domain is refused",
			cookieConfig{Name: "sid", Domain: "example.com", OlderDomain: "api.example.com", OlderHostOnly: true},
			"OlderCookieHostOnly", "true"},
		{"public suffix older domain is refused",
			cookieConfig{Name: "sid", Domain: "example.com", OlderDomain: "com"},
			"OlderCookieDomain", "com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := newCookieWriter(tc.cfg)
			if err == nil {
				t.Fatalf("newCookieWriter succeeded (domain %q), want a config error naming %s", w.Domain(), tc.wantField)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %q does not match ErrConfig", err)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %q is not a *ConfigError", err, err)
			}
			if ce.Field != tc.wantField {
				t.Errorf("field = %q, want %q (error %q)", ce.Field, tc.wantField, err)
			}
			if !strings.Contains(err.Error(), tc.wantField) {
				t.Errorf("message %q does not name the field %s", err, tc.wantField)
			}
			if tc.wantValue != "" && !strings.Contains(err.Error(), tc.wantValue) {
				t.Errorf("message %q does not name the value %q", err, tc.wantValue)
			}
		})
	}
}

func TestCookieWriterLines(t *testing.T) {
	cases := []struct {
		name string
		cfg  cookieConfig
		got  func(w *CookieWriter) *http.Cookie
		want string // "" means the writer returns nil
	}{
		{
			name: "Set on the cookie domain",
			cfg:  cookieConfig{Name: "sid", Domain: "example.com"},
			got:  func(w *CookieWriter) *http.Cookie { return w.Set("sid", "eyJ.a.b", time.Time{}) },
			want: "sid=eyJ.a.b; Path=/; Domain=example.com; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "Set host-only when no cookie domain is configured",
			cfg:  cookieConfig{Name: "sid"},
			got:  func(w *CookieWriter) *http.Cookie { return w.Set("sid", "eyJ.a.b", time.Time{}) },
			want: "sid=eyJ.a.b; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "Clear on the cookie domain: empty value, Expires 1970, Max-Age=0, same attributes",
			cfg:  cookieConfig{Name: "sid", Domain: "example.com"},
			got:  func(w *CookieWriter) *http.Cookie { return w.Clear("sid") },
			want: "sid=; Path=/; Domain=example.com; " + cookieEpoch + "; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "Clear host-only has no Domain",
			cfg:  cookieConfig{Name: "sid"},
			got:  func(w *CookieWriter) *http.Cookie { return w.Clear("sid") },
			want: "sid=; Path=/; " + cookieEpoch + "; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "ClearOlder on the older domain",
			cfg:  cookieConfig{Name: "sid", Domain: "example.com", OlderDomain: "App.Example.com"},
			got:  func(w *CookieWriter) *http.Cookie { return w.ClearOlder("sid") },
			want: "sid=; Path=/; Domain=app.example.com; " + cookieEpoch + "; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "ClearOlder for older host-only cookies has no Domain",
			cfg:  cookieConfig{Name: "sid", Domain: "example.com", OlderHostOnly: true},
			got:  func(w *CookieWriter) *http.Cookie { return w.ClearOlder("sid") },
			want: "sid=; Path=/; " + cookieEpoch + "; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "ClearOlder on a domain when the current cookies are host-only",
			cfg:  cookieConfig{Name: "sid", OlderDomain: "example.com"},
			got:  func(w *CookieWriter) *http.Cookie { return w.ClearOlder("sid") },
			want: "sid=; Path=/; Domain=example.com; " + cookieEpoch + "; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "ClearOlder without an older domain returns nil",
			cfg:  cookieConfig{Name: "sid", Domain: "example.com"},
			got:  func(w *CookieWriter) *http.Cookie { return w.ClearOlder("sid") },
			want: "",
		},
		{
			name: "ClearOlder keeps the same Path, Secure and SameSite as Set",
			cfg: cookieConfig{Name: "sid", Domain: "example.com", OlderHostOnly: true,
				Attributes: CookieAttributes{Path: "/app", SameSite: http.SameSiteNoneMode, ScriptReadable: true}},
			got:  func(w *CookieWriter) *http.Cookie { return w.ClearOlder("sid") },
			want: "sid=; Path=/app; " + cookieEpoch + "; Secure; SameSite=None",
		},
		{
			name: "Clear of an insecure dev cookie keeps it insecure",
			cfg:  cookieConfig{Name: "sid", Attributes: CookieAttributes{Insecure: true, SameSite: http.SameSiteStrictMode}},
			got:  func(w *CookieWriter) *http.Cookie { return w.Clear("sid") },
			want: "sid=; Path=/; " + cookieEpoch + "; HttpOnly; SameSite=Strict",
		},
		{
			name: "ClearOlder of a former cookie name clears that name",
			cfg:  cookieConfig{Name: "cbo_session_token", Domain: "example.com", OlderHostOnly: true},
			got:  func(w *CookieWriter) *http.Cookie { return w.ClearOlder("cbo_short_session") },
			want: "cbo_short_session=; Path=/; " + cookieEpoch + "; HttpOnly; Secure; SameSite=Lax",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := newCookieWriter(tc.cfg)
			if err != nil {
				t.Fatalf("newCookieWriter: %v", err)
			}
			c := tc.got(w)
			if tc.want == "" {
				if c != nil {
					t.Fatalf("got cookie %q, want nil", c.String())
				}
				return
			}
			if c == nil {
				t.Fatalf("got nil cookie, want %q", tc.want)
			}
			if got := c.String(); got != tc.want {
				t.Fatalf("Set-Cookie\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCookieWriterSetExpiry(t *testing.T) {
	w, err := newCookieWriter(cookieConfig{Name: "sid", Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		lifetime   time.Duration
		minMaxAge  int
		maxMaxAge  int
		wantExpiry bool
	}{
		{"an hour's lifetime writes Expires and a matching Max-Age", time.Hour, 3598, 3600, true},
		{"a day's lifetime writes Expires and a matching Max-Age", 24 * time.Hour, 86398, 86400, true},
		// Max-Age counts whole seconds: without the rounding down to
		// Max-Age=0 such a cookie would have no Max-Age at all and live until
		// its Expires, which a client clock behind the server's puts later.
		{"an expiry under a second away still writes Max-Age=0", 900 * time.Millisecond, 0, 0, true},
		{"zero expiry writes a browser-session cookie with neither", 0, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var exp time.Time
			if tc.lifetime > 0 {
				exp = time.Now().Add(tc.lifetime).Truncate(time.Second)
			}
			line := w.Set("sid", "tok", exp).String()
			prefix := "sid=tok; Path=/; Domain=example.com; "
			suffix := "HttpOnly; Secure; SameSite=Lax"
			if !strings.HasPrefix(line, prefix) || !strings.HasSuffix(line, suffix) {
				t.Fatalf("line %q lacks the fixed attributes", line)
			}
			if !tc.wantExpiry {
				if strings.Contains(line, "Expires=") || strings.Contains(line, "Max-Age=") {
					t.Fatalf("session cookie %q carries an expiry", line)
				}
				return
			}
			wantExp := "Expires=" + exp.UTC().Format(http.TimeFormat) + "; "
			if !strings.Contains(line, wantExp) {
				t.Errorf("line %q does not contain %q", line, wantExp)
			}
			_, after, ok := strings.Cut(line, "Max-Age=")
			if !ok {
				t.Fatalf("line %q has no Max-Age", line)
			}
			n, err := strconv.Atoi(strings.SplitN(after, ";", 2)[0])
			if err != nil || n < tc.minMaxAge || n > tc.maxMaxAge {
				t.Fatalf("Max-Age in %q not in [%d, %d]", line, tc.minMaxAge, tc.maxMaxAge)
			}
		})
	}
}

func TestCookieSet(t *testing.T) {
	mk := func(name, value, domain, path string) *http.Cookie {
		return &http.Cookie{Name: name, Value: value, Domain: domain, Path: path}
	}
	cases := []struct {
		name string
		add  []*http.Cookie
		want []string
	}{
		{
			name: "same name on two domains is kept as two lines (clear older, set new)",
			add:  []*http.Cookie{mk("sid", "", "app.example.com", "/"), mk("sid", "new", "example.com", "/")},
			want: []string{"sid=; Path=/; Domain=app.example.com", "sid=new; Path=/; Domain=example.com"},
		},
		{
			name: "same name on a domain and host-only is kept as two lines",
			add:  []*http.Cookie{mk("sid", "", "", "/"), mk("sid", "new", "example.com", "/")},
			want: []string{"sid=; Path=/", "sid=new; Path=/; Domain=example.com"},
		},
		{
			name: "same name, domain and path replaces the earlier cookie in place",
			add:  []*http.Cookie{mk("sid", "old", "example.com", "/"), mk("other", "x", "example.com", "/"), mk("sid", "new", "example.com", "/")},
			want: []string{"sid=new; Path=/; Domain=example.com", "other=x; Path=/; Domain=example.com"},
		},
		{
			name: "same name and domain on another path is kept",
			add:  []*http.Cookie{mk("sid", "a", "example.com", "/"), mk("sid", "b", "example.com", "/app")},
			want: []string{"sid=a; Path=/; Domain=example.com", "sid=b; Path=/app; Domain=example.com"},
		},
		{
			name: "different names on the same domain are both kept",
			add:  []*http.Cookie{mk("sid", "a", "example.com", "/"), mk("sid_old", "b", "example.com", "/")},
			want: []string{"sid=a; Path=/; Domain=example.com", "sid_old=b; Path=/; Domain=example.com"},
		},
		{
			name: "domain compared case-insensitively",
			add:  []*http.Cookie{mk("sid", "a", "Example.com", "/"), mk("sid", "b", "example.com", "/")},
			want: []string{"sid=b; Path=/; Domain=example.com"},
		},
		{
			// Browsers ignore a leading dot in Domain, so both are one cookie
			// and must not produce two lines for it.
			name: "domain with and without leading dot is the same cookie",
			add:  []*http.Cookie{mk("sid", "a", ".example.com", "/"), mk("sid", "b", "example.com", "/")},
			want: []string{"sid=b; Path=/; Domain=example.com"},
		},
		{
			name: "cookie names are case-sensitive",
			add:  []*http.Cookie{mk("sid", "a", "example.com", "/"), mk("SID", "b", "example.com", "/")},
			want: []string{"sid=a; Path=/; Domain=example.com", "SID=b; Path=/; Domain=example.com"},
		},
		{
			name: "nil cookie is ignored",
			add:  []*http.Cookie{nil, mk("sid", "a", "", "/"), nil},
			want: []string{"sid=a; Path=/"},
		},
		{
			name: "empty set has no lines",
			add:  nil,
			want: nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s cookieSet
			for _, c := range tc.add {
				s.add(c)
			}
			got := s.lines()
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") || len(got) != len(tc.want) {
				t.Fatalf("lines()\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCookieSetWithWriter(t *testing.T) {
	w, err := newCookieWriter(cookieConfig{Name: "sid", Domain: "example.com", OlderHostOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		build   func(s *cookieSet)
		wantSet []string
	}{
		{
			name: "clear on the older host-only domain and set on the new domain: two Set-Cookie headers",
			build: func(s *cookieSet) {
				s.add(w.ClearOlder("sid"))
				s.add(w.Set("sid", "new", time.Time{}))
			},
			wantSet: []string{
				"sid=; Path=/; " + cookieEpoch + "; HttpOnly; Secure; SameSite=Lax",
				"sid=new; Path=/; Domain=example.com; HttpOnly; Secure; SameSite=Lax",
			},
		},
		{
			name: "set then clear on the same domain leaves only the clear",
			build: func(s *cookieSet) {
				s.add(w.Set("sid", "new", time.Time{}))
				s.add(w.Clear("sid"))
			},
			wantSet: []string{"sid=; Path=/; Domain=example.com; " + cookieEpoch + "; HttpOnly; Secure; SameSite=Lax"},
		},
		{
			name: "clearing the older domain twice writes one line",
			build: func(s *cookieSet) {
				s.add(w.ClearOlder("sid"))
				s.add(w.ClearOlder("sid"))
			},
			wantSet: []string{"sid=; Path=/; " + cookieEpoch + "; HttpOnly; Secure; SameSite=Lax"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s cookieSet
			tc.build(&s)
			got := s.lines()
			if len(got) != len(tc.wantSet) {
				t.Fatalf("got %d Set-Cookie headers %q, want %d %q", len(got), got, len(tc.wantSet), tc.wantSet)
			}
			for i := range got {
				if got[i] != tc.wantSet[i] {
					t.Errorf("Set-Cookie[%d]\n got %q\nwant %q", i, got[i], tc.wantSet[i])
				}
			}
		})
	}
}

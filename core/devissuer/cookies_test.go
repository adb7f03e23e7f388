package devissuer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

func TestPlainHTTPCookies(t *testing.T) {
	rows := []struct {
		name, cookie, domain string
		want, avoid          []string
		refused              string // in the error; "" when it must work
	}{
		{name: "host-only: no Domain, no Secure, core's other defaults", cookie: "cbo_session_token",
			want: []string{"cbo_session_token=tok", "; Path=/", "; HttpOnly", "; SameSite=Lax"}, avoid: []string{"Domain=", "Secure"}},
		{name: "on a domain: that Domain, still no Secure", cookie: "sid", domain: ".example.test",
			want: []string{"sid=tok", "; Domain=example.test"}, avoid: []string{"Secure"}},
		{name: "a public suffix as domain: refused by core", cookie: "sid", domain: "com", refused: "CookieDomain"},
		{name: "a __Host- name needs Secure: refused by core", cookie: "__Host-sid", refused: "__Host-"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			w, err := devissuer.PlainHTTPCookies(row.cookie, row.domain)
			if row.refused != "" {
				if err == nil || !strings.Contains(err.Error(), row.refused) {
					t.Fatalf("err %v, want one mentioning %q", err, row.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			line := w.Set(row.cookie, "tok", time.Now().Add(time.Hour)).String()
			for _, s := range row.want {
				if !strings.Contains(line, s) {
					t.Errorf("%q lacks %q", line, s)
				}
			}
			for _, s := range row.avoid {
				if strings.Contains(line, s) {
					t.Errorf("%q has %q", line, s)
				}
			}
		})
	}
}

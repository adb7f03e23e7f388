package core

import (
	"strings"
	"testing"
	"time"
)

// TestCookieWriterSetExpiryUnderASecond pins that Set with an expiry less
// than a second away (or already past) writes Max-Age=0: Max-Age counts whole
// seconds, so such a cookie would otherwise have no Max-Age at all and live
// on until its Expires, which a skewed client clock may put well ahead.
func TestCookieWriterSetExpiryUnderASecond(t *testing.T) {
	w, err := newCookieWriter(cookieConfig{Name: "sid", Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   time.Duration
	}{
		{"an expiry 900ms away writes Max-Age=0", 900 * time.Millisecond},
		{"an expiry 1ms away writes Max-Age=0", time.Millisecond},
		{"an expiry a minute past writes Max-Age=0", -time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			line := w.Set("sid", "tok", time.Now().Add(tc.in)).String()
			if !strings.Contains(line, "; Max-Age=0;") {
				t.Fatalf("Set-Cookie %q: want Max-Age=0", line)
			}
		})
	}
}

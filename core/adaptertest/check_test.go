package adaptertest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/sessiongate/sessiongate/core"
)

// recorder collects what a check reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// answer is an HTTP answer as the suite receives it.
func answer(status int, body []byte, lines ...[2]string) (*http.Response, []byte) {
	h := http.Header{"Date": {"Mon, 02 Jan 2006 15:04:05 GMT"}}
	for _, l := range lines {
		h.Add(l[0], l[1])
	}
	return &http.Response{StatusCode: status, Header: h}, body
}

// TestMatchCoreFailsOnAnyDifference: the answer core would give passes; an
// answer that adds, drops or changes anything of it does not.
func TestMatchCoreFailsOnAnyDifference(t *testing.T) {
	clearing := "sid=; Path=/; Domain=old.example.test; Max-Age=0"
	refused := core.Decision{Err: &core.Error{Kind: core.ErrExpired}, SetCookies: []string{clearing}}
	exact := core.ErrorResponse(refused.Err)
	lines := append([][2]string{{"Set-Cookie", clearing}}, exact.Header...)
	without := func(i int) [][2]string { return append(lines[:i:i], lines[i+1:]...) }
	passed := core.Decision{Session: &core.Session{Subject: "alice", Source: core.SourceAuthorization}}
	reply := Reply(passed.Session, passed.Session)
	jsonType := [2]string{"Content-Type", "application/json"}
	for _, tc := range []struct {
		name   string
		d      core.Decision
		status int
		body   []byte
		lines  [][2]string
		fails  bool
	}{
		{"core's refusal as it is", refused, exact.Status, exact.Body, lines, false},
		{"another status", refused, 400, exact.Body, lines, true},
		{"the body without its newline", refused, exact.Status, exact.Body[:len(exact.Body)-1], lines, true},
		{"no Set-Cookie line", refused, exact.Status, exact.Body, without(0), true},
		{"no WWW-Authenticate", refused, exact.Status, exact.Body, without(1), true},
		{"no Content-Type", refused, exact.Status, exact.Body, without(2), true},
		{"no Cache-Control", refused, exact.Status, exact.Body, without(3), true},
		{"a second WWW-Authenticate line", refused, exact.Status, exact.Body,
			append(lines, [2]string{"WWW-Authenticate", "Basic"}), true},
		{"a second Set-Cookie line", refused, exact.Status, exact.Body,
			append(lines, [2]string{"Set-Cookie", "x=1"}), true},
		{"a header core does not send", refused, exact.Status, exact.Body,
			append(lines, [2]string{"X-Powered-By", "x"}), true},
		{"core's session through both accessors", passed, 200, reply, [][2]string{jsonType}, false},
		{"the session through one accessor only", passed, 200, Reply(passed.Session, nil), [][2]string{jsonType}, true},
		{"a pass with Cache-Control", passed, 200, reply, [][2]string{jsonType, {"Cache-Control", "no-store"}}, true},
		{"a pass with a Set-Cookie line core did not ask for", passed, 200, reply,
			[][2]string{jsonType, {"Set-Cookie", clearing}}, true},
		{"a pass with a DPoP-Nonce core did not decide on", passed, 200, reply,
			[][2]string{jsonType, {"DPoP-Nonce", "n1"}}, true},
		{"a pass with core's DPoP-Nonce", withNonce(passed), 200, reply,
			[][2]string{jsonType, {"DPoP-Nonce", "n1"}}, false},
		{"a pass without core's DPoP-Nonce", withNonce(passed), 200, reply, [][2]string{jsonType}, true},
		{"a refusal with core's DPoP-Nonce", withNonce(refused), exact.Status, exact.Body,
			append(lines, [2]string{"DPoP-Nonce", "n1"}), false},
		{"a refusal without core's DPoP-Nonce", withNonce(refused), exact.Status, exact.Body, lines, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			resp, body := answer(tc.status, tc.body, tc.lines...)
			matchCore(r, resp, body, tc.d, Options{})
			if got := len(r.errs) > 0; got != tc.fails {
				t.Errorf("reported %q; want a failure: %v", r.errs, tc.fails)
			}
		})
	}
}

// withNonce is d with a DPoP-Nonce line decided.
func withNonce(d core.Decision) core.Decision {
	d.Header = [][2]string{{"DPoP-Nonce", "n1"}}
	return d
}

// TestNoLeaksFindsTheToken in the body, in any header and in the logs.
func TestNoLeaksFindsTheToken(t *testing.T) {
	const tok = "eyJ.secret.sig"
	for _, tc := range []struct {
		name, body, logs string
		header           [2]string
	}{
		{name: "body", body: `{"token":"eyJ.secret.sig"}`},
		{name: "header", header: [2]string{"X-Debug", "Bearer " + tok}},
		{name: "logs", logs: "level=WARN msg=x token=" + tok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			var lines [][2]string
			if tc.header[0] != "" {
				lines = append(lines, tc.header)
			}
			resp, body := answer(200, []byte(tc.body), lines...)
			noLeaks(r, resp, body, tc.logs, []string{tok})
			if len(r.errs) != 1 {
				t.Errorf("reported %q, want one leak", r.errs)
			}
		})
	}
}

package adaptertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/core"
)

// The checks report with Errorf only, never Fatalf, so that every difference
// of an answer shows at once.

// refusalHeaders are the headers core.ErrorResponse sets. An answer the
// handler gives (the request passed, or a custom error handler answered)
// carries none of them but Content-Type, which is the handler's.
var refusalHeaders = []string{"WWW-Authenticate", "Retry-After", "Content-Type", "Cache-Control"}

// matchCore compares the answer byte for byte with what core decided: the
// adapter added nothing and lost nothing.
func matchCore(t testing.TB, resp *http.Response, body []byte, d core.Decision, opts Options) {
	t.Helper()
	sameLines(t, "Set-Cookie (core's decision)", resp.Header.Values("Set-Cookie"), d.SetCookies)
	names := decisionHeaderNames(d)
	for _, name := range names {
		sameLines(t, name+" (core's decision)", resp.Header.Values(name), headerLines(d.Header, name))
	}
	switch {
	case d.Err == nil:
		matchPassed(t, resp, body, d.Session)
	case opts.CustomErrorHandler:
		matchHandled(t, resp, body, d.Err)
	default:
		matchRefusal(t, resp, body, core.ErrorResponse(d.Err), names)
	}
}

// decisionHeaderNames are the names of d.Header, canonical, and
// DPoP-Nonce always: an adapter must not send one core did not decide on.
func decisionHeaderNames(d core.Decision) []string {
	names := []string{"Dpop-Nonce"}
	for _, h := range d.Header {
		if n := http.CanonicalHeaderKey(h[0]); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// headerLines are the values of the lines of hs named name, in order.
func headerLines(hs [][2]string, name string) []string {
	var out []string
	for _, h := range hs {
		if http.CanonicalHeaderKey(h[0]) == http.CanonicalHeaderKey(name) {
			out = append(out, h[1])
		}
	}
	return out
}

// matchRefusal: status, body bytes and every header line of core's answer;
// decided names the decision's own header lines, already compared.
func matchRefusal(t testing.TB, resp *http.Response, body []byte, want core.Response, decided []string) {
	t.Helper()
	if resp.StatusCode != want.Status {
		t.Errorf("status = %d, core answers %d", resp.StatusCode, want.Status)
	}
	if !bytes.Equal(body, want.Body) {
		t.Errorf("body =\n  %q\ncore answers\n  %q", body, want.Body)
	}
	names := slices.Clone(refusalHeaders)
	for _, h := range want.Header {
		if !slices.Contains(names, h[0]) {
			names = append(names, h[0])
		}
	}
	for _, name := range names {
		var lines []string
		for _, h := range want.Header {
			if h[0] == name {
				lines = append(lines, h[1])
			}
		}
		sameLines(t, name+" (core's answer)", resp.Header.Values(name), lines)
	}
	noOtherHeaders(t, resp, append(names, decided...))
}

// serverHeaders are what the HTTP server itself adds to any answer.
var serverHeaders = []string{"Date", "Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding"}

// noOtherHeaders: a refusal carries core's headers, the Set-Cookie lines of
// its decision and the server's own, nothing else.
func noOtherHeaders(t testing.TB, resp *http.Response, coreNames []string) {
	t.Helper()
	allowed := append(slices.Clone(serverHeaders), "Set-Cookie")
	for _, name := range coreNames {
		allowed = append(allowed, http.CanonicalHeaderKey(name))
	}
	for name, lines := range resp.Header {
		if !slices.Contains(allowed, name) {
			t.Errorf("%s = %q on a refusal; core's answer has no such header", name, lines)
		}
	}
}

// matchPassed: the handler ran and saw core's session through both
// accessors (Reply's bytes), and the adapter added no refusal header.
func matchPassed(t testing.TB, resp *http.Response, body []byte, s *core.Session) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, core lets the request through to the handler (200)", resp.StatusCode)
	}
	if want := Reply(s, s); !bytes.Equal(body, want) {
		t.Errorf("handler body =\n  %s\nwant (core's session through both accessors)\n  %s", body, want)
	}
	noRefusalHeaders(t, resp)
}

// matchHandled: the custom error handler answered, with the error core
// refused with, and the adapter added no header of its own.
func matchHandled(t testing.TB, resp *http.Response, body []byte, err error) {
	t.Helper()
	if resp.StatusCode != ErrorHandlerStatus || string(body) != ErrorKind(err) {
		t.Errorf("answer = %d %q, want the custom error handler's %d %q",
			resp.StatusCode, body, ErrorHandlerStatus, ErrorKind(err))
	}
	noRefusalHeaders(t, resp)
}

func noRefusalHeaders(t testing.TB, resp *http.Response) {
	t.Helper()
	for _, name := range refusalHeaders {
		if v := resp.Header.Values(name); name != "Content-Type" && v != nil {
			t.Errorf("%s = %q on an answer the handler gave, want none", name, v)
		}
	}
}

// matchRow checks the answer against the row's own expectation.
func matchRow(t testing.TB, resp *http.Response, body []byte, d core.Decision, w want, opts Options) {
	t.Helper()
	if resp.StatusCode != w.status {
		t.Errorf("status = %d, the row wants %d; body %s", resp.StatusCode, w.status, body)
	}
	sameLines(t, "WWW-Authenticate", resp.Header.Values("WWW-Authenticate"), optional(w.challenge))
	sameLines(t, "Retry-After", resp.Header.Values("Retry-After"), optional(w.retry))
	sameLines(t, "Set-Cookie", resp.Header.Values("Set-Cookie"), w.setCookie)
	if got := len(resp.Header.Values("DPoP-Nonce")) == 1; got != w.nonce {
		t.Errorf("one DPoP-Nonce line = %v (%q), the row wants %v", got, resp.Header.Values("DPoP-Nonce"), w.nonce)
	}
	switch {
	case w.kind == nil:
		if d.Err != nil {
			t.Errorf("core refuses with %v, the row wants the request through", d.Err)
		}
		rowSession(t, body, w)
	case !errors.Is(d.Err, w.kind):
		t.Errorf("core decides %v, the row wants %v", d.Err, w.kind)
	case opts.CustomErrorHandler:
		if string(body) != ErrorKind(w.kind) {
			t.Errorf("custom error handler got %q, the row wants %q", body, ErrorKind(w.kind))
		}
	default:
		rowRefusal(t, body, w.code)
	}
}

// rowSession checks the session the handler saw through both accessors.
func rowSession(t testing.TB, body []byte, w want) {
	t.Helper()
	var got reply
	if err := json.Unmarshal(body, &got); err != nil {
		t.Errorf("handler body %q is not a Reply: %v", body, err)
		return
	}
	wantReply := reply{
		Session: w.subject != "", Subject: w.subject, ID: w.id, Source: string(w.source), CookieName: w.cookie,
		ContextSession: w.subject != "", ContextSubject: w.subject,
	}
	if got != wantReply {
		t.Errorf("handler saw %+v, the row wants %+v", got, wantReply)
	}
}

// rowRefusal checks the "error" code of core's JSON body.
func rowRefusal(t testing.TB, body []byte, code string) {
	t.Helper()
	var got struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Errorf("error body %q is not JSON: %v", body, err)
		return
	}
	if got.Error != code || got.Description == "" {
		t.Errorf("error body = %s, the row wants error %q with a description", body, code)
	}
}

// noLeaks: no token in the body, any response header or any log line.
func noLeaks(t testing.TB, resp *http.Response, body []byte, logs string, toks []string) {
	t.Helper()
	for i, tok := range toks {
		if bytes.Contains(body, []byte(tok)) {
			t.Errorf("the body leaks token %d", i+1)
		}
		for name, values := range resp.Header {
			if strings.Contains(strings.Join(values, "\n"), tok) {
				t.Errorf("header %s leaks token %d", name, i+1)
			}
		}
		if strings.Contains(logs, tok) {
			t.Errorf("a log line leaks token %d", i+1)
		}
	}
}

func sameLines(t testing.TB, name string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s lines =\n  %q\nwant\n  %q", name, got, want)
	}
}

// optional is the one expected line s, or none when s is empty.
func optional(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

package sessionfasthttp

import (
	"bufio"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/core"
)

// WriteError's answer is core.ErrorResponse as core.Response.Write puts it on
// a net/http ResponseWriter: the same status, header lines in order, body.
func TestWriteErrorIsCoreErrorResponse(t *testing.T) {
	for name, err := range map[string]error{
		"no token: 401 with a bare challenge":     &core.Error{Kind: core.ErrNoToken},
		"expired: 401 invalid_token, no cause":    &core.Error{Kind: core.ErrExpired, Err: errors.New("exp in the past")},
		"two Authorization headers: 400":          &core.Error{Kind: core.ErrMalformedRequest},
		"cross-site cookie: 403 without a header": &core.Error{Kind: core.ErrCrossSite},
		"keys down: 503 with Retry-After":         &core.Error{Kind: core.ErrKeysUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			var resp fasthttp.Response
			WriteError(&resp, err)
			var got http.Header = make(http.Header)
			resp.Header.VisitAll(func(k, v []byte) { got.Add(string(k), string(v)) })
			got.Del("Content-Length") // fasthttp's own, from the body

			want := httptest.NewRecorder()
			core.ErrorResponse(err).Write(want)
			if resp.StatusCode() != want.Code || string(resp.Body()) != want.Body.String() {
				t.Errorf("answer = %d %q, want %d %q", resp.StatusCode(), resp.Body(), want.Code, want.Body)
			}
			for k, v := range want.Header() {
				if !slices.Equal(got.Values(k), v) {
					t.Errorf("%s = %q, want %q", k, got.Values(k), v)
				}
			}
			for k := range got {
				if want.Header().Get(k) == "" && k != "Server" && k != "Date" {
					t.Errorf("unexpected header %s: %q", k, got.Values(k))
				}
			}
		})
	}
}

// fasthttp sends the status and headers of a HEAD answer but not the body.
func TestWriteErrorHeadHasNoBody(t *testing.T) {
	var resp fasthttp.Response
	resp.SkipBody = true // what fasthttp's server sets for HEAD
	WriteError(&resp, &core.Error{Kind: core.ErrNoToken})
	var b strings.Builder
	w := bufio.NewWriter(&b)
	if err := resp.Write(w); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if !strings.HasPrefix(b.String(), "HTTP/1.1 401") || !strings.HasSuffix(b.String(), "\r\n\r\n") {
		t.Errorf("HEAD answer = %q, want a 401 status and headers with no body", b.String())
	}
}

// Why every fasthttp adapter writes core's Set-Cookie lines with Header.Add
// and its README warns against c.Cookie: fasthttp keeps one response cookie
// per name, so SetCookie (which Fiber's c.Cookie calls) replaces the line
// that clears sid on the older domain. If fasthttp changes, this test says
// so and the READMEs can drop the warning.
func TestSetCookieLinesOfOneName(t *testing.T) {
	clearOld := "sid=; Domain=old.example.test; Max-Age=0"
	setNew := "sid=new; Domain=example.test"
	lines := func(h *fasthttp.ResponseHeader) []string {
		var out []string
		h.VisitAll(func(k, v []byte) {
			if string(k) == "Set-Cookie" {
				out = append(out, string(v))
			}
		})
		return out
	}

	var added fasthttp.ResponseHeader
	added.Add("Set-Cookie", clearOld)
	added.Add("Set-Cookie", setNew)
	if got := lines(&added); !slices.Equal(got, []string{clearOld, setNew}) {
		t.Errorf("Header.Add twice: Set-Cookie = %q, want both lines verbatim", got)
	}

	var replaced fasthttp.ResponseHeader
	replaced.Add("Set-Cookie", clearOld)
	c := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(c)
	c.SetKey("sid")
	c.SetValue("new")
	replaced.SetCookie(c)
	if got := lines(&replaced); len(got) != 1 || !strings.HasPrefix(got[0], "sid=new") {
		t.Errorf("SetCookie after Header.Add: Set-Cookie = %q, want the clearing line replaced", got)
	}
}

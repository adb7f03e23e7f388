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
			//lint:ignore SA1019 All is missing from fasthttp v1.51, which fiber v2 asks for
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

// setCookies returns the Set-Cookie lines of h, in order.
func setCookies(h *fasthttp.ResponseHeader) []string {
	var out []string
	//lint:ignore SA1019 All is missing from fasthttp v1.51, which fiber v2 asks for
	h.VisitAll(func(k, v []byte) {
		if string(k) == "Set-Cookie" {
			out = append(out, string(v))
		}
	})
	return out
}

// AddSetCookies keeps both lines of one name: clearing sid on the older
// domain and the live sid. SetCookie, which Fiber's c.Cookie calls, would
// replace the first; if fasthttp changes that, this test says so and the
// Fiber READMEs can drop their warning against c.Cookie.
func TestAddSetCookiesKeepsLinesOfOneName(t *testing.T) {
	clearOld := "sid=; Domain=old.example.test; Max-Age=0"
	setNew := "sid=new; Domain=example.test"

	var resp fasthttp.Response
	AddSetCookies(&resp, []string{clearOld, setNew})
	if got := setCookies(&resp.Header); !slices.Equal(got, []string{clearOld, setNew}) {
		t.Errorf("Set-Cookie = %q, want both lines verbatim", got)
	}

	var replaced fasthttp.Response
	AddSetCookies(&replaced, []string{clearOld})
	c := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(c)
	c.SetKey("sid")
	c.SetValue("new")
	replaced.Header.SetCookie(c)
	if got := setCookies(&replaced.Header); len(got) != 1 || !strings.HasPrefix(got[0], "sid=new") {
		t.Errorf("SetCookie after AddSetCookies: Set-Cookie = %q, want the clearing line replaced", got)
	}
}

// SetChallenge sets core's headers but Content-Type, once however often it
// runs.
func TestSetChallengeTwiceSendsOneChallenge(t *testing.T) {
	var resp fasthttp.Response
	resp.Header.SetContentType("text/plain; charset=utf-8") // the app's own body
	err := &core.Error{Kind: core.ErrKeysUnavailable}
	SetChallenge(&resp, err)
	SetChallenge(&resp, err)
	got := make(http.Header)
	//lint:ignore SA1019 All is missing from fasthttp v1.51, which fiber v2 asks for
	resp.Header.VisitAll(func(k, v []byte) { got.Add(string(k), string(v)) })
	for name, want := range map[string][]string{
		"Retry-After":   {"5"},
		"Cache-Control": {"no-store"},
		"Content-Type":  {"text/plain; charset=utf-8"},
	} {
		if !slices.Equal(got.Values(name), want) {
			t.Errorf("%s = %q, want %q", name, got.Values(name), want)
		}
	}

	resp.Reset()
	SetChallenge(&resp, &core.Error{Kind: core.ErrNoToken})
	SetChallenge(&resp, &core.Error{Kind: core.ErrNoToken})
	if v := resp.Header.PeekAll("WWW-Authenticate"); len(v) != 1 || string(v[0]) != "Bearer" {
		t.Errorf("WWW-Authenticate = %q, want one Bearer challenge", v)
	}
}

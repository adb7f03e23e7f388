package sessionfasthttp

import (
	"io"
	"slices"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/core"
)

// An endpoint's answer reaches the wire as it is: status, every header line
// in order (two Set-Cookie lines of one name on two domains both kept, as
// a refresh that clears the older domain's copy needs), body.
func TestWriteResponseKeepsEveryLine(t *testing.T) {
	in := core.Response{Status: 401, Header: [][2]string{
		{"Set-Cookie", "sg_refresh=; Path=/auth/refresh; Max-Age=0; HttpOnly; Secure; SameSite=Lax"},
		{"Set-Cookie", "sg_refresh=; Path=/auth/refresh; Domain=example.test; Max-Age=0; HttpOnly; Secure; SameSite=Lax"},
		{"Content-Type", "application/json; charset=utf-8"},
		{"Cache-Control", "no-store"},
	}, Body: []byte(`{"error":"session_ended"}`)}
	var resp fasthttp.Response
	WriteResponse(&resp, in)
	if got, want := setCookies(&resp.Header), []string{in.Header[0][1], in.Header[1][1]}; !slices.Equal(got, want) {
		t.Errorf("Set-Cookie = %q, want %q", got, want)
	}
	if resp.StatusCode() != 401 || string(resp.Body()) != string(in.Body) ||
		string(resp.Header.ContentType()) != in.Header[2][1] || string(resp.Header.Peek("Cache-Control")) != "no-store" {
		t.Errorf("answer = %d %q %q", resp.StatusCode(), resp.Header.Header(), resp.Body())
	}
}

// The endpoint sees the request through the same view as the gate, the
// peer's address, and the body fasthttp read.
func TestEndpointRequest(t *testing.T) {
	var req fasthttp.Request
	req.Header.SetMethod("POST")
	req.SetRequestURI("/auth/exchange?transport=header")
	req.SetBodyString("token=abc")
	r := EndpointRequest(&req, "192.0.2.1:5555")
	body, err := io.ReadAll(r.Body)
	if err != nil || string(body) != "token=abc" || r.RemoteAddr != "192.0.2.1:5555" ||
		r.Method() != "POST" || r.Path() != "/auth/exchange" || r.Query("transport") != "header" {
		t.Errorf("EndpointRequest = %s %s %q %q %q, %v", r.Method(), r.Path(), r.Query("transport"), r.RemoteAddr, body, err)
	}
}

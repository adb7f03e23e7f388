package sessions

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/sessiongate/sessiongate/core"
)

// Every answer of the endpoints is built here: fixed JSON bodies, no-store.

var jsonHeader = [][2]string{
	{"Content-Type", "application/json; charset=utf-8"},
	{"Cache-Control", "no-store"},
}

// problem is a fixed error answer: status, code and public description.
type problem struct {
	status int
	code   string
	desc   string
}

var (
	probNotFound   = problem{http.StatusNotFound, "not_found", "no such endpoint"}
	probNoSession  = problem{http.StatusNotFound, "not_found", "no such session"}
	probBadRequest = problem{http.StatusBadRequest, "invalid_request", "the request is malformed"}
	probTooLarge   = problem{http.StatusRequestEntityTooLarge, "invalid_request", "the request body is too large"}
	probNoToken    = problem{http.StatusBadRequest, "invalid_request", "no provider token"}
	probProvider   = problem{http.StatusUnauthorized, "invalid_token", "the provider token is invalid or expired"}
	probReplayed   = problem{http.StatusUnauthorized, "invalid_token", "the provider token was already used"}
	probDenied     = problem{http.StatusForbidden, "access_denied", "this user may not sign in"}
	probForeign    = problem{http.StatusUnauthorized, "invalid_token", "the session token was not issued by this server"}
	probEnded      = problem{http.StatusUnauthorized, "session_ended", "the session has ended; sign in again"}
	probNoRefresh  = problem{http.StatusUnauthorized, "session_ended", "no refresh token; sign in again"}
	probUnavail    = problem{http.StatusServiceUnavailable, "temporarily_unavailable", "the session store is unavailable, try again later"}
	probInternal   = problem{http.StatusInternalServerError, "server_error", "internal error"}
)

// retryNone marks a problem's body without the "retry" member.
const (
	retryNone = iota
	retryNo
	retryYes
)

// answer renders p with extra header lines (Set-Cookie first, in order).
func (p problem) answer(retry int, extra ...[2]string) core.Response {
	h := make([][2]string, 0, len(extra)+4)
	h = append(h, extra...)
	switch p.status {
	case http.StatusUnauthorized:
		h = append(h, [2]string{"WWW-Authenticate", `Bearer error="invalid_token", error_description="` + p.desc + `"`})
	case http.StatusServiceUnavailable:
		h = append(h, [2]string{"Retry-After", "5"})
	}
	h = append(h, jsonHeader...)
	var b strings.Builder
	b.WriteString(`{"error":`)
	b.WriteString(strconv.Quote(p.code))
	b.WriteString(`,"error_description":`)
	b.WriteString(strconv.Quote(p.desc))
	switch retry {
	case retryNo:
		b.WriteString(`,"retry":false`)
	case retryYes:
		b.WriteString(`,"retry":true`)
	}
	b.WriteString("}\n")
	return core.Response{Status: p.status, Code: p.code, Description: p.desc, Header: h, Body: []byte(b.String())}
}

func notFound() core.Response { return probNotFound.answer(retryNone) }

func methodNotAllowed(allow string) core.Response {
	p := problem{http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed"}
	return p.answer(retryNone, [2]string{"Allow", allow})
}

// gateError renders an error of the gate (core.ErrorResponse) after the
// decision's Set-Cookie lines.
func gateError(err error, cookies [][2]string) core.Response {
	r := core.ErrorResponse(err)
	r.Header = append(cookies, r.Header...)
	return r
}

// okJSON answers 200 with v as JSON after the header lines in extra.
func okJSON(v any, extra ...[2]string) core.Response {
	return statusJSON(http.StatusOK, v, extra...)
}

func statusJSON(status int, v any, extra ...[2]string) core.Response {
	body, err := json.Marshal(v)
	if err != nil { // only plain structs of strings, numbers and times reach here
		return probInternal.answer(retryNone)
	}
	h := make([][2]string, 0, len(extra)+2)
	h = append(append(h, extra...), jsonHeader...)
	return core.Response{Status: status, Header: h, Body: append(body, '\n')}
}

// setCookies turns cookies into Set-Cookie header lines, skipping nil.
func setCookies(cs ...*http.Cookie) [][2]string {
	out := make([][2]string, 0, len(cs))
	for _, c := range cs {
		if c == nil {
			continue
		}
		if line := c.String(); line != "" {
			out = append(out, [2]string{"Set-Cookie", line})
		}
	}
	return out
}

// headerLines turns a core.Decision's Set-Cookie values into header lines.
func headerLines(values []string) [][2]string {
	out := make([][2]string, 0, len(values))
	for _, v := range values {
		out = append(out, [2]string{"Set-Cookie", v})
	}
	return out
}

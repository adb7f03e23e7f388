package core

import (
	"net/http"
	"strconv"
	"strings"
)

// Response is the HTTP answer to a refused request: status, headers (in
// order, to be added) and body. Adapters write it as it is.
type Response struct {
	Status int
	// Code is the error code of the body ("invalid_token", ...) and
	// Description its fixed, public text; both are also in Body.
	Code        string
	Description string
	Header      [][2]string
	Body        []byte
}

// ChallengeHeader returns the headers of r other than Content-Type
// (WWW-Authenticate, Retry-After, Cache-Control): what a framework's own
// error handler must still send when it renders its own body.
func (r Response) ChallengeHeader() [][2]string {
	out := make([][2]string, 0, len(r.Header))
	for _, kv := range r.Header {
		if kv[0] != "Content-Type" {
			out = append(out, kv)
		}
	}
	return out
}

// Write adds the headers to w in order, then writes the status and body.
// Adapters on net/http response writers (net/http, Gin, Echo) answer with it.
func (r Response) Write(w http.ResponseWriter) {
	h := w.Header()
	for _, kv := range r.Header {
		h.Add(kv[0], kv[1])
	}
	w.WriteHeader(r.Status)
	w.Write(r.Body)
}

// failure describes how one error kind is answered.
type failure struct {
	status      int
	code        string // RFC 6750 error code; "" for a request with no token
	description string
}

// failures maps each kind to its answer; any other error is an invalid token.
var failures = map[error]failure{
	ErrNoToken:                {http.StatusUnauthorized, "", "no session token"},
	ErrMalformedRequest:       {http.StatusBadRequest, "invalid_request", "more than one Authorization header"},
	ErrMalformed:              {http.StatusUnauthorized, "invalid_token", "the session token is malformed"},
	ErrTokenTooLarge:          {http.StatusUnauthorized, "invalid_token", "the session token is too large"},
	ErrAlgorithm:              {http.StatusUnauthorized, "invalid_token", "the session token algorithm is not allowed"},
	ErrSignature:              {http.StatusUnauthorized, "invalid_token", "the session token signature is invalid"},
	ErrUnknownKey:             {http.StatusUnauthorized, "invalid_token", "the session token is signed by an unknown key"},
	ErrExpired:                {http.StatusUnauthorized, "invalid_token", "the session token has expired"},
	ErrNotYetValid:            {http.StatusUnauthorized, "invalid_token", "the session token is not valid yet"},
	ErrIssuedInFuture:         {http.StatusUnauthorized, "invalid_token", "the session token was issued in the future"},
	ErrTokenType:              {http.StatusUnauthorized, "invalid_token", "the session token type is not accepted"},
	ErrIssuer:                 {http.StatusUnauthorized, "invalid_token", "the session token issuer is not accepted"},
	ErrAudience:               {http.StatusUnauthorized, "invalid_token", "the session token audience is not accepted"},
	ErrClaims:                 {http.StatusUnauthorized, "invalid_token", "the session token claims are invalid"},
	ErrKeysUnavailable:        {http.StatusServiceUnavailable, "temporarily_unavailable", "session keys are unavailable, try again later"},
	ErrCrossSite:              {http.StatusForbidden, "cross_site_request", "cross-site request with a session cookie refused"},
	ErrSessionConflict:        {http.StatusUnauthorized, "invalid_token", "the session cookie carries sessions of different users"},
	ErrSessionRevoked:         {http.StatusUnauthorized, "invalid_token", "the session has been revoked"},
	ErrRevocationsUnavailable: {http.StatusServiceUnavailable, "temporarily_unavailable", "session revocations are unavailable, try again later"},
}

func describe(kind error) failure {
	if f, ok := failures[kind]; ok {
		return f
	}
	return failure{http.StatusUnauthorized, "invalid_token", "the session token is invalid"}
}

// ErrorResponse renders err the way every adapter answers it by default:
// status by kind, WWW-Authenticate: Bearer with the RFC 6750 error code for
// 401 and 400, Retry-After for 503, Cache-Control: no-store, and a small JSON
// body {"error": ..., "error_description": ...}. The body is built from fixed
// texts only, so it never contains the token or a cause's message.
func ErrorResponse(err error) Response {
	f := describe(kindOf(err))
	code := f.code
	if code == "" {
		code = "unauthorized"
	}
	h := make([][2]string, 0, 4)
	switch f.status {
	case http.StatusUnauthorized, http.StatusBadRequest:
		if f.code == "" {
			h = append(h, [2]string{"WWW-Authenticate", "Bearer"})
		} else {
			h = append(h, [2]string{"WWW-Authenticate", `Bearer error="` + f.code + `", error_description="` + f.description + `"`})
		}
	case http.StatusServiceUnavailable:
		h = append(h, [2]string{"Retry-After", "5"})
	}
	h = append(h,
		[2]string{"Content-Type", "application/json; charset=utf-8"},
		[2]string{"Cache-Control", "no-store"},
	)
	var b strings.Builder
	b.WriteString(`{"error":`)
	b.WriteString(strconv.Quote(code))
	b.WriteString(`,"error_description":`)
	b.WriteString(strconv.Quote(f.description))
	b.WriteString("}\n")
	return Response{Status: f.status, Code: code, Description: f.description, Header: h, Body: []byte(b.String())}
}

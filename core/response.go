package core

import (
	"errors"
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
	ErrDPoPProof:              {http.StatusUnauthorized, "invalid_dpop_proof", "the DPoP proof is invalid"},
	ErrDPoPReplay:             {http.StatusUnauthorized, "invalid_dpop_proof", "the DPoP proof was used before"},
	ErrDPoPBinding:            {http.StatusUnauthorized, "invalid_dpop_proof", "the DPoP proof's key is not the key the token is bound to"},
	ErrDPoPNonce:              {http.StatusUnauthorized, "use_dpop_nonce", "the DPoP proof must carry the server's current nonce"},
	ErrDPoPRequired:           {http.StatusUnauthorized, "invalid_token", "a DPoP-bound token with a DPoP proof is required"},
	ErrTokenBound:             {http.StatusUnauthorized, "invalid_token", "the session token is DPoP-bound and needs a DPoP proof"},
	ErrDPoPReplayUnavailable:  {http.StatusServiceUnavailable, "temporarily_unavailable", "DPoP replay protection is unavailable, try again later"},
}

func describe(kind error) failure {
	if f, ok := failures[kind]; ok {
		return f
	}
	return failure{http.StatusUnauthorized, "invalid_token", "the session token is invalid"}
}

// ErrorResponse renders err the way every adapter answers it by default:
// status by kind, WWW-Authenticate for 401 and 400 (Bearer with the RFC 6750
// error code; DPoP with the RFC 9449 code and algs when the token came with
// the DPoP scheme or DPoP is what is missing; both schemes for a request
// without a token when the gate accepts both), Retry-After for 503,
// Cache-Control: no-store, and a small JSON body {"error": ...,
// "error_description": ...}. The body is built from fixed texts only, so it
// never contains the token or a cause's message. A DPoP-Nonce the refusal
// carries is not among the headers: it is in Decision.Header.
func ErrorResponse(err error) Response {
	var e *Error
	errors.As(err, &e)
	f := describe(kindOf(err))
	if e != nil && e.desc != "" {
		f.description = e.desc
	}
	code := f.code
	if code == "" {
		code = "unauthorized"
	}
	h := make([][2]string, 0, 4)
	switch f.status {
	case http.StatusUnauthorized, http.StatusBadRequest:
		h = append(h, [2]string{"WWW-Authenticate", challengeLine(e, f)})
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

// challengeLine is the WWW-Authenticate value for f: RFC 6750's Bearer
// challenge, or RFC 9449 §7.1's DPoP challenge when e asks for it (after
// "Bearer, " when both schemes are offered, as §7.2's example).
func challengeLine(e *Error, f failure) string {
	if e == nil || e.dpop == nil {
		if f.code == "" {
			return "Bearer"
		}
		return `Bearer error="` + f.code + `", error_description="` + f.description + `"`
	}
	algs := `algs="` + e.dpop.algs + `"`
	var line string
	if f.code == "" {
		line = "DPoP " + algs
	} else {
		line = `DPoP error="` + f.code + `", error_description="` + f.description + `", ` + algs
	}
	if e.dpop.bearer {
		line = "Bearer, " + line
	}
	return line
}

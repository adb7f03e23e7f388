// Package forward passes a verified session token on to other backends
// (README scenario 3: the shop backend calls the payment backend on the
// user's behalf). Its Transport reads the session that a sessiongate
// middleware put in the outgoing request's context and sends the token as
// "Authorization: Bearer <token>", but only to origins on an explicit
// allow-list: a token never leaks to a third party through a mistyped URL,
// a redirect or a URL that came from user input.
//
//	client, err := forward.Client("https://payment.example.com")
//	req, _ := http.NewRequestWithContext(r.Context(), "POST", "https://payment.example.com/charge", body)
//	resp, err := client.Do(req) // carries the caller's token
package forward

import (
	"fmt"
	"net/http"

	"github.com/sessiongate/sessiongate/core/internal/origin"

	"github.com/sessiongate/sessiongate/core"
)

// Transport is an http.RoundTripper that adds the session token of each
// request's context to requests for allowed origins. Requests for any other
// origin, requests whose context holds no session, and requests that
// already carry an Authorization header are sent unchanged.
type Transport struct {
	base    http.RoundTripper
	allowed map[string]bool // normalised origins: scheme://host[:non-default port]
}

// New returns a Transport over base (http.DefaultTransport when nil) that
// forwards tokens to the given origins only. Each origin is scheme and host,
// with a port only when it is not the scheme's default
// ("https://payment.example.com", "http://127.0.0.1:8082"): no path, query,
// user info or wildcard. Matching is exact after lower-casing and dropping a
// default port, so "https://payment.example.com" does not allow
// "https://payment.example.com.evil.test" or "http://payment.example.com".
func New(base http.RoundTripper, origins ...string) (*Transport, error) {
	if len(origins) == 0 {
		return nil, &core.ConfigError{Field: "origins", Reason: "at least one origin is required; tokens are forwarded to listed origins only"}
	}
	t := &Transport{base: base, allowed: make(map[string]bool, len(origins))}
	if t.base == nil {
		t.base = http.DefaultTransport
	}
	for i, o := range origins {
		n, err := origin.Parse(o)
		if err != nil {
			return nil, &core.ConfigError{Field: fmt.Sprintf("origins[%d]", i), Value: o, Reason: err.Error(), Err: err}
		}
		t.allowed[n] = true
	}
	return t, nil
}

// Client returns an *http.Client whose Transport forwards tokens to the
// given origins (see New).
func Client(origins ...string) (*http.Client, error) {
	t, err := New(nil, origins...)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: t}, nil
}

// RoundTrip sends req, with the token added when req's origin is allowed.
// It does not modify req: the token goes on a clone.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	s, ok := core.SessionFromContext(req.Context())
	if !ok || s.Token == "" || req.URL == nil || req.Header.Get("Authorization") != "" || !t.allowed[origin.Of(req.URL)] {
		return t.base.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", "Bearer "+string(s.Token))
	return t.base.RoundTrip(out)
}

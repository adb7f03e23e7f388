package sessions

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// maxUserAgent bounds the User-Agent kept in a session's metadata.
const maxUserAgent = 256

// refresh is POST /refresh. With an Authorization header the refresh token
// comes from it and the answer carries the new tokens in JSON (no cookie is
// read or written); otherwise from the refresh cookie, after the gate's
// cross-site rule, and the answer sets both cookies.
func (e *Endpoints) refresh(ctx context.Context, r core.EndpointRequest) core.Response {
	if auth := r.Header("Authorization"); len(auth) > 0 {
		tok, ok := bearer(auth)
		if !ok {
			return probBadRequest.answer(retryNo)
		}
		is, err := e.m.Refresh(ctx, tok, e.meta(r))
		if err != nil {
			return e.refreshFailed(err, nil)
		}
		return okJSON(tokenReply{
			AccessToken: is.AccessToken, TokenType: "Bearer", ExpiresIn: e.seconds(is.AccessExpiresAt),
			RefreshToken: is.RefreshToken, RefreshExpiresIn: e.seconds(is.RefreshExpiresAt),
		})
	}
	if err := e.gate.CrossSite(r); err != nil {
		return gateError(err, nil)
	}
	values := cookieValues(r, e.names.Refresh, maxRefreshCookies)
	if len(values) == 0 {
		return probNoRefresh.answer(retryNo, e.clearCookies()...)
	}
	var is *Issued
	var err error
	for _, tok := range candidates(values) {
		if is, err = e.m.Refresh(ctx, tok, e.meta(r)); err == nil || !refused(err) {
			break
		}
	}
	if err != nil {
		return e.refreshFailed(err, e.clearCookies())
	}
	return okJSON(cookieReply{ExpiresIn: e.seconds(is.AccessExpiresAt)}, e.issueCookies(is, len(values) > 1)...)
}

// tokenReply is the header transport's answer (RFC 6749 5.1 names).
type tokenReply struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
}

// cookieReply is the cookie transport's answer: when to refresh next.
type cookieReply struct {
	ExpiresIn int64 `json:"expires_in"`
}

// refused reports whether err is the manager refusing the token (401), as
// opposed to a failure that says nothing about it (503, 500).
func refused(err error) bool {
	return errors.Is(err, ErrRefreshInvalid) || errors.Is(err, ErrSessionEnded) ||
		errors.Is(err, ErrRefreshReused) || errors.Is(err, ErrRefreshAhead)
}

// refreshFailed answers a failed refresh: 401 with the cookies cleared (the
// client must not retry: no refresh loops), 503 with the cookies kept.
func (e *Endpoints) refreshFailed(err error, clear [][2]string) core.Response {
	switch {
	case refused(err):
		return probEnded.answer(retryNo, clear...)
	case errors.Is(err, ErrStoreUnavailable):
		return probUnavail.answer(retryYes)
	}
	return e.internal("refresh", err)
}

// internal logs a server-side failure (errors never carry a token) and
// answers 500 with a fixed body.
func (e *Endpoints) internal(what string, err error) core.Response {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return probUnavail.answer(retryYes) // the client left or the deadline passed: nothing to alarm about
	}
	e.logger.Error("sessions: endpoint failed", "endpoint", what, "err", err)
	return probInternal.answer(retryNone)
}

// candidates picks, from the refresh cookie values a request carries, the
// tokens worth presenting: for each session only the highest generation.
// A browser holding the cookie on the older domain as well sends both; the
// older copy is a previous generation of the same session and presenting it
// too would count as reuse and revoke the session. Values that do not parse
// are kept only when nothing parses (the manager then refuses them).
func candidates(values []string) []string {
	type best struct {
		gen uint64
		tok string
	}
	var order []string
	top := make(map[string]best, len(values))
	for _, v := range values {
		t, err := parseRefresh(v)
		if err != nil {
			continue
		}
		b, seen := top[t.sid]
		if !seen {
			order = append(order, t.sid)
		}
		if !seen || t.gen > b.gen {
			top[t.sid] = best{t.gen, v}
		}
	}
	if len(order) == 0 {
		return values[:1]
	}
	out := make([]string, len(order))
	for i, sid := range order {
		out[i] = top[sid].tok
	}
	return out
}

// bearer returns the token of a single "Bearer <token>" Authorization line.
func bearer(lines []string) (string, bool) {
	if len(lines) != 1 {
		return "", false
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(lines[0]), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return tok, true
}

// meta is what the session records about the client.
func (e *Endpoints) meta(r core.EndpointRequest) Meta {
	ua := ""
	if v := r.Header("User-Agent"); len(v) > 0 {
		ua = v[0]
		if len(ua) > maxUserAgent {
			ua = strings.ToValidUTF8(ua[:maxUserAgent], "")
		}
	}
	return Meta{UserAgent: ua, IP: e.clientIP(r)}
}

// seconds is how many whole seconds remain until t by the manager's clock.
func (e *Endpoints) seconds(t time.Time) int64 {
	return max(int64(t.Sub(e.now())/time.Second), 0)
}

package sessions

import (
	"bytes"
	"cmp"
	"context"
	"net/http"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// caller verifies the access token of r through the gate (bearer or
// cookie, the gate's cross-site rule, a strict revocation check) and
// requires it to be one of this manager's. On refusal it returns nil and
// the answer. cookies are the decision's Set-Cookie lines (older-domain
// cleanup), to send either way.
func (e *Endpoints) caller(ctx context.Context, r core.EndpointRequest) (s *core.Session, cookies [][2]string, refusal core.Response) {
	d := e.gate.Check(r, core.CheckOptions{Strict: true, Context: ctx})
	cookies = headerLines(d.SetCookies)
	if d.Err != nil {
		return nil, cookies, gateError(d.Err, cookies)
	}
	if d.Session.SessionID == "" || d.Session.Issuer != e.m.Issuer().Name {
		return nil, cookies, probForeign.answer(retryNone, cookies...)
	}
	return d.Session, cookies, core.Response{}
}

// sessionReply is one session in GET /sessions.
type sessionReply struct {
	ID        string    `json:"id"`
	Current   bool      `json:"current"`
	CreatedAt time.Time `json:"created_at"`
	LastUsed  time.Time `json:"last_used"`
	ExpiresAt time.Time `json:"expires_at"`
	UserAgent string    `json:"user_agent,omitempty"`
	IP        string    `json:"ip,omitempty"`
}

// list is GET /sessions: the caller's live sessions, newest first.
func (e *Endpoints) list(ctx context.Context, r core.EndpointRequest) core.Response {
	s, cookies, refusal := e.caller(ctx, r)
	if s == nil {
		return refusal
	}
	infos, err := e.m.List(ctx, s.Subject)
	if err != nil {
		return e.storeFailed("list", err)
	}
	out := struct {
		Sessions []sessionReply `json:"sessions"`
	}{Sessions: make([]sessionReply, 0, len(infos))}
	for _, in := range infos {
		out.Sessions = append(out.Sessions, sessionReply{
			ID: in.ID, Current: in.ID == s.SessionID, CreatedAt: in.CreatedAt.UTC(), LastUsed: in.LastUsed.UTC(),
			ExpiresAt: in.ExpiresAt.UTC(), UserAgent: in.UserAgent, IP: in.IP,
		})
	}
	return okJSON(out, cookies...)
}

// revokedReply counts the sessions an answer revoked.
type revokedReply struct {
	Revoked int `json:"revoked"`
}

// revokeOne is DELETE /sessions/{id}. Only the caller's own live sessions
// can be named: any other ID, another user's included, is 404, so the
// answer does not tell whether it exists. Revoking the current session also
// clears the cookies, as logout does.
func (e *Endpoints) revokeOne(ctx context.Context, r core.EndpointRequest) core.Response {
	s, cookies, refusal := e.caller(ctx, r)
	if s == nil {
		return refusal
	}
	id := r.Path()[len(e.base)+len("/sessions/"):]
	infos, err := e.m.List(ctx, s.Subject)
	if err != nil {
		return e.storeFailed("revoke", err)
	}
	owned := false
	for _, in := range infos {
		owned = owned || in.ID == id
	}
	if !owned {
		return probNoSession.answer(retryNone, cookies...)
	}
	if err := e.m.Revoke(ctx, id, "user"); err != nil {
		return e.storeFailed("revoke", err)
	}
	if id == s.SessionID {
		cookies = append(cookies, e.clearCookies()...)
	}
	return okJSON(revokedReply{Revoked: 1}, cookies...)
}

// revokeOthers is DELETE /sessions: every session of the caller but the
// current one ("sign out everywhere else").
func (e *Endpoints) revokeOthers(ctx context.Context, r core.EndpointRequest) core.Response {
	s, cookies, refusal := e.caller(ctx, r)
	if s == nil {
		return refusal
	}
	n, err := e.m.RevokeUser(ctx, s.Subject, s.SessionID, "user")
	if err != nil {
		return e.storeFailed("revoke", err)
	}
	return okJSON(revokedReply{Revoked: n}, cookies...)
}

// logout is POST /logout: revoke the current session and clear the cookies.
// A refused access token (expired, revoked) still clears the cookies: the
// client asked to be signed out; the session then ends at its idle timeout
// unless revoked otherwise.
func (e *Endpoints) logout(ctx context.Context, r core.EndpointRequest) core.Response {
	s, cookies, refusal := e.caller(ctx, r)
	if s == nil {
		if refusal.Status == http.StatusForbidden {
			return refusal // cross-site: a foreign page must not sign the user out either
		}
		refusal.Header = append(e.clearCookies(), refusal.Header...)
		return refusal
	}
	if err := e.m.Revoke(ctx, s.SessionID, "logout"); err != nil {
		return e.storeFailed("logout", err)
	}
	return okJSON(revokedReply{Revoked: 1}, append(cookies, e.clearCookies()...)...)
}

// jwks is GET /jwks, answered by Manager.JWKSHandler.
func (e *Endpoints) jwks(_ context.Context, r core.EndpointRequest) core.Response {
	w := &captured{header: http.Header{}}
	req, err := http.NewRequest(http.MethodGet, "/", nil)
	if err != nil {
		return e.internal("jwks", err)
	}
	req.Host = r.Host()
	e.m.JWKSHandler().ServeHTTP(w, req)
	resp := core.Response{Status: cmp.Or(w.status, http.StatusOK), Body: w.body.Bytes()}
	for _, k := range []string{"Content-Type", "Cache-Control", "Etag", "Last-Modified"} {
		for _, v := range w.header[k] {
			resp.Header = append(resp.Header, [2]string{k, v})
		}
	}
	return resp
}

// captured is an http.ResponseWriter that keeps what a handler writes.
type captured struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captured) Header() http.Header { return c.header }
func (c *captured) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}
func (c *captured) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(b)
}

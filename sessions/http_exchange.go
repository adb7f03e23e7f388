package sessions

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// replayDomain separates exchange replay keys from any other UseOnce key.
const replayDomain = "sessiongate exchange\x00"

// noExpiryReplay is how long a provider token without an expiry is
// remembered as used.
const noExpiryReplay = 24 * time.Hour

// replayLeeway covers the largest clock leeway a gate allows (core's
// Config.Leeway is at most 5 minutes): a token stays refused as a replay for
// as long as any verifier could still accept it.
const replayLeeway = 5 * time.Minute

// exchangePost is POST /exchange: a provider token for a new session. The
// gate's cross-site rule applies to every POST (a cross-site page must not
// sign the browser into an account of the attacker's choosing).
func (e *Endpoints) exchangePost(ctx context.Context, r core.EndpointRequest) core.Response {
	if err := e.gate.CrossSite(r); err != nil {
		return gateError(err, nil)
	}
	tok, p := e.providerToken(r)
	if p != nil {
		return p.answer(retryNone)
	}
	is, resp := e.exchange(ctx, r, tok)
	if is == nil {
		return resp
	}
	if r.Query("transport") == "header" {
		return okJSON(exchangeReply{
			SessionID: is.Session.ID, AccessToken: is.AccessToken, TokenType: "Bearer", ExpiresIn: e.seconds(is.AccessExpiresAt),
			RefreshToken: is.RefreshToken, RefreshExpiresIn: e.seconds(is.RefreshExpiresAt),
		})
	}
	return okJSON(exchangeReply{SessionID: is.Session.ID, ExpiresIn: e.seconds(is.AccessExpiresAt)}, e.issueCookies(is, true)...)
}

// exchangeReply is POST /exchange's answer; the tokens only with
// ?transport=header.
type exchangeReply struct {
	SessionID        string `json:"session_id"`
	AccessToken      string `json:"access_token,omitempty"`
	TokenType        string `json:"token_type,omitempty"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token,omitempty"`
	RefreshExpiresIn int64  `json:"refresh_expires_in,omitempty"`
}

// exchangeGet is GET /exchange?token=...&redirect=/path, for providers that
// send the browser back with the token in the query: the same checks as
// POST, then 303 to a local path. Every answer is no-store and
// no-referrer, so the token in the URL goes no further.
func (e *Endpoints) exchangeGet(ctx context.Context, r core.EndpointRequest) core.Response {
	resp := e.exchangeGetAnswer(ctx, r)
	resp.Header = append(resp.Header, [2]string{"Referrer-Policy", "no-referrer"})
	return resp
}

func (e *Endpoints) exchangeGetAnswer(ctx context.Context, r core.EndpointRequest) core.Response {
	tok := r.Query("token")
	if tok == "" {
		return probNoToken.answer(retryNone)
	}
	if int64(len(tok)) > e.maxBody {
		return probTooLarge.answer(retryNone)
	}
	is, resp := e.exchange(ctx, r, tok)
	if is == nil {
		return resp
	}
	h := e.issueCookies(is, true)
	h = append(h, [2]string{"Location", e.redirectTarget(r.Query("redirect"))}, [2]string{"Cache-Control", "no-store"})
	return core.Response{Status: http.StatusSeeOther, Header: h}
}

// exchange verifies tok with the provider, refuses a replay, maps the user
// and creates a new session: never the one the request's cookies name, so
// a session ID planted before sign-in is never signed in (no fixation).
// It returns the issued session, or nil and the answer.
func (e *Endpoints) exchange(ctx context.Context, r core.EndpointRequest, tok string) (*Issued, core.Response) {
	ps, err := e.provider(ctx, tok)
	if err != nil || ps == nil {
		if errors.Is(err, core.ErrKeysUnavailable) {
			return nil, probUnavail.answer(retryNone)
		}
		return nil, probProvider.answer(retryNone)
	}
	until := ps.ExpiresAt.Add(replayLeeway)
	if ps.ExpiresAt.IsZero() {
		until = e.now().Add(noExpiryReplay)
	}
	first, err := e.store().UseOnce(ctx, sha256.Sum256([]byte(replayDomain+tok)), until)
	switch {
	case err != nil:
		return nil, e.storeFailed("exchange", err)
	case !first:
		return nil, probReplayed.answer(retryNone)
	}
	id, err := e.mapUser(ctx, ps)
	if err != nil {
		return nil, probDenied.answer(retryNone)
	}
	is, err := e.m.Create(ctx, id, e.meta(r))
	if err != nil {
		return nil, e.storeFailed("exchange", err)
	}
	return is, core.Response{}
}

// storeFailed answers an error of the manager or the store that is not the
// client's doing: 503 for an outage, 500 otherwise.
func (e *Endpoints) storeFailed(what string, err error) core.Response {
	if errors.Is(err, ErrStoreUnavailable) {
		return probUnavail.answer(retryNone)
	}
	return e.internal(what, err)
}

// providerToken reads the provider token of POST /exchange: from
// Authorization: Bearer, or else from a JSON {"token": ...} or form token=
// body of at most MaxBodyBytes.
func (e *Endpoints) providerToken(r core.EndpointRequest) (string, *problem) {
	if auth := r.Header("Authorization"); len(auth) > 0 {
		if tok, ok := bearer(auth); ok {
			return tok, nil
		}
		return "", &probBadRequest
	}
	if r.Body == nil {
		return "", &probNoToken
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, e.maxBody+1))
	switch {
	case err != nil:
		return "", &probBadRequest
	case int64(len(body)) > e.maxBody:
		return "", &probTooLarge
	case len(body) == 0:
		return "", &probNoToken
	}
	ct := ""
	if v := r.Header("Content-Type"); len(v) == 1 {
		ct, _, _ = mime.ParseMediaType(v[0])
	}
	var tok string
	switch ct {
	case "application/json":
		var in struct {
			Token string `json:"token"`
		}
		if json.Unmarshal(body, &in) != nil {
			return "", &probBadRequest
		}
		tok = in.Token
	case "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil || len(q["token"]) > 1 {
			return "", &probBadRequest
		}
		tok = q.Get("token")
	default:
		return "", &probBadRequest
	}
	if tok == "" {
		return "", &probNoToken
	}
	return tok, nil
}

// redirectTarget returns raw when it is a local path RedirectPaths allow,
// otherwise DefaultRedirect.
func (e *Endpoints) redirectTarget(raw string) string {
	if len(raw) > 2048 || !localPath(raw) {
		return e.fallback
	}
	if len(e.paths) == 0 {
		return raw
	}
	u, _ := url.Parse(raw) // localPath parsed it
	for _, p := range e.paths {
		if p == "" || u.Path == p || strings.HasPrefix(u.Path, p+"/") {
			return raw
		}
	}
	return e.fallback
}

// localPath reports whether s is a path on this site that every browser
// reads as one: it starts with a single "/", has no backslash (browsers
// read "/\evil" as "//evil"), no control or non-ASCII byte, and parses as a
// URL without scheme or host.
func localPath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] >= 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//")
}

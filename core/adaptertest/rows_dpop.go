package adaptertest

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// DPoP (RFC 9449). Core's own tests hold the full tables of hostile
// proofs; these rows prove every adapter hands core the method, the path
// and the DPoP header lines untouched, and sends DPoP-Nonce as decided.

const dpopAlgs = `algs="ES256 EdDSA RS256 PS256"`

var (
	dpopOn       = core.Config{DPoP: core.DPoPConfig{URLs: []string{DPoPURL}}}
	dpopRequired = core.Config{DPoP: core.DPoPConfig{URLs: []string{DPoPURL}, Mode: core.DPoPRequired}}
	dpopDisabled = core.Config{DPoP: core.DPoPConfig{URLs: []string{DPoPURL}, Mode: core.DPoPDisabled}}
	dpopNonces   = core.Config{DPoP: core.DPoPConfig{URLs: []string{DPoPURL}, RequireNonce: true}}
	dpopDown     = core.Config{DPoP: core.DPoPConfig{URLs: []string{DPoPURL}, Replay: replayDown{}}}

	bound     = tok{sub: "alice", cnf: clientKey}
	dpopAuthz = headers{{"Authorization", "DPoP {token}"}, {"DPoP", "{proof}"}}
)

// dpopRefusal: 401 with the DPoP challenge for kind.
func dpopRefusal(kind error, code, description string) want {
	return want{status: 401, kind: kind, code: code,
		challenge: `DPoP error="` + code + `", error_description="` + description + `", ` + dpopAlgs}
}

var (
	badProof  = dpopRefusal(core.ErrDPoPProof, "invalid_dpop_proof", "the DPoP proof is invalid")
	needNonce = func() want {
		w := dpopRefusal(core.ErrDPoPNonce, "use_dpop_nonce", "the DPoP proof must carry the server's current nonce")
		w.nonce = true
		return w
	}()
)

// replayDown is a ReplayCache whose store is unreachable.
type replayDown struct{}

func (replayDown) UseOnce(context.Context, [32]byte, time.Time) (bool, error) {
	return false, errors.New("replay store unreachable")
}

var dpopRows = []row{
	{
		name:   "dpop: a valid proof of the bound key passes",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: dpopAuthz,
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "dpop: a POST with a proof for POST to its path passes",
		config: dpopOn,
		method: http.MethodPost,
		path:   "/api/orders?page=2",
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: dpopAuthz,
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "dpop: the scheme name is case-insensitive (dpop)",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: headers{{"authorization", "dpop {token}"}, {"dpop", "{proof}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "dpop: a proof whose typ is JWT is refused",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{typ: "JWT"}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: a proof with a symmetric alg (HS256) is refused",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{alg: "HS256"}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: a proof whose jwk carries the private key is refused",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{private: true}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: a proof signed by another key than its jwk is refused",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{key: otherKey, jwk: clientKey}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: a proof for another method (htm) is refused",
		config: dpopOn,
		method: http.MethodDelete,
		tokens: []tok{bound},
		proofs: []proof{{htm: http.MethodGet}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: htu with a query is refused",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{htu: DPoPURL + "/api/me?x=1"}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: htu in upper case with the default port passes",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{htu: "HTTPS://API.EXAMPLE.TEST:443/api/me"}},
		header: dpopAuthz,
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "dpop: htu of another path is refused",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{htu: DPoPURL + "/api/admin"}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: htu of the request's own Host is refused: the origin is configured, never taken from Host",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{htu: "{base}/api/me"}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: ath of another token is refused",
		config: dpopOn,
		tokens: []tok{bound, valid("bob")},
		proofs: []proof{{ath: 1}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: a proof older than MaxAge is refused",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{iat: -2 * time.Minute}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: a proof issued in the future is refused",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{iat: time.Minute}},
		header: dpopAuthz,
		want:   badProof,
	},
	{
		name:   "dpop: a proof of another key than the token's cnf.jkt is refused",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{key: otherKey}},
		header: dpopAuthz,
		want:   dpopRefusal(core.ErrDPoPBinding, "invalid_dpop_proof", "the DPoP proof's key is not the key the token is bound to"),
	},
	{
		name:   "dpop: a bound token presented as Bearer is refused",
		config: dpopOn,
		tokens: []tok{bound},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   dpopRefusal(core.ErrTokenBound, "invalid_token", "the session token is DPoP-bound and needs a DPoP proof"),
	},
	{
		name:   "dpop: a bound token in the session cookie is refused",
		config: dpopOn,
		tokens: []tok{bound},
		header: headers{{"Cookie", "sid={token}"}},
		want:   dpopRefusal(core.ErrTokenBound, "invalid_token", "the session token is DPoP-bound and needs a DPoP proof"),
	},
	{
		name:   "dpop: two DPoP headers are a malformed request (400)",
		config: dpopOn,
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: headers{{"Authorization", "DPoP {token}"}, {"DPoP", "{proof}"}, {"DPoP", "{proof}"}},
		want: want{status: 400, kind: core.ErrMalformedRequest, code: "invalid_request",
			challenge: `DPoP error="invalid_request", error_description="more than one DPoP header", ` + dpopAlgs},
	},
	{
		name:   "dpop: the DPoP scheme without a DPoP header is refused",
		config: dpopOn,
		tokens: []tok{bound},
		header: headers{{"Authorization", "DPoP {token}"}},
		want:   badProof,
	},
	{
		name:   "dpop: a proof used a second time is a replay",
		config: dpopOn,
		prime:  primeSame,
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: dpopAuthz,
		want:   dpopRefusal(core.ErrDPoPReplay, "invalid_dpop_proof", "the DPoP proof was used before"),
	},
	{
		name:   "dpop: a replay cache that cannot answer is 503, never a pass",
		config: dpopDown,
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: dpopAuthz,
		want:   want{status: 503, kind: core.ErrDPoPReplayUnavailable, code: "temporarily_unavailable", retry: "5"},
	},
	{
		name:   "dpop nonces: a proof without a nonce is refused with use_dpop_nonce and a DPoP-Nonce",
		config: dpopNonces,
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: dpopAuthz,
		want:   needNonce,
	},
	{
		name:   "dpop nonces: round trip: the proof with the nonce of the server's answer passes",
		config: dpopNonces,
		prime:  primeNonce,
		tokens: []tok{bound},
		proofs: []proof{{nonce: fromServer}},
		header: dpopAuthz,
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "dpop nonces: a nonce the server did not issue, or no longer accepts, is refused with a fresh one",
		config: dpopNonces,
		tokens: []tok{bound},
		proofs: []proof{{nonce: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		header: dpopAuthz,
		want:   needNonce,
	},
	{
		name:   "dpop nonces: the custom error handler gets ErrDPoPNonce and the DPoP-Nonce is still sent",
		config: dpopNonces,
		opts:   Options{CustomErrorHandler: true},
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: dpopAuthz,
		want:   want{status: ErrorHandlerStatus, kind: core.ErrDPoPNonce, nonce: true},
	},
	{
		name:   "dpop allowed: a bearer token without cnf still passes",
		config: dpopOn,
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "dpop allowed: no token offers both schemes",
		config: dpopOn,
		want:   want{status: 401, kind: core.ErrNoToken, code: "unauthorized", challenge: "Bearer, DPoP " + dpopAlgs},
	},
	{
		name:   "dpop allowed: an expired bound token is invalid_token with the DPoP challenge",
		config: dpopOn,
		tokens: []tok{{sub: "alice", cnf: clientKey, issued: -time.Hour, ttl: 30 * time.Minute}},
		proofs: []proof{{}},
		header: dpopAuthz,
		want:   dpopRefusal(core.ErrExpired, "invalid_token", "the session token has expired"),
	},
	{
		name:   "dpop required: a bearer token is refused",
		config: dpopRequired,
		tokens: []tok{valid("alice")},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   dpopRefusal(core.ErrDPoPRequired, "invalid_token", "a DPoP-bound token with a DPoP proof is required"),
	},
	{
		name:   "dpop required: a valid proof passes",
		config: dpopRequired,
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: dpopAuthz,
		want:   session("alice", core.SourceAuthorization),
	},
	{
		name:   "dpop required: no token offers DPoP only",
		config: dpopRequired,
		want:   want{status: 401, kind: core.ErrNoToken, code: "unauthorized", challenge: "DPoP " + dpopAlgs},
	},
	{
		name:   "dpop disabled: the DPoP scheme carries no token",
		config: dpopDisabled,
		tokens: []tok{bound},
		proofs: []proof{{}},
		header: dpopAuthz,
		want:   noToken,
	},
	{
		name:   "dpop disabled: a bound token as Bearer is still refused",
		config: dpopDisabled,
		tokens: []tok{bound},
		header: headers{{"Authorization", "Bearer {token}"}},
		want:   invalid(core.ErrTokenBound, "the session token is DPoP-bound and needs a DPoP proof"),
	},
}

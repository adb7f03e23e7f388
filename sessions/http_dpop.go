package sessions

import (
	"context"
	"errors"
	"net/http"

	"github.com/sessiongate/sessiongate/core"
)

// DPoP at the endpoints (RFC 9449 §5): a client that sends a DPoP proof
// with POST /exchange?transport=header gets a session bound to the proof's
// key (its access tokens carry cnf.jkt, token_type "DPoP"), and every
// refresh of that session must carry a proof of the same key. The gate
// checks the proofs (Gate.Proof: htm POST, htu of the endpoint under the
// gate's DPoP.URLs, fresh, used once, the server nonce when required).
// Bound tokens never go in cookies: a gate refuses a bound token that comes
// without a proof, which a cookie always does, so a proof with the cookie
// transport is a 400.

// probDPoPCookies refuses a DPoP proof where the tokens would go in cookies.
var probDPoPCookies = problem{http.StatusBadRequest, "invalid_request", "a DPoP proof binds tokens to a key, which needs the header transport (POST with ?transport=header, or refresh with Authorization: Bearer)"}

// hasProof reports whether r carries a DPoP header.
func hasProof(r core.EndpointRequest) bool { return len(r.Header("DPoP")) > 0 }

// proof checks r's DPoP proof, when it carries one, with the gate, and
// returns the thumbprint to bind ("" without a proof) and the header lines
// every answer carries (DPoP-Nonce). A refused proof gives ok false and the
// answer: 401 with the gate's DPoP challenge (use_dpop_nonce with a fresh
// nonce, when the gate requires nonces), 503 when the replay cache is down.
func (e *Endpoints) proof(ctx context.Context, r core.EndpointRequest) (jkt string, header [][2]string, refusal core.Response, ok bool) {
	if !hasProof(r) {
		return "", nil, core.Response{}, true
	}
	jkt, header, err := e.gate.Proof(ctx, r)
	if err != nil {
		refusal = gateError(err, nil)
		refusal.Header = append(refusal.Header, header...)
		return "", nil, refusal, false
	}
	return jkt, header, core.Response{}, true
}

// tokenType is the token_type of an answer's access token: "DPoP" when the
// session is bound to a key, so the client sends it with proofs.
func tokenType(is *Issued) string {
	if is.Session.KeyBound {
		return "DPoP"
	}
	return "Bearer"
}

// keyRefused answers a refresh of a bound session without a proof of its
// key: 401 with the gate's DPoP challenge, invalid_dpop_proof. The session
// lives on (see ErrKeyBinding). clear are the cookies to clear (a bound
// refresh token in a cookie can never be used).
func (e *Endpoints) keyRefused(r core.EndpointRequest, clear [][2]string) core.Response {
	kind := core.ErrDPoPBinding
	if !hasProof(r) {
		kind = core.ErrDPoPProof
	}
	return gateError(e.gate.DPoPError(kind), clear)
}

// boundRefused reports whether err refuses a refresh for want of the
// session's key.
func boundRefused(err error) bool { return errors.Is(err, ErrKeyBinding) }

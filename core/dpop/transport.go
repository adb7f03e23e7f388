package dpop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxOrigins bounds the nonces a Transport remembers: one per origin it
// talks to, which a redirect can choose.
const maxOrigins = 256

// TransportConfig configures a Transport.
type TransportConfig struct {
	// Key signs the proofs. Required.
	Key *Key
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Token, when not empty, is the DPoP-bound access token sent as
	// "Authorization: DPoP <Token>" on every request that carries no
	// Authorization header of its own. Leave it empty to set the header
	// per request (a backend forwarding the token it was granted).
	Token string
}

// Transport is an http.RoundTripper that adds a DPoP proof to every request
// (RFC 9449 §4): a fresh proof per request and per retry, bound by ath to
// the request's "Authorization: DPoP" token when it has one, and carrying
// the origin's latest server nonce. It remembers the DPoP-Nonce of every
// response, per origin. When a server asks for a nonce and gives one other
// than the one sent (a resource server: 401 with
// `WWW-Authenticate: DPoP error="use_dpop_nonce"`; an authorization
// server: 400 with the JSON error "use_dpop_nonce"), it sends the request
// once more with that nonce, provided its body can be sent again (no body,
// or GetBody set, as http.NewRequest sets it for in-memory bodies). It
// never retries twice.
//
// A Transport is safe for concurrent use. The request passed to RoundTrip
// is not modified: the headers go on a clone.
type Transport struct {
	key   *Key
	base  http.RoundTripper
	token string

	mu     sync.Mutex
	nonces map[string]string // origin ("https://host[:port]") -> nonce
}

var _ http.RoundTripper = (*Transport)(nil)

// NewTransport returns a Transport for cfg: an ErrConfig without a Key, or
// with a Token that is not a valid access token.
func NewTransport(cfg TransportConfig) (*Transport, error) {
	if cfg.Key == nil {
		return nil, fmt.Errorf("%w: Key is nil", ErrConfig)
	}
	if cfg.Token != "" && !isToken68(cfg.Token) {
		return nil, fmt.Errorf("%w: Token is not a token68 access token", ErrConfig) // never quoted
	}
	if cfg.Base == nil {
		cfg.Base = http.DefaultTransport
	}
	return &Transport{key: cfg.Key, base: cfg.Base, token: cfg.Token, nonces: map[string]string{}}, nil
}

// RoundTrip sends req with a DPoP proof, and once more with the server's
// new nonce when it asks for one. Errors from making the proof match this
// package's sentinels and never contain the token.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	htu, err := HTU(req.URL, req.Host)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	origin := htuOrigin(htu)
	nonce := t.nonce(origin)
	out, err := t.prepare(req, htu, nonce)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	fresh := t.remember(origin, resp)
	if fresh == "" || fresh == nonce || !responseAsksForNonce(resp) {
		return resp, nil
	}
	body, ok := replayBody(req)
	if !ok {
		return resp, nil
	}
	retry, err := t.prepare(req, htu, fresh)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return resp, nil // the server's answer stands
	}
	retry.Body = body
	// The first answer is dropped: read a little of it so that the
	// connection can be reused, then close it.
	io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
	resp, err = t.base.RoundTrip(retry)
	if err != nil {
		return nil, err
	}
	t.remember(origin, resp)
	return resp, nil
}

// maxErrorBody bounds how much of a 400's body is read to find a
// use_dpop_nonce error: an OAuth error body is a few hundred bytes.
const maxErrorBody = 16 << 10

// responseAsksForNonce reports whether resp asks for a nonce: a resource
// server's 401 with a DPoP use_dpop_nonce challenge (RFC 9449 §9), or an
// authorization server's 400 with a JSON body whose error is
// use_dpop_nonce (§8). Of a 400's body it reads at most maxErrorBody
// bytes, and puts them back.
func responseAsksForNonce(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return asksForNonce(resp.Header.Values("WWW-Authenticate"))
	case http.StatusBadRequest:
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mt != "application/json" || resp.Body == nil {
			return false
		}
		head, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
		var e struct {
			Error string `json:"error"`
		}
		return err == nil && json.Unmarshal(head, &e) == nil && e.Error == "use_dpop_nonce"
	}
	return false
}

// readCloser is a body read from r and closed by c.
type readCloser struct {
	io.Reader
	io.Closer
}

// prepare returns a clone of req with the Authorization (from Token) and
// DPoP headers set.
func (t *Transport) prepare(req *http.Request, htu, nonce string) (*http.Request, error) {
	out := req.Clone(req.Context())
	if t.token != "" && len(out.Header.Values("Authorization")) == 0 {
		out.Header.Set("Authorization", "DPoP "+t.token)
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet // as net/http sends it
	}
	proof, err := t.key.proof(method, htu, dpopToken(out.Header.Get("Authorization")), nonce, time.Now())
	if err != nil {
		return nil, err
	}
	out.Header.Set("DPoP", proof)
	return out, nil
}

// dpopToken returns the token of an "Authorization: DPoP <token>" value,
// "" for any other scheme.
func dpopToken(authorization string) string {
	scheme, token, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "DPoP") {
		return ""
	}
	return strings.TrimLeft(token, " ")
}

// htuOrigin returns the scheme and authority of an htu made by HTU.
func htuOrigin(htu string) string {
	authority := strings.Index(htu, "://") + len("://")
	return htu[:authority+strings.IndexByte(htu[authority:], '/')]
}

// nonce returns the nonce last seen from origin, or "".
func (t *Transport) nonce(origin string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nonces[origin]
}

// remember keeps resp's DPoP-Nonce, if valid, as origin's nonce and
// returns it ("" when there is none).
func (t *Transport) remember(origin string, resp *http.Response) string {
	n := resp.Header.Get("DPoP-Nonce")
	if !validNonce(n) {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.nonces[origin]; !ok && len(t.nonces) >= maxOrigins {
		for o := range t.nonces { // forget any one: it is asked for again if needed
			delete(t.nonces, o)
			break
		}
	}
	t.nonces[origin] = n
	return n
}

// replayBody returns a fresh copy of req's body for a retry, and false when
// the body cannot be sent again.
func replayBody(req *http.Request) (io.ReadCloser, bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	return body, true
}

// closeBody closes the body of a request RoundTrip does not send, as the
// http.RoundTripper contract asks.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// Package adaptertest is the conformance suite every sessiongate adapter
// runs: the one contract for what an adapter must do. It drives the adapter
// through real HTTP requests and compares each answer byte for byte with
// what core itself decides for the same request (core.Gate.Check and
// core.ErrorResponse): status, body, every WWW-Authenticate, Retry-After,
// Content-Type, Cache-Control and Set-Cookie line, no other header on a
// refusal, and the session the handler sees through the adapter's own
// accessor and through context.Context. Each case also states its own
// expected outcome, so a bug in core fails the suite too.
//
// An adapter module calls it from conformance_test.go:
//
//	func TestConformance(t *testing.T) {
//		adaptertest.Run(t, func(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
//			// build the framework app, protect every route with the
//			// adapter's middleware built from gate and opts, answer with
//			// adaptertest.Reply, serve it on loopback, return its base URL.
//		})
//	}
//
// Every case is a subtest named by the behaviour it pins, and Run logs how
// many there are: go test -v -run 'TestConformance$' prints
// "adaptertest: N cases".
package adaptertest

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/sessiongate/sessiongate/core"
)

// Options are the adapter-neutral choices a case asks the target for. The
// target translates them into its adapter's Config.
type Options struct {
	// Optional: set the adapter's Optional option.
	Optional bool
	// Strict: set the adapter's Strict option.
	Strict bool
	// SkipPath: when non-empty, the adapter's Skipper must skip requests
	// whose URL path equals it. Wire the Skipper to Options.Skip.
	SkipPath string
	// CustomErrorHandler: install an ErrorHandler that answers
	// ErrorHandlerStatus with body ErrorKind(err), proving the handler
	// receives the typed error.
	CustomErrorHandler bool
}

// Skip reports whether a request with this path is to be skipped.
func (o Options) Skip(path string) bool { return o.SkipPath != "" && path == o.SkipPath }

// ErrorHandlerStatus is what the custom error handler answers with.
const ErrorHandlerStatus = http.StatusTeapot

// Target serves the adapter under test: it builds the adapter's middleware
// from gate and opts, protects every route (any method, any path) with it,
// answers protected requests with status 200 and body Reply(...), serves that
// on loopback and returns the base URL ("http://127.0.0.1:port"). It stops
// the server with t.Cleanup.
type Target func(t *testing.T, gate *core.Gate, opts Options) (baseURL string)

// Reply is the body a protected handler answers with. fromAdapter is what
// the adapter's own accessor returned (gin c.Get, echo c.Get, fiber Locals,
// or the net/http request), fromContext what core.SessionFromContext
// returned for the request's context.Context; nil when absent.
func Reply(fromAdapter, fromContext *core.Session) []byte {
	r := reply{}
	if fromAdapter != nil {
		r.Session, r.Subject, r.ID = true, fromAdapter.Subject, fromAdapter.ID
		r.Source, r.CookieName = string(fromAdapter.Source), fromAdapter.CookieName
	}
	if fromContext != nil {
		r.ContextSession, r.ContextSubject = true, fromContext.Subject
	}
	b, _ := json.Marshal(r)
	return b
}

type reply struct {
	Session        bool   `json:"session"`
	Subject        string `json:"subject,omitempty"`
	ID             string `json:"id,omitempty"` // jti: tells two sessions of one subject apart
	Source         string `json:"source,omitempty"`
	CookieName     string `json:"cookie_name,omitempty"`
	ContextSession bool   `json:"context_session"`
	ContextSubject string `json:"context_subject,omitempty"`
}

// ErrorKind names the sentinel error err matches ("ErrExpired", ...), or
// "unknown". A custom error handler in a target answers with it.
func ErrorKind(err error) string {
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "unknown"
}

var kinds = []struct {
	name string
	err  error
}{
	{"ErrNoToken", core.ErrNoToken}, {"ErrMalformedRequest", core.ErrMalformedRequest},
	{"ErrMalformed", core.ErrMalformed}, {"ErrTokenTooLarge", core.ErrTokenTooLarge},
	{"ErrAlgorithm", core.ErrAlgorithm}, {"ErrSignature", core.ErrSignature},
	{"ErrUnknownKey", core.ErrUnknownKey}, {"ErrExpired", core.ErrExpired},
	{"ErrNotYetValid", core.ErrNotYetValid}, {"ErrIssuedInFuture", core.ErrIssuedInFuture},
	{"ErrIssuer", core.ErrIssuer}, {"ErrAudience", core.ErrAudience}, {"ErrClaims", core.ErrClaims},
	{"ErrKeysUnavailable", core.ErrKeysUnavailable}, {"ErrCrossSite", core.ErrCrossSite},
	{"ErrSessionConflict", core.ErrSessionConflict}, {"ErrTokenType", core.ErrTokenType},
	{"ErrSessionRevoked", core.ErrSessionRevoked}, {"ErrRevocationsUnavailable", core.ErrRevocationsUnavailable},
	{"ErrDPoPProof", core.ErrDPoPProof}, {"ErrDPoPReplay", core.ErrDPoPReplay}, {"ErrDPoPBinding", core.ErrDPoPBinding},
	{"ErrDPoPNonce", core.ErrDPoPNonce}, {"ErrDPoPRequired", core.ErrDPoPRequired}, {"ErrTokenBound", core.ErrTokenBound},
	{"ErrDPoPReplayUnavailable", core.ErrDPoPReplayUnavailable},
}

package adaptertest

import (
	"bufio"
	"bytes"
	"cmp"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/core"
)

// row is one case of the suite: plain data, read like a spec table.
type row struct {
	name string
	// config: the fields it sets replace the fixture's (Fixture.Config).
	config core.Config
	keys   keys
	opts   Options
	method string // default GET
	path   string // default /api/me; may hold {token}
	// tokens are minted when the row runs and take the place of {token},
	// {token2}, {token3} in path and header values.
	tokens []tok
	// proofs are DPoP proofs minted after the tokens, for the row's request;
	// they take the place of {proof}, {proof2} in header values.
	proofs []proof
	prime  prime
	header headers // sent in order; a name repeated is a header line repeated
	want   want
}

// prime is what the suite sends before the row's request; zero: nothing.
type prime int

const (
	// primeSame: the row's request itself, which must pass (so the row's
	// is a replay).
	primeSame prime = iota + 1
	// primeNonce: the row's request with proofs that carry no nonce, which
	// must be refused with a DPoP-Nonce; the row's proofs then carry it.
	primeNonce
)

// headers are request header lines, name and value, in order.
type headers = [][2]string

// keys is the state of the issuer's key server.
type keys int

const (
	keysServed         keys = iota
	keysDownFromStart       // never reachable; the gate starts without keys
	keysDownAfterStart      // goes down once the gate has fetched the keys
)

// want is a row's own statement of the answer: what the spec says, checked
// beside the byte-for-byte comparison with core's decision, so that a bug in
// core is caught too.
type want struct {
	status int
	// With status 200: the session the handler sees ("" subject: none).
	subject string
	id      string // the session ID (jti), when the row tells sessions of one subject apart
	source  core.Source
	cookie  string // the name of the cookie the session came from
	// On a refusal: the sentinel core refuses with; with the default error
	// handler also the body's "error" code, the exact WWW-Authenticate ("":
	// none) and Retry-After ("": none).
	kind      error
	code      string
	challenge string
	retry     string
	setCookie []string // exact Set-Cookie lines, in order
	warns     bool     // the duplicate-cookie warning naming OlderCookieDomain is logged
	nonce     bool     // the answer carries a DPoP-Nonce
}

// Run runs every conformance case against target, each as a subtest named
// by the behaviour it pins (go test -run 'TestConformance/csrf' picks some).
func Run(t *testing.T, target Target) {
	f := NewFixture(t)
	all := rows()
	t.Logf("adaptertest: %d cases", len(all))
	for _, r := range all {
		t.Run(r.name, func(t *testing.T) { f.run(t, target, r) })
	}
}

// run sends the row's request to a target wrapping a fresh gate, then asks
// that same gate for its decision on the same request.
//
// The expectation comes from the adapter's own gate, asked after the adapter
// has answered and its log lines are read. That is exact: the same keys and
// configuration, not a look-alike. It is deterministic: a decision does not
// depend on what the adapter's call left behind (the once-an-hour
// duplicate-cookie warning only gates a log line, and a refresh for an
// unknown kid is then remembered or cooling down, with the same outcome).
// And the warning and the key fetches the suite observes are the adapter's:
// asking first would use them up, and a second gate would fetch its own keys
// and log a second warning.
func (f *Fixture) run(t *testing.T, target Target, r row) {
	f.flakyDown.Store(false)
	f.logs.take()
	cfg := f.configFor(r)
	var replay *suiteReplay
	if len(cfg.DPoP.URLs) > 0 {
		replay = newSuiteReplay(cmp.Or[core.ReplayCache](cfg.DPoP.Replay, core.NewMemoryReplayCache(0, nil)))
		cfg.DPoP.Replay = replay
	}
	gate := f.Gate(t, cfg)
	base := target(t, gate, r.opts)
	if r.keys == keysDownAfterStart {
		f.flakyDown.Store(true)
	}
	toks := f.mintAll(t, r.tokens)
	method, path, hs, proofs := f.primed(t, r, base, toks)
	resp, body := Send(t, method, base+path, hs...)
	logs := f.logs.take()

	d := core.Decision{} // a skipped request never reaches core
	if replay != nil {
		replay.replay()
	}
	if !r.opts.Skip(resp.Request.URL.Path) {
		d = gate.Check(core.HTTPRequest(asServed(t, resp.Request)), core.CheckOptions{Optional: r.opts.Optional, Strict: r.opts.Strict})
	}
	matchCore(t, resp, body, d, r.opts)
	matchRow(t, resp, body, d, r.want, r.opts)
	noLeaks(t, resp, body, logs, append(toks, proofs...))
	if got := strings.Contains(logs, "OlderCookieDomain"); got != r.want.warns {
		t.Errorf("warning naming OlderCookieDomain logged = %v, want %v; logs: %s", got, r.want.warns, logs)
	}
}

// primed sends what the row's prime asks for and returns the row's
// request and proofs.
func (f *Fixture) primed(t *testing.T, r row, base string, toks []string) (method, path string, hs headers, proofs []string) {
	nonce := ""
	switch r.prime {
	case primeSame:
		proofs = f.mintProofs(r, base, "", toks)
		method, path, hs = r.request(t, toks, proofs)
		if resp, body := Send(t, method, base+path, hs...); resp.StatusCode != http.StatusOK {
			t.Fatalf("the first use of the proof answered %d %s, want it through", resp.StatusCode, body)
		}
		return method, path, hs, proofs
	case primeNonce:
		method, path, hs = r.request(t, toks, f.mintProofs(r, base, "", toks))
		resp, body := Send(t, method, base+path, hs...)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a proof without a nonce answered %d %s, want 401 use_dpop_nonce", resp.StatusCode, body)
		}
		nonce = nonceOf(t, resp.Header.Values("DPoP-Nonce"))
	}
	proofs = f.mintProofs(r, base, nonce, toks)
	method, path, hs = r.request(t, toks, proofs)
	return method, path, hs, proofs
}

// mintProofs signs the row's proofs; nonce replaces fromServer.
func (f *Fixture) mintProofs(r row, base, nonce string, toks []string) []string {
	method, path := cmp.Or(r.method, http.MethodGet), cmp.Or(r.path, "/api/me")
	path, _, _ = strings.Cut(path, "?")
	out := make([]string, len(r.proofs))
	for i, p := range r.proofs {
		n := p.nonce
		if n == fromServer {
			n = nonce
		}
		out[i] = f.dpop.mintProof(p, method, path, base, n, toks)
	}
	return out
}

// configFor is the fixture's configuration with the row's changes.
func (f *Fixture) configFor(r row) core.Config {
	cfg := f.Config()
	dst, src := reflect.ValueOf(&cfg).Elem(), reflect.ValueOf(r.config)
	for i := range src.NumField() {
		if src.Type().Field(i).IsExported() && !src.Field(i).IsZero() {
			dst.Field(i).Set(src.Field(i))
		}
	}
	switch r.keys {
	case keysDownFromStart:
		cfg.Issuers[0].JWKSURL = f.DownJWKSURL()
		cfg.JWKS.AllowStartWithoutKeys = true
	case keysDownAfterStart:
		cfg.Issuers[0].JWKSURL = f.flaky.URL + "/jwks"
	}
	return cfg
}

// request is the row's method, path and header lines with the tokens and
// proofs filled in.
func (r row) request(t *testing.T, toks, proofs []string) (method, path string, hs headers) {
	method, path = cmp.Or(r.method, http.MethodGet), cmp.Or(r.path, "/api/me")
	path = fill(path, toks)
	for _, h := range r.header {
		hs = append(hs, [2]string{h[0], fillProofs(fill(h[1], toks), proofs)})
	}
	for _, s := range append([]string{path}, hsValues(hs)...) {
		if strings.Contains(s, "{token") || strings.Contains(s, "{proof") {
			t.Fatalf("%q names a token or proof the row does not mint", s)
		}
	}
	return method, path, hs
}

// fillProofs puts the proofs in place of {proof}, {proof2}...
func fillProofs(s string, proofs []string) string {
	for i := len(proofs) - 1; i >= 0; i-- {
		name := "{proof}"
		if i > 0 {
			name = "{proof" + strconv.Itoa(i+1) + "}"
		}
		s = strings.ReplaceAll(s, name, proofs[i])
	}
	return s
}

func hsValues(hs headers) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h[1]
	}
	return out
}

// asServed is req as a server reads it off the wire (header names made
// canonical, Host from the URL): what the adapter's gate decided on.
func asServed(t *testing.T, req *http.Request) *http.Request {
	t.Helper()
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

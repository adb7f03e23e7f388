package core

// Tests of what one JWKS fetch does to the cache: a set without usable keys
// withdraws the cached keys, a failed fetch keeps them, and each is logged
// for what it is.

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Log texts of the cache, as operators see them.
const (
	logKeptKeys  = "keeping the last good keys"
	logWithdrawn = "the issuer's keys are withdrawn"
	logNoneYet   = "no keys were loaded before"
	logFailed    = "fetching JWKS failed"
)

// backgroundRefresh runs, now, the fetch the background refresher of g's
// first issuer would run next.
func backgroundRefresh(g *Gate) error { return g.caches[0].refresh(false) }

func TestJWKSNoUsableKeyWithdrawsCachedKeys(t *testing.T) {
	k := testKeys()
	withdrawals := []struct{ name, body string }{
		{"an empty key set (RFC 7517 5 allows it)", `{"keys":[]}`},
		{"only use=enc keys", jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "enc"))},
		{"only oct keys", `{"keys":[{"kty":"oct","kid":"h-1","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}]}`},
		{"only keys whose key_ops lack verify", `{"keys":[` + jwkJSON(jwkOf(k.ec256, "ec-1", "ES256", ""), `"key_ops":["sign"]`) + `]}`},
		{"only RSA keys below 2048 bits", jwkSet(jwkOf(weakRSA(), "rsa-weak", "RS256", "sig"))},
	}
	failures := []struct {
		name  string
		apply func(s *keyServer)
	}{
		{"status 500", func(s *keyServer) { s.status = 500 }},
		{"a body that is not JSON", func(s *keyServer) { s.body = "<html>maintenance</html>" }},
		{`a JSON object that is neither a key set nor a key ({})`, func(s *keyServer) { s.body = `{}` }},
		{`"keys" that is not an array`, func(s *keyServer) { s.body = `{"keys":{"kty":"EC"}}` }},
		{`"keys": null`, func(s *keyServer) { s.body = `{"keys":null}` }},
	}
	triggers := []struct {
		name  string
		fetch func(t *testing.T, g *Gate)
	}{
		{"scheduled refresh", func(t *testing.T, g *Gate) { backgroundRefresh(g) }},
		{"fetch on an unknown kid", func(t *testing.T, g *Gate) { verifyVia(g, tokenWithKid(t, "x-1", k.attacker)) }},
	}
	known := tokenWithKid(t, "ec-1", k.ec256)
	setup := func(t *testing.T) (*Gate, *keyServer, *logSink) {
		srv := newKeyServer(t, oneKeyJWKS())
		logs := &logSink{}
		g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Logger: logs.logger(), Clock: newFakeClock().Now})
		if err := verifyVia(g, known); err != nil {
			t.Fatalf("before the fetch: %v", err)
		}
		return g, srv, logs
	}
	for _, tr := range triggers {
		for _, w := range withdrawals {
			t.Run(tr.name+" brings "+w.name+": the cached keys are withdrawn and their tokens refused as unknown key (401)", func(t *testing.T) {
				g, srv, logs := setup(t)
				srv.set(func(s *keyServer) { s.body = w.body })
				tr.fetch(t, g)
				d := g.Check(bearerRequest(known), CheckOptions{})
				if !isKind(d.Err, ErrUnknownKey) || ErrorResponse(d.Err).Status != http.StatusUnauthorized {
					t.Errorf("withdrawn key: %v (status %d), want ErrUnknownKey and 401", d.Err, ErrorResponse(d.Err).Status)
				}
				if l := logs.String(); !strings.Contains(l, logWithdrawn) || strings.Contains(l, logKeptKeys) {
					t.Errorf("want the withdrawal logged as such, and no claim to keep keys; log:\n%s", l)
				}
			})
		}
		for _, f := range failures {
			t.Run(tr.name+" fails with "+f.name+": the last good keys keep verifying", func(t *testing.T) {
				g, srv, logs := setup(t)
				srv.set(f.apply)
				tr.fetch(t, g)
				if err := verifyVia(g, known); err != nil {
					t.Errorf("cached key after the failed fetch: %v, want accepted", err)
				}
				if l := logs.String(); !strings.Contains(l, logFailed+"; "+logKeptKeys) || strings.Contains(l, logWithdrawn) {
					t.Errorf("want the failure logged as keeping the last good keys; log:\n%s", l)
				}
			})
		}
	}

	t.Run("a fetch failing after a withdrawal does not claim to keep last good keys", func(t *testing.T) {
		g, srv, logs := setup(t)
		srv.set(func(s *keyServer) { s.body = `{"keys":[]}` })
		backgroundRefresh(g)
		srv.set(func(s *keyServer) { s.status = 500 })
		backgroundRefresh(g)
		if l := logs.String(); !strings.Contains(l, logFailed) || strings.Contains(l, logKeptKeys) {
			t.Errorf("want the failure logged without a claim to keep keys; log:\n%s", l)
		}
	})

	t.Run("keys published again after a withdrawal verify on the next fetch", func(t *testing.T) {
		g, srv, _ := setup(t)
		srv.set(func(s *keyServer) { s.body = `{"keys":[]}` })
		backgroundRefresh(g)
		if err := verifyVia(g, known); !isKind(err, ErrUnknownKey) {
			t.Fatalf("while withdrawn: %v, want ErrUnknownKey", err)
		}
		srv.set(func(s *keyServer) { s.body = oneKeyJWKS() })
		backgroundRefresh(g)
		if err := verifyVia(g, known); err != nil {
			t.Errorf("published again: %v, want accepted", err)
		}
	})
}

// TestJWKSNoUsableKeyAtStart pins the decision for a JWKS URL that serves a
// set without usable keys when New runs: there is nothing to withdraw, and
// a gate that can accept no token is far more likely a wrong URL or tenant
// than a policy, so it fails like unreachable keys (ErrKeysUnavailable), and
// with AllowStartWithoutKeys it answers 503 until keys are published.
func TestJWKSNoUsableKeyAtStart(t *testing.T) {
	k := testKeys()
	known := tokenWithKid(t, "ec-1", k.ec256)

	t.Run("empty set at start: New fails with ErrKeysUnavailable naming the issuer and the reason", func(t *testing.T) {
		srv := newKeyServer(t, `{"keys":[]}`)
		g, err := New(Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Logger: quietLogger})
		if err == nil {
			g.Close()
			t.Fatal("New succeeded")
		}
		if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), issA) || !strings.Contains(err.Error(), "no usable signature key") {
			t.Errorf("New: %v, want ErrKeysUnavailable naming the issuer and the reason", err)
		}
	})

	t.Run("empty set at start with AllowStartWithoutKeys: 503 until the issuer publishes keys, logged as none loaded yet", func(t *testing.T) {
		srv := newKeyServer(t, `{"keys":[]}`)
		logs := &logSink{}
		clock := newFakeClock()
		g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Logger: logs.logger(), Clock: clock.Now,
			JWKS: JWKSOptions{AllowStartWithoutKeys: true}})
		d := g.Check(bearerRequest(known), CheckOptions{})
		if resp := ErrorResponse(d.Err); !isKind(d.Err, ErrKeysUnavailable) || resp.Status != http.StatusServiceUnavailable {
			t.Errorf("before keys are published: %v (status %d), want ErrKeysUnavailable and 503", d.Err, resp.Status)
		}
		if l := logs.String(); !strings.Contains(l, logNoneYet) || strings.Contains(l, logKeptKeys) || strings.Contains(l, logWithdrawn) {
			t.Errorf("want the empty set logged as no keys loaded yet; log:\n%s", l)
		}
		srv.set(func(s *keyServer) { s.body = oneKeyJWKS() })
		backgroundRefresh(g)
		if err := verifyVia(g, known); err != nil {
			t.Errorf("after keys are published: %v, want accepted", err)
		}
	})

	t.Run("a static JWKS without usable key stays a config error", func(t *testing.T) {
		for _, set := range []string{`{"keys":[]}`, jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "enc"))} {
			_, err := New(Config{Issuers: []Issuer{{Name: issA, JWKS: set}}, Logger: quietLogger})
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != "Issuers[0].JWKS" || !strings.Contains(err.Error(), "no usable signature key") {
				t.Errorf("New with static JWKS %s: %v, want a ConfigError for Issuers[0].JWKS", set, err)
			}
		}
	})
}

// endlessBody is a response body that never ends on its own: it yields
// bytes until stopAfter have been read, counting them.
type endlessBody struct {
	read, stopAfter int64
}

func (b *endlessBody) Read(p []byte) (int, error) {
	if b.read >= b.stopAfter {
		return 0, io.EOF // a safety stop, far beyond any limit the test sets
	}
	n := int64(len(p))
	if n > b.stopAfter-b.read {
		n = b.stopAfter - b.read
	}
	for i := range p[:n] {
		p[i] = ' ' // JSON whitespace: the body stays plausible all the way
	}
	b.read += n
	return int(n), nil
}

func (b *endlessBody) Close() error { return nil }

// streamingTransport answers every request with status 200 and an endless
// body, without Content-Length, the way a hostile key server would stream.
type streamingTransport struct {
	mu     sync.Mutex
	bodies []*endlessBody
}

func (tr *streamingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b := &endlessBody{stopAfter: 64 << 20}
	tr.mu.Lock()
	tr.bodies = append(tr.bodies, b)
	tr.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: b, ContentLength: -1, Request: r}, nil
}

func TestJWKSResponseSizeLimitEnforcedWhileReading(t *testing.T) {
	rows := []struct {
		name   string
		issuer Issuer
	}{
		{"a JWKS URL streaming an endless body is cut off at MaxResponseBytes", Issuer{Name: issA, JWKSURL: "https://keys.example/jwks"}},
		{"a discovery document streaming an endless body is cut off at MaxResponseBytes", Issuer{Name: issA, Discovery: true}},
	}
	const limit = 4096
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tr := &streamingTransport{}
			g, err := New(Config{Issuers: []Issuer{row.issuer}, Logger: quietLogger,
				JWKS: JWKSOptions{MaxResponseBytes: limit, HTTPClient: &http.Client{Transport: tr}}})
			if err == nil {
				g.Close()
				t.Fatal("New succeeded")
			}
			if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "larger than 4096 bytes") {
				t.Errorf("New: %v, want ErrKeysUnavailable for a response larger than the limit", err)
			}
			if len(tr.bodies) != 1 {
				t.Fatalf("%d requests, want 1", len(tr.bodies))
			}
			if got := tr.bodies[0].read; got > limit+1 {
				t.Errorf("read %d bytes of the endless body; want at most MaxResponseBytes+1 = %d", got, limit+1)
			}
		})
	}
}

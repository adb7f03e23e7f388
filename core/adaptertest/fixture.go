package adaptertest

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// Cookie names the suite configures: the current one and a former one.
const (
	CookieName       = "sid"
	LegacyCookieName = "sid_legacy"
	olderDomain      = "old.example.test"
)

// Fixture is the dev issuer and the key servers the suite runs with. Adapter
// tests use it too (NewFixture, Config, Token, Gate), so there is one fixture.
type Fixture struct {
	Issuer *devissuer.Issuer
	// keys serves the issuer's JWKS; flaky does too until flakyDown is set;
	// down always answers 503.
	keys, flaky, down *httptest.Server
	flakyDown         atomic.Bool
	logs              *logBuffer
	dpop              dpopKeys // the DPoP rows' client keys
}

// NewFixture starts the issuer's key servers on loopback; t.Cleanup stops them.
func NewFixture(t testing.TB) *Fixture {
	t.Helper()
	iss, err := devissuer.New(devissuer.Config{Issuer: "https://issuer.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	f := &Fixture{Issuer: iss, logs: &logBuffer{}, dpop: newDPoPKeys()}
	jwks := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(iss.JWKS())
	}
	f.keys = httptest.NewServer(http.HandlerFunc(jwks))
	f.flaky = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.flakyDown.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		jwks(w, r)
	}))
	f.down = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(func() { f.keys.Close(); f.flaky.Close(); f.down.Close() })
	return f
}

// Config is the gate configuration every case starts from: the issuer's keys
// served on loopback, cookies CookieName and LegacyCookieName, and a logger
// the suite reads.
func (f *Fixture) Config() core.Config {
	return core.Config{
		Issuers:     []core.Issuer{{Name: f.Issuer.URL(), JWKSURL: f.keys.URL + "/jwks"}},
		CookieNames: []string{CookieName, LegacyCookieName},
		Logger:      slog.New(slog.NewTextHandler(f.logs, nil)),
		JWKS:        core.JWKSOptions{Timeout: 2 * time.Second},
	}
}

// DownJWKSURL is a JWKS URL whose server always answers 503.
func (f *Fixture) DownJWKSURL() string { return f.down.URL + "/jwks" }

// Token mints a token; it fails the test on error.
func (f *Fixture) Token(t testing.TB, c devissuer.Claims) string {
	t.Helper()
	tok, err := f.Issuer.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Gate builds a gate from cfg; t.Cleanup closes it.
func (f *Fixture) Gate(t testing.TB, cfg core.Config) *core.Gate {
	t.Helper()
	g, err := core.New(cfg)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// logBuffer collects log output, safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

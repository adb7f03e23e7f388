package sessions_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/dpop"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// The endpoints' DPoP rows (binding, refusals) are in endpointtest; these
// tests pin what the suite's fixture does not vary: server nonces through
// the core/dpop client, a replay cache that is down, a gate without DPoP,
// and ReplayCache shared through a Store.

// dpopServer serves endpoints whose gate accepts DPoP at the server's own
// URL, with dpopCfg's other fields; the provider accepts any token as its
// subject. It returns the base URL and the statuses answered so far.
func dpopServer(t *testing.T, dpopCfg core.DPoPConfig) (base string, statuses func() []int) {
	t.Helper()
	m, err := sessions.New(bg, sessions.Config{Issuer: issuer, Store: memstore.New(), Secret: [][]byte{secretA}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	var mu sync.Mutex
	var seen []int
	var ep http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		ep.ServeHTTP(rec, r)
		mu.Lock()
		seen = append(seen, rec.Code)
		mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	if dpopCfg.URLs == nil {
		dpopCfg.URLs = []string{srv.URL}
	}
	g, err := core.New(core.Config{Issuers: []core.Issuer{m.Issuer()}, CookieNames: []string{"sg_access"}, DPoP: dpopCfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	e, err := sessions.NewEndpoints(m, sessions.EndpointsConfig{Gate: g, Provider: func(_ context.Context, tok string) (*core.Session, error) {
		return &core.Session{Subject: tok}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	ep = e
	return srv.URL + "/auth", func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), seen...)
	}
}

// tokenAnswer is the JSON of exchange and refresh with the header transport.
type tokenAnswer struct {
	Error        string `json:"error"`
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
}

// post sends POST url with "Authorization: scheme tok" through c.
func post(t *testing.T, c *http.Client, url, auth string) (*http.Response, tokenAnswer) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return send(t, c, req)
}

func send(t *testing.T, c *http.Client, req *http.Request) (*http.Response, tokenAnswer) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out tokenAnswer
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 && json.Unmarshal(b, &out) != nil {
		t.Fatalf("body is not JSON: %q", b)
	}
	return resp, out
}

func dpopClient(t *testing.T, k *dpop.Key) *http.Client {
	t.Helper()
	tr, err := dpop.NewTransport(dpop.TransportConfig{Key: k})
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: tr}
}

// TestEndpointsDPoPNonces: with RequireNonce, the first proof is refused
// with use_dpop_nonce and a DPoP-Nonce, the core/dpop Transport retries
// with it, and the exchange, the refresh and an authenticated route then
// work with the nonce it remembers, each in one round trip.
func TestEndpointsDPoPNonces(t *testing.T) {
	base, statuses := dpopServer(t, core.DPoPConfig{RequireNonce: true})
	k, err := dpop.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	c := dpopClient(t, k)

	resp, ex := post(t, c, base+"/exchange?transport=header", "Bearer alice")
	if resp.StatusCode != 200 || ex.TokenType != "DPoP" {
		t.Fatalf("exchange through the Transport: %d %+v, want 200 with token_type DPoP", resp.StatusCode, ex.Error)
	}
	if got := statuses(); len(got) != 2 || got[0] != 401 {
		t.Fatalf("statuses %v, want 401 (use_dpop_nonce) then 200: one retry with the nonce", got)
	}
	s := &core.Session{Token: core.Token(ex.AccessToken)}
	if cnf, _ := s.Claims()["cnf"].(map[string]any); cnf["jkt"] != k.Thumbprint() {
		t.Errorf("cnf %v, want jkt %s", s.Claims()["cnf"], k.Thumbprint())
	}

	resp, rf := post(t, c, base+"/refresh", "Bearer "+ex.RefreshToken)
	if resp.StatusCode != 200 || rf.TokenType != "DPoP" {
		t.Fatalf("refresh through the Transport: %d %s", resp.StatusCode, rf.Error)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/sessions", nil)
	req.Header.Set("Authorization", "DPoP "+rf.AccessToken)
	if resp, out := send(t, c, req); resp.StatusCode != 200 {
		t.Fatalf("GET /sessions with the bound token and a proof: %d %s", resp.StatusCode, out.Error)
	}
	if got := statuses(); len(got) != 4 {
		t.Errorf("statuses %v, want the refresh and the list in one round trip each", got)
	}

	// Without the Transport: a proof without the nonce is refused with
	// the challenge and a fresh nonce, and the refresh token is not spent.
	proof, _ := k.Proof(http.MethodPost, base+"/refresh", "", "")
	req, _ = http.NewRequest(http.MethodPost, base+"/refresh", nil)
	req.Header.Set("Authorization", "Bearer "+rf.RefreshToken)
	req.Header.Set("DPoP", proof)
	resp, out := send(t, http.DefaultClient, req)
	if resp.StatusCode != 401 || out.Error != "use_dpop_nonce" || resp.Header.Get("DPoP-Nonce") == "" ||
		!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `DPoP error="use_dpop_nonce"`) {
		t.Fatalf("a proof without the nonce: %d %q %q nonce %v", resp.StatusCode, out.Error, resp.Header.Get("WWW-Authenticate"), resp.Header.Get("DPoP-Nonce") != "")
	}
	if resp, out := post(t, c, base+"/refresh", "Bearer "+rf.RefreshToken); resp.StatusCode != 200 {
		t.Fatalf("the refresh token after a refused proof: %d %s", resp.StatusCode, out.Error)
	}
}

// switchReplay is a replay cache that fails while down.
type switchReplay struct {
	core.ReplayCache
	down atomic.Bool
}

func (s *switchReplay) UseOnce(ctx context.Context, key [32]byte, until time.Time) (bool, error) {
	if s.down.Load() {
		return false, errors.New("replay cache unreachable")
	}
	return s.ReplayCache.UseOnce(ctx, key, until)
}

// TestEndpointsDPoPReplayDown: a replay cache that cannot answer refuses
// the exchange with 503 and the provider token stays unused.
func TestEndpointsDPoPReplayDown(t *testing.T) {
	replay := &switchReplay{ReplayCache: core.NewMemoryReplayCache(0, nil)}
	base, _ := dpopServer(t, core.DPoPConfig{Replay: replay})
	k, _ := dpop.NewKey()
	c := dpopClient(t, k)
	replay.down.Store(true)
	if resp, out := post(t, c, base+"/exchange?transport=header", "Bearer alice"); resp.StatusCode != 503 || out.Error != "temporarily_unavailable" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("replay cache down: %d %q, want 503 with Retry-After", resp.StatusCode, out.Error)
	}
	replay.down.Store(false)
	if resp, out := post(t, c, base+"/exchange?transport=header", "Bearer alice"); resp.StatusCode != 200 || out.TokenType != "DPoP" {
		t.Fatalf("the same provider token once the cache is back: %d %q", resp.StatusCode, out.Error)
	}
}

// TestEndpointsDPoPOff: a gate without DPoP.URLs cannot check a proof, so a
// request with one is refused (not silently given bearer tokens the client
// believes bound); without a proof the exchange works.
func TestEndpointsDPoPOff(t *testing.T) {
	base, _ := dpopServer(t, core.DPoPConfig{URLs: []string{}})
	k, _ := dpop.NewKey()
	resp, out := post(t, dpopClient(t, k), base+"/exchange?transport=header", "Bearer alice")
	if resp.StatusCode != 401 || out.Error != "invalid_dpop_proof" || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "DPoP ") {
		t.Fatalf("a proof to a gate without DPoP: %d %q %q", resp.StatusCode, out.Error, resp.Header.Get("WWW-Authenticate"))
	}
	if resp, out := post(t, http.DefaultClient, base+"/exchange?transport=header", "Bearer alice"); resp.StatusCode != 200 || out.TokenType != "Bearer" {
		t.Fatalf("without a proof: %d %q %q", resp.StatusCode, out.Error, out.TokenType)
	}
}

// TestReplayCache: two gates whose replay caches are one Store (as two
// instances on one Postgres) refuse a proof the other accepted; a store
// that is down refuses with ErrDPoPReplayUnavailable.
func TestReplayCache(t *testing.T) {
	// core/dpop signs proofs at the real time: so do the manager and gates.
	e := newEnv(t, func(c *sessions.Config) { c.Clock = time.Now })
	k, _ := dpop.NewKey()
	is, err := e.m.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{KeyBinding: k.Thumbprint()})
	if err != nil {
		t.Fatal(err)
	}
	shared := &flakyUseOnce{Store: memstore.New()}
	gates := make([]*core.Gate, 2)
	for i := range gates {
		g, err := core.New(core.Config{
			Issuers: []core.Issuer{e.m.Issuer()},
			DPoP:    core.DPoPConfig{URLs: []string{"https://api.example.com"}, Replay: sessions.ReplayCache(shared)},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Close() })
		gates[i] = g
	}
	proof, err := k.Proof(http.MethodGet, "https://api.example.com/orders", is.AccessToken, "")
	if err != nil {
		t.Fatal(err)
	}
	request := func() core.Request {
		r := httptest.NewRequest(http.MethodGet, "https://api.example.com/orders", nil)
		r.Header.Set("Authorization", "DPoP "+is.AccessToken)
		r.Header.Set("DPoP", proof)
		return core.HTTPRequest(r)
	}
	if d := gates[0].Check(request(), core.CheckOptions{}); d.Err != nil || d.Session.Subject != "alice" {
		t.Fatalf("first use on gate 0: %v", d.Err)
	}
	if d := gates[1].Check(request(), core.CheckOptions{}); !errors.Is(d.Err, core.ErrDPoPReplay) {
		t.Fatalf("the same proof on gate 1: %v, want ErrDPoPReplay", d.Err)
	}
	shared.down.Store(true)
	fresh, _ := k.Proof(http.MethodGet, "https://api.example.com/orders", is.AccessToken, "")
	proof = fresh
	if d := gates[1].Check(request(), core.CheckOptions{}); !errors.Is(d.Err, core.ErrDPoPReplayUnavailable) {
		t.Fatalf("store down: %v, want ErrDPoPReplayUnavailable", d.Err)
	}
}

// flakyUseOnce is a Store whose UseOnce fails, as a driver's does, while
// down.
type flakyUseOnce struct {
	sessions.Store
	down atomic.Bool
}

func (s *flakyUseOnce) UseOnce(ctx context.Context, key sessions.Hash, until time.Time) (bool, error) {
	if s.down.Load() {
		return false, errStoreDown
	}
	return s.Store.UseOnce(ctx, key, until)
}

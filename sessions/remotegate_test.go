package sessions_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
)

// remoteCache is a remote gate's copy of the manager's JWKS as core's JWKS
// cache keeps it: fetched over HTTP, kept for the response's max-age bounded
// by core's default MinRefreshInterval and MaxRefreshInterval (1m, 1h), and
// fetched again only then. No unknown-kid fetch is modelled: the test is that
// none is ever needed.
type remoteCache struct {
	url       string
	set       []byte
	version   uint64
	expiresAt time.Time
	fetches   int
}

func (c *remoteCache) refresh(t *testing.T, now time.Time) {
	t.Helper()
	if now.Before(c.expiresAt) {
		return
	}
	resp, err := http.Get(c.url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS fetch: %d %v", resp.StatusCode, err)
	}
	cc := resp.Header.Get("Cache-Control")
	i := strings.Index(cc, "max-age=")
	if i < 0 {
		t.Fatalf("JWKS without max-age: %q", cc)
	}
	age, err := strconv.Atoi(cc[i+len("max-age="):])
	if err != nil {
		t.Fatalf("max-age in %q: %v", cc, err)
	}
	c.set, c.version, c.fetches = body, c.version+1, c.fetches+1
	c.expiresAt = now.Add(min(max(time.Duration(age)*time.Second, time.Minute), time.Hour))
}

// TestRemoteGateNeverSeesAnUnknownKey runs six key rotations on a clock
// that moves 20 s a step. A remote gate that only refreshes the JWKS when
// its max-age runs out (never on an unknown kid) verifies every access token
// the manager signs, from the moment it is signed until it expires.
func TestRemoteGateNeverSeesAnUnknownKey(t *testing.T) {
	const every, prepublish, ttl = time.Hour, 10 * time.Minute, 5 * time.Minute
	e := newEnv(t, func(c *sessions.Config) {
		c.AccessTTL, c.Keys.RotateEvery, c.Keys.Prepublish = ttl, every, prepublish
	})
	srv := httptest.NewServer(e.m.JWKSHandler())
	t.Cleanup(srv.Close)
	remote := &remoteCache{url: srv.URL}
	remote.refresh(t, e.clock.Now())
	g, err := core.New(core.Config{
		Issuers:   []core.Issuer{{Name: issuer, Keys: func() (uint64, []byte) { return remote.version, remote.set }}},
		Audiences: []string{issuer}, Clock: e.clock.Now, DisableTokenCache: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })

	type minted struct {
		tok string
		exp time.Time
	}
	var live []minted
	signers := map[string]bool{}
	interval := sessions.KeyInterval(e.m)
	lastKeyRefresh := e.clock.Now()
	for step := 0; step < 6*60*3; step++ {
		e.clock.Add(20 * time.Second)
		now := e.clock.Now()
		if now.Sub(lastKeyRefresh) >= interval { // the manager's goroutine
			if err := sessions.RefreshKeys(bg, e.m); err != nil {
				t.Fatal(err)
			}
			lastKeyRefresh = now
		}
		remote.refresh(t, now)
		is := e.create(t)
		signers[header(is.AccessToken)["kid"].(string)] = true
		live = append(live, minted{is.AccessToken, is.AccessExpiresAt})
		kept := live[:0]
		for _, m := range live {
			if !now.Before(m.exp) {
				continue
			}
			kept = append(kept, m)
			if _, err := g.Verify(m.tok, core.SourceAuthorization); err != nil {
				if errors.Is(err, core.ErrUnknownKey) {
					t.Fatalf("%v: the remote gate (JWKS fetched %d times) does not know the key of a live token", now, remote.fetches)
				}
				t.Fatalf("%v: the remote gate refuses a live token: %v", now, err)
			}
		}
		live = kept
	}
	if len(signers) < 6 {
		t.Errorf("%d signing keys over six hours, want one an hour", len(signers))
	}
	t.Logf("%d signing keys, %d JWKS fetches in six hours", len(signers), remote.fetches)
}

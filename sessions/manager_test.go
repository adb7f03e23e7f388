package sessions_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

func TestNewRefusesBadConfig(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	short := []byte("thirty-one bytes, one too short")
	for _, c := range []struct {
		name, field string
		edit        func(*sessions.Config)
	}{
		{"no issuer", "Issuer", func(c *sessions.Config) { c.Issuer = "" }},
		{"relative issuer", "Issuer", func(c *sessions.Config) { c.Issuer = "api.example.com" }},
		{"issuer with a query", "Issuer", func(c *sessions.Config) { c.Issuer = "https://api.example.com/?a=b" }},
		{"plain http issuer off loopback", "Issuer", func(c *sessions.Config) { c.Issuer = "http://api.example.com" }},
		{"issuer of another scheme", "Issuer", func(c *sessions.Config) { c.Issuer = "ftp://api.example.com" }},
		{"empty audience", "Audience[1]", func(c *sessions.Config) { c.Audience = []string{"a", " "} }},
		{"no store", "Store", func(c *sessions.Config) { c.Store = nil }},
		{"no secret", "Secret", func(c *sessions.Config) { c.Secret = nil }},
		{"a secret under 32 bytes", "Secret[1]", func(c *sessions.Config) { c.Secret = [][]byte{secretA, short} }},
		{"access TTL under 30s", "AccessTTL", func(c *sessions.Config) { c.AccessTTL = 10 * time.Second }},
		{"access TTL over 1h", "AccessTTL", func(c *sessions.Config) { c.AccessTTL = 2 * time.Hour }},
		{"negative access TTL", "AccessTTL", func(c *sessions.Config) { c.AccessTTL = -time.Minute }},
		{"negative idle timeout", "IdleTimeout", func(c *sessions.Config) { c.IdleTimeout = -time.Minute }},
		{"lifetime shorter than idle timeout", "MaxLifetime", func(c *sessions.Config) { c.IdleTimeout, c.MaxLifetime = 2*time.Hour, time.Hour }},
		{"idle timeout over the default lifetime", "MaxLifetime", func(c *sessions.Config) { c.IdleTimeout = 60 * 24 * time.Hour }},
		{"grace over access TTL", "Grace", func(c *sessions.Config) { c.Grace = 10 * time.Minute }},
		{"negative grace", "Grace", func(c *sessions.Config) { c.Grace = -time.Second }},
		{"RS256 without a signer", "Keys.Alg", func(c *sessions.Config) { c.Keys.Alg = "RS256" }},
		{"rotation under a minute", "Keys.RotateEvery", func(c *sessions.Config) { c.Keys.RotateEvery = 30 * time.Second }},
		{"prepublish as long as the rotation", "Keys.Prepublish", func(c *sessions.Config) { c.Keys.RotateEvery, c.Keys.Prepublish = time.Hour, time.Hour }},
		{"signer on P-384", "Keys.Signer", func(c *sessions.Config) { c.Keys.Signer = p384 }},
		{"signer with another alg", "Keys.Alg", func(c *sessions.Config) { c.Keys.Signer, c.Keys.Alg = p256, "EdDSA" }},
		{"signer with a rotation period", "Keys.RotateEvery", func(c *sessions.Config) { c.Keys.Signer, c.Keys.RotateEvery = p256, time.Hour }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := sessions.Config{Issuer: issuer, Store: memstore.New(), Secret: [][]byte{secretA}}
			c.edit(&cfg)
			m, err := sessions.New(bg, cfg)
			if m != nil {
				m.Close()
			}
			var ce *core.ConfigError
			if !errors.Is(err, core.ErrConfig) || !errors.As(err, &ce) || ce.Field != c.field {
				t.Fatalf("New = %v, want a *core.ConfigError for %s", err, c.field)
			}
			if strings.Contains(err.Error(), string(short)) || strings.Contains(err.Error(), string(secretA)) {
				t.Errorf("the error quotes a secret: %v", err)
			}
		})
	}
}

func TestNewAcceptsLoopbackHTTPAndDefaults(t *testing.T) {
	for _, iss := range []string{"http://localhost:8080", "http://127.0.0.1", "http://[::1]:9000/auth"} {
		m, err := sessions.New(bg, sessions.Config{Issuer: iss, Store: memstore.New(), Secret: [][]byte{secretA}})
		if err != nil {
			t.Errorf("New(Issuer %s): %v", iss, err)
			continue
		}
		is, err := m.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		c := (&core.Session{Token: core.Token(is.AccessToken)}).Claims()
		if c["iss"] != iss || c["aud"].([]any)[0] != iss {
			t.Errorf("iss %v aud %v, want %s for both (the default audience is the issuer)", c["iss"], c["aud"], iss)
		}
		if got := is.AccessExpiresAt.Sub(is.Session.CreatedAt); got < sessions.DefaultAccessTTL-time.Second || got > sessions.DefaultAccessTTL {
			t.Errorf("access token lives %v, want the default %v", got, sessions.DefaultAccessTTL)
		}
		if got := is.RefreshExpiresAt.Sub(is.Session.CreatedAt); got != sessions.DefaultIdleTimeout {
			t.Errorf("refresh token lives %v, want the default idle timeout %v", got, sessions.DefaultIdleTimeout)
		}
		m.Close()
	}
}

func TestNewFailsWhenTheStoreIsDown(t *testing.T) {
	s := newStore()
	s.down.Store(true)
	_, err := sessions.New(bg, sessions.Config{Issuer: issuer, Store: s, Secret: [][]byte{secretA}})
	if !errors.Is(err, sessions.ErrStoreUnavailable) {
		t.Fatalf("New on a store that is down = %v, want ErrStoreUnavailable", err)
	}
}

func TestCreateIssuesTokensAGateVerifies(t *testing.T) {
	e := newEnv(t, nil)
	is, err := e.m.Create(bg, sessions.Identity{Subject: "alice", Claims: map[string]any{"roles": []string{"admin"}, "tenant": "t1"}},
		sessions.Meta{UserAgent: "Mozilla/5.0", IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	s, err := gate(t, e.m, e.clock).Verify(is.AccessToken, core.SourceAuthorization)
	if err != nil {
		t.Fatalf("the gate refuses the access token: %v", err)
	}
	if s.Subject != "alice" || s.SessionID != is.Session.ID || s.Issuer != issuer || s.ID == "" {
		t.Errorf("session = sub %q sid %q iss %q jti %q; want alice, %s, %s and a jti", s.Subject, s.SessionID, s.Issuer, s.ID, is.Session.ID, issuer)
	}
	c := s.Claims()
	if r, _ := c["roles"].([]any); len(r) != 1 || r[0] != "admin" || c["tenant"] != "t1" {
		t.Errorf("extra claims = roles %v tenant %v, want [admin] and t1", c["roles"], c["tenant"])
	}
	if _, ok := c["cnf"]; ok {
		t.Error("an unbound session's token carries cnf")
	}
	h := header(is.AccessToken)
	if h["typ"] != "at+jwt" || h["alg"] != "ES256" || h["kid"] == "" {
		t.Errorf("header = %v, want typ at+jwt, alg ES256 and a kid", h)
	}
	if !s.ExpiresAt.Equal(t0.Add(sessions.DefaultAccessTTL).Truncate(time.Second)) || !is.AccessExpiresAt.Equal(s.ExpiresAt) {
		t.Errorf("exp %v, AccessExpiresAt %v; want both %v", s.ExpiresAt, is.AccessExpiresAt, t0.Add(sessions.DefaultAccessTTL))
	}
	info := is.Session
	if info.Subject != "alice" || info.UserAgent != "Mozilla/5.0" || info.IP != "192.0.2.1" || !info.CreatedAt.Equal(t0.Truncate(time.Microsecond)) {
		t.Errorf("Session = %+v", info)
	}
	if !strings.HasPrefix(is.RefreshToken, "sgr1."+info.ID+".1.") {
		t.Errorf("refresh token does not name session %s at generation 1", info.ID)
	}
}

func TestCreateAlwaysStartsANewSession(t *testing.T) {
	e := newEnv(t, nil)
	seen := map[string]bool{}
	for range 20 {
		is := e.create(t)
		if seen[is.Session.ID] || len(is.Session.ID) != 22 {
			t.Fatalf("session ID %q repeats or is not 128 bits of base64url", is.Session.ID)
		}
		seen[is.Session.ID] = true
	}
}

func TestCreateRefusesBadIdentities(t *testing.T) {
	e := newEnv(t, nil)
	before := e.store.writes.Load()
	for _, name := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid", "cnf"} {
		_, err := e.m.Create(bg, sessions.Identity{Subject: "alice", Claims: map[string]any{name: "x"}}, sessions.Meta{})
		if !errors.Is(err, sessions.ErrInvalidArgument) {
			t.Errorf("claim %q: Create = %v, want ErrInvalidArgument", name, err)
		}
	}
	for name, id := range map[string]sessions.Identity{
		"no subject":               {},
		"subject with a NUL":       {Subject: "al\x00ice"},
		"subject of invalid UTF-8": {Subject: "al\xffice"},
		"subject over 1024 bytes":  {Subject: strings.Repeat("a", 1025)},
		"claims over 2 KB":         {Subject: "alice", Claims: map[string]any{"big": strings.Repeat("x", 3000)}},
		"claims JSON cannot hold":  {Subject: "alice", Claims: map[string]any{"f": math.Inf(1)}},
	} {
		if _, err := e.m.Create(bg, id, sessions.Meta{}); !errors.Is(err, sessions.ErrInvalidArgument) {
			t.Errorf("%s: Create = %v, want ErrInvalidArgument", name, err)
		}
	}
	if _, err := e.m.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{KeyBinding: "not a thumbprint"}); !errors.Is(err, sessions.ErrInvalidArgument) {
		t.Errorf("malformed KeyBinding: Create = %v, want ErrInvalidArgument", err)
	}
	if n := e.store.writes.Load() - before; n != 0 {
		t.Errorf("refused creations wrote %d times to the store", n)
	}
}

func TestCreateCleansMeta(t *testing.T) {
	e := newEnv(t, nil)
	ua := "Mozilla/5.0\x00\r\n evil\xff" + strings.Repeat("é", 400)
	is, err := e.m.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{UserAgent: ua, IP: strings.Repeat("1", 100)})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	got := is.Session.UserAgent
	if len(got) > 512 || strings.ContainsAny(got, "\x00\r\n") || !strings.HasPrefix(got, "Mozilla/5.0 evil\uFFFDé") || strings.ToValidUTF8(got, "?") != got {
		t.Errorf("UserAgent kept as %q (%d bytes)", got, len(got))
	}
	if len(is.Session.IP) != 64 {
		t.Errorf("IP kept with %d bytes, want 64", len(is.Session.IP))
	}
}

// refresh presents tok and fails the test on an error.
func (e *env) refresh(t *testing.T, tok string) *sessions.Issued {
	t.Helper()
	is, err := e.m.Refresh(bg, tok, sessions.Meta{UserAgent: "refresher", IP: "192.0.2.2"})
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return is
}

func TestRefreshOutcomes(t *testing.T) {
	t.Run("the current token rotates to a new token of the next generation", func(t *testing.T) {
		e := newEnv(t, nil)
		first := e.create(t)
		e.clock.Add(time.Minute)
		next := e.refresh(t, first.RefreshToken)
		if next.RefreshToken == first.RefreshToken || !strings.HasPrefix(next.RefreshToken, "sgr1."+first.Session.ID+".2.") {
			t.Errorf("successor does not name generation 2 of the session")
		}
		if next.AccessToken == first.AccessToken || !next.Session.LastUsed.Equal(e.clock.Now().Truncate(time.Microsecond)) || next.Session.UserAgent != "refresher" {
			t.Errorf("after rotation: LastUsed %v, UserAgent %q", next.Session.LastUsed, next.Session.UserAgent)
		}
		if _, err := gate(t, e.m, e.clock).Verify(next.AccessToken, core.SourceAuthorization); err != nil {
			t.Errorf("gate refuses the renewed access token: %v", err)
		}
	})
	t.Run("the previous token within grace gets the same successor again and a fresh access token", func(t *testing.T) {
		e := newEnv(t, nil)
		first := e.create(t)
		next := e.refresh(t, first.RefreshToken)
		e.clock.Add(sessions.DefaultGrace - time.Second)
		again := e.refresh(t, first.RefreshToken)
		if again.RefreshToken != next.RefreshToken {
			t.Error("the previous token within grace got another successor")
		}
		if again.AccessToken == next.AccessToken {
			t.Error("the repeated answer reuses the access token (same jti)")
		}
		e.refresh(t, again.RefreshToken) // and the successor still rotates
	})
	t.Run("the previous token after grace is reuse: revoked, OnReuse once, ErrRefreshReused", func(t *testing.T) {
		var events []sessions.ReuseEvent
		e := newEnv(t, func(c *sessions.Config) {
			c.OnReuse = func(_ context.Context, ev sessions.ReuseEvent) { events = append(events, ev) }
		})
		first := e.create(t)
		next := e.refresh(t, first.RefreshToken)
		e.clock.Add(sessions.DefaultGrace)
		_, err := e.m.Refresh(bg, first.RefreshToken, sessions.Meta{UserAgent: "thief", IP: "203.0.113.5"})
		if !errors.Is(err, sessions.ErrRefreshReused) {
			t.Fatalf("Refresh(previous after grace) = %v, want ErrRefreshReused", err)
		}
		want := sessions.ReuseEvent{SessionID: first.Session.ID, Subject: "alice", Generation: 1, At: e.clock.Now().Truncate(time.Microsecond), UserAgent: "thief", IP: "203.0.113.5"}
		if len(events) != 1 || events[0] != want {
			t.Errorf("OnReuse got %+v, want once %+v", events, want)
		}
		if _, err := e.m.Refresh(bg, next.RefreshToken, sessions.Meta{}); !errors.Is(err, sessions.ErrSessionEnded) {
			t.Errorf("Refresh(current) after reuse = %v, want ErrSessionEnded", err)
		}
		info, err := e.m.Get(bg, first.Session.ID)
		if !errors.Is(err, sessions.ErrSessionEnded) || info.RevokeReason != sessions.ReasonReuse {
			t.Errorf("Get = %+v, %v; want revoked for reuse", info, err)
		}
		if strings.Contains(e.logs.String(), first.RefreshToken) || strings.Contains(err.Error(), first.RefreshToken) {
			t.Error("a refresh token reached a log line or an error")
		}
	})
	t.Run("an older token within grace is reuse too", func(t *testing.T) {
		e := newEnv(t, nil)
		first := e.create(t)
		next := e.refresh(t, first.RefreshToken)
		e.refresh(t, next.RefreshToken)
		if _, err := e.m.Refresh(bg, first.RefreshToken, sessions.Meta{}); !errors.Is(err, sessions.ErrRefreshReused) {
			t.Fatalf("Refresh(two generations back) = %v, want ErrRefreshReused", err)
		}
	})
	t.Run("a generation ahead of the store is refused without revocation", func(t *testing.T) {
		e := newEnv(t, nil)
		first := e.create(t)
		r, _ := e.store.Get(bg, first.Session.ID)
		if _, err := e.m.Refresh(bg, sessions.TokenFor(e.m, r, 2), sessions.Meta{}); !errors.Is(err, sessions.ErrRefreshAhead) {
			t.Fatalf("Refresh(generation 2 of a session at 1) = %v, want ErrRefreshAhead", err)
		}
		if _, err := e.m.Get(bg, first.Session.ID); err != nil {
			t.Errorf("the session ended: %v", err)
		}
		e.refresh(t, first.RefreshToken)
	})
	t.Run("a revoked session ends without a rotation attempt", func(t *testing.T) {
		e := newEnv(t, nil)
		first := e.create(t)
		if err := e.m.Revoke(bg, first.Session.ID, "logout"); err != nil {
			t.Fatal(err)
		}
		writes := e.store.writes.Load()
		if _, err := e.m.Refresh(bg, first.RefreshToken, sessions.Meta{}); !errors.Is(err, sessions.ErrSessionEnded) {
			t.Fatalf("Refresh(revoked) = %v, want ErrSessionEnded", err)
		}
		if n := e.store.writes.Load() - writes; n != 0 {
			t.Errorf("refreshing a revoked session wrote %d times", n)
		}
	})
	t.Run("a store outage wraps ErrStoreUnavailable", func(t *testing.T) {
		e := newEnv(t, nil)
		first := e.create(t)
		e.store.down.Store(true)
		for _, err := range []error{
			second(e.m.Refresh(bg, first.RefreshToken, sessions.Meta{})),
			second(e.m.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{})),
			e.m.Revoke(bg, first.Session.ID, ""),
			second(e.m.List(bg, "alice")),
			second(e.m.Get(bg, first.Session.ID)),
		} {
			if !errors.Is(err, sessions.ErrStoreUnavailable) || errors.Is(err, sessions.ErrSessionEnded) || errors.Is(err, sessions.ErrRefreshInvalid) {
				t.Errorf("with the store down: %v, want only ErrStoreUnavailable", err)
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

func TestOnReusePanicIsRecovered(t *testing.T) {
	e := newEnv(t, func(c *sessions.Config) {
		c.OnReuse = func(context.Context, sessions.ReuseEvent) { panic("alert service down") }
	})
	first := e.create(t)
	e.refresh(t, first.RefreshToken)
	e.clock.Add(time.Hour)
	if _, err := e.m.Refresh(bg, first.RefreshToken, sessions.Meta{}); !errors.Is(err, sessions.ErrRefreshReused) {
		t.Fatalf("Refresh = %v, want ErrRefreshReused", err)
	}
	if !strings.Contains(e.logs.String(), "OnReuse panicked") {
		t.Errorf("the panic was not logged: %s", e.logs)
	}
}

func TestRefreshRefusesBadTokensWithoutWriting(t *testing.T) {
	e := newEnv(t, nil)
	first := e.create(t)
	sid := first.Session.ID
	mac := first.RefreshToken[strings.LastIndexByte(first.RefreshToken, '.')+1:]
	flipped := []byte(mac)
	flipped[10] ^= 'A' ^ 'B'
	if flipped[10] == mac[10] {
		flipped[10] = 'C'
	}
	forged := "sgr1." + sid + ".1." + string(flipped)
	// A last character whose unused bits are set: the same bytes, another spelling.
	noncanon := first.RefreshToken[:len(first.RefreshToken)-1] + string(rune(first.RefreshToken[len(first.RefreshToken)-1]^1))
	other, _ := sessions.New(bg, sessions.Config{Issuer: issuer, Store: memstore.New(), Secret: [][]byte{secretB}})
	defer other.Close()
	foreign, err := other.Create(bg, sessions.Identity{Subject: "mallory"}, sessions.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	before := e.store.writes.Load()
	for name, tok := range map[string]string{
		"empty":                                    "",
		"garbage":                                  "not a token",
		"an access token":                          first.AccessToken,
		"another prefix":                           "sgr2" + first.RefreshToken[4:],
		"oversized":                                first.RefreshToken + strings.Repeat("A", 10_000),
		"a forged secret for a real session":       forged,
		"a forged secret for generation 2":         "sgr1." + sid + ".2." + mac,
		"a forged secret for generation 0":         "sgr1." + sid + ".0." + mac,
		"a generation with a leading zero":         "sgr1." + sid + ".01." + mac,
		"a signed generation":                      "sgr1." + sid + ".+1." + mac,
		"a generation past uint64":                 "sgr1." + sid + ".18446744073709551616." + mac,
		"a short session ID":                       "sgr1." + sid[1:] + ".1." + mac,
		"a session ID in standard base64":          "sgr1." + strings.Repeat("+", 22) + ".1." + mac,
		"a short secret":                           "sgr1." + sid + ".1." + mac[1:],
		"a padded secret":                          "sgr1." + sid + ".1." + mac + "=",
		"a fourth part":                            first.RefreshToken + ".x",
		"a non-canonical last character":           noncanon,
		"another manager's token (another secret)": foreign.RefreshToken,
		"an unknown session":                       "sgr1." + strings.Repeat("A", 22) + ".1." + mac,
	} {
		_, err := e.m.Refresh(bg, tok, sessions.Meta{})
		if !errors.Is(err, sessions.ErrRefreshInvalid) {
			t.Errorf("%s: Refresh = %v, want ErrRefreshInvalid", name, err)
			continue
		}
		if tok != "" && strings.Contains(err.Error(), tok) {
			t.Errorf("%s: the error quotes the token", name)
		}
	}
	if n := e.store.writes.Load() - before; n != 0 {
		t.Errorf("bad tokens caused %d store writes, want 0", n)
	}
	if _, err := e.m.Get(bg, sid); err != nil {
		t.Errorf("bad tokens ended the session: %v", err)
	}
	e.refresh(t, first.RefreshToken)
}

func TestSecretRotation(t *testing.T) {
	hourly := func(c *sessions.Config) { c.Keys.RotateEvery = time.Hour }
	e := newEnv(t, hourly) // Secret A
	first := e.create(t)
	rotated := e.start(t, func(c *sessions.Config) { hourly(c); c.Secret = [][]byte{secretB, secretA} })
	next, err := rotated.Refresh(bg, first.RefreshToken, sessions.Meta{})
	if err != nil {
		t.Fatalf("a token made under the old secret, now second: %v", err)
	}
	if _, err := gate(t, rotated, e.clock).Verify(next.AccessToken, core.SourceAuthorization); err != nil {
		t.Errorf("the keys sealed under the old secret no longer sign: %v", err)
	}
	if header(next.AccessToken)["kid"] != header(first.AccessToken)["kid"] {
		t.Error("the rotated manager signs with another key in the same slot")
	}
	onlyA := e.start(t, func(c *sessions.Config) { hourly(c); c.Secret = [][]byte{secretA} })
	if _, err := onlyA.Refresh(bg, next.RefreshToken, sessions.Meta{}); !errors.Is(err, sessions.ErrRefreshInvalid) {
		t.Errorf("the successor verifies under the old secret alone (%v): it was not made under the new one", err)
	}
	// The old secret is dropped once the keys sealed under it retired:
	// two slots on, the new secret alone renews the session.
	e.clock.Add(2 * time.Hour)
	onlyB := e.start(t, func(c *sessions.Config) { hourly(c); c.Secret = [][]byte{secretB} })
	if _, err := onlyB.Refresh(bg, next.RefreshToken, sessions.Meta{}); err != nil {
		t.Errorf("the successor does not verify under the new secret: %v", err)
	}
}

func TestIdleTimeout(t *testing.T) {
	e := newEnv(t, func(c *sessions.Config) { c.IdleTimeout, c.MaxLifetime = time.Hour, 3*time.Hour })
	is := e.create(t)
	if want := t0.Add(time.Hour).Truncate(time.Microsecond); !is.RefreshExpiresAt.Equal(want) {
		t.Errorf("RefreshExpiresAt = %v, want %v", is.RefreshExpiresAt, want)
	}
	e.clock.Add(59 * time.Minute)
	is = e.refresh(t, is.RefreshToken) // within the idle timeout: the timeout moves on
	if want := e.clock.Now().Add(time.Hour).Truncate(time.Microsecond); !is.RefreshExpiresAt.Equal(want) {
		t.Errorf("after a refresh RefreshExpiresAt = %v, want %v", is.RefreshExpiresAt, want)
	}
	e.clock.Add(time.Hour)
	if _, err := e.m.Refresh(bg, is.RefreshToken, sessions.Meta{}); !errors.Is(err, sessions.ErrSessionEnded) {
		t.Fatalf("Refresh an hour after the last use = %v, want ErrSessionEnded", err)
	}
	if l, err := e.m.List(bg, "alice"); err != nil || len(l) != 0 {
		t.Errorf("List = %v, %v; want no live session", l, err)
	}
}

func TestAbsoluteLifetime(t *testing.T) {
	e := newEnv(t, func(c *sessions.Config) { c.IdleTimeout, c.MaxLifetime = time.Hour, 150*time.Minute })
	is := e.create(t)
	end := t0.Add(150 * time.Minute).Truncate(time.Microsecond)
	for range 2 {
		e.clock.Add(50 * time.Minute)
		is = e.refresh(t, is.RefreshToken)
	}
	// 100 minutes in: the idle timeout would reach 160, the lifetime caps it at 150.
	if !is.RefreshExpiresAt.Equal(end) || !is.Session.ExpiresAt.Equal(end) {
		t.Errorf("RefreshExpiresAt = %v, want the absolute end %v", is.RefreshExpiresAt, end)
	}
	e.clock.Add(48 * time.Minute) // 148 minutes: an access token would outlive the session
	is = e.refresh(t, is.RefreshToken)
	if !is.AccessExpiresAt.Equal(end.Truncate(time.Second)) {
		t.Errorf("AccessExpiresAt = %v, want capped at the session's end %v", is.AccessExpiresAt, end)
	}
	e.clock.Add(2 * time.Minute)
	if _, err := e.m.Refresh(bg, is.RefreshToken, sessions.Meta{}); !errors.Is(err, sessions.ErrSessionEnded) {
		t.Fatalf("Refresh at the absolute end = %v, want ErrSessionEnded", err)
	}
}

func TestKeyBinding(t *testing.T) {
	const jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
	e := newEnv(t, nil)
	is, err := e.m.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{KeyBinding: jkt})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	// A bound token is genuine but passes a gate only with a DPoP proof of
	// its key: Verify, which sees no proof, refuses it as bound.
	if _, err := gate(t, e.m, e.clock).Verify(is.AccessToken, core.SourceAuthorization); !errors.Is(err, core.ErrTokenBound) {
		t.Fatalf("Verify of a bound token = %v, want ErrTokenBound", err)
	}
	s := &core.Session{Token: core.Token(is.AccessToken)}
	if cnf, _ := s.Claims()["cnf"].(map[string]any); cnf["jkt"] != jkt || !is.Session.KeyBound {
		t.Errorf("cnf = %v, KeyBound %v; want jkt %s", s.Claims()["cnf"], is.Session.KeyBound, jkt)
	}
	// Without the key, a refresh is refused (ErrKeyBinding, which is
	// ErrRefreshInvalid too) before any write, and it is not reuse: the
	// session is not revoked, so a copied token cannot log the user out.
	writes := e.store.writes.Load()
	for _, other := range []string{"", "1ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"} {
		_, err := e.m.Refresh(bg, is.RefreshToken, sessions.Meta{KeyBinding: other})
		if !errors.Is(err, sessions.ErrKeyBinding) || !errors.Is(err, sessions.ErrRefreshInvalid) {
			t.Errorf("Refresh proving %q = %v, want ErrKeyBinding and ErrRefreshInvalid", other, err)
		}
	}
	if w := e.store.writes.Load(); w != writes {
		t.Errorf("refused refreshes wrote to the store %d times", w-writes)
	}
	if info, err := e.m.Get(bg, is.Session.ID); err != nil || !info.RevokedAt.IsZero() {
		t.Fatalf("after refused refreshes: Get = %+v, %v; want a live session", info, err)
	}
	next, err := e.m.Refresh(bg, is.RefreshToken, sessions.Meta{KeyBinding: jkt})
	if err != nil {
		t.Fatalf("Refresh proving the bound key: %v", err)
	}
	if cnf, _ := (&core.Session{Token: core.Token(next.AccessToken)}).Claims()["cnf"].(map[string]any); cnf["jkt"] != jkt {
		t.Errorf("the renewed token lost cnf.jkt")
	}
	// An unbound session stays unbound: a key proved at refresh is ignored.
	free := e.create(t)
	renewed, err := e.m.Refresh(bg, free.RefreshToken, sessions.Meta{KeyBinding: jkt})
	if err != nil || renewed.Session.KeyBound {
		t.Fatalf("Refresh of an unbound session with a key = %+v, %v; want it renewed, unbound", renewed, err)
	}
	if _, ok := (&core.Session{Token: core.Token(renewed.AccessToken)}).Claims()["cnf"]; ok {
		t.Errorf("an unbound session's renewed token carries cnf")
	}
}

func TestRevokeListGet(t *testing.T) {
	e := newEnv(t, nil)
	var alice []*sessions.Issued
	for range 3 {
		alice = append(alice, e.create(t))
		e.clock.Add(time.Second)
	}
	bob, err := e.m.Create(bg, sessions.Identity{Subject: "bob"}, sessions.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.m.List(bg, "alice")
	if err != nil || len(l) != 3 || l[0].ID != alice[2].Session.ID || l[2].ID != alice[0].Session.ID {
		t.Fatalf("List = %+v, %v; want alice's 3 sessions, newest first", l, err)
	}
	if l[0].UserAgent != "test agent" || l[0].IP != "192.0.2.1" || l[0].ExpiresAt.IsZero() {
		t.Errorf("List entry = %+v", l[0])
	}
	n, err := e.m.RevokeUser(bg, "alice", alice[0].Session.ID, "elsewhere")
	if err != nil || n != 2 {
		t.Fatalf("RevokeUser = %d, %v; want 2", n, err)
	}
	if l, _ := e.m.List(bg, "alice"); len(l) != 1 || l[0].ID != alice[0].Session.ID {
		t.Errorf("after RevokeUser List = %+v, want only the kept session", l)
	}
	info, err := e.m.Get(bg, alice[1].Session.ID)
	if !errors.Is(err, sessions.ErrSessionEnded) || info.ID != alice[1].Session.ID || info.RevokeReason != "elsewhere" || info.RevokedAt.IsZero() {
		t.Errorf("Get(revoked) = %+v, %v; want its info and ErrSessionEnded", info, err)
	}
	if info, err := e.m.Get(bg, alice[0].Session.ID); err != nil || info.Subject != "alice" {
		t.Errorf("Get(live) = %+v, %v", info, err)
	}
	if _, err := e.m.Get(bg, "no-such-session"); !errors.Is(err, sessions.ErrSessionEnded) || !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrSessionEnded and ErrNotFound", err)
	}
	if err := e.m.Revoke(bg, alice[0].Session.ID, ""); err != nil {
		t.Fatal(err)
	}
	if info, _ := e.m.Get(bg, alice[0].Session.ID); info.RevokeReason != "revoked" {
		t.Errorf("default reason = %q, want revoked", info.RevokeReason)
	}
	if err := e.m.Revoke(bg, alice[0].Session.ID, "again"); err != nil {
		t.Errorf("revoking twice: %v, want no error", err)
	}
	if n, err := e.m.RevokeAll(bg, "incident"); err != nil || n != 1 {
		t.Errorf("RevokeAll = %d, %v; want bob's 1", n, err)
	}
	if _, err := e.m.Refresh(bg, bob.RefreshToken, sessions.Meta{}); !errors.Is(err, sessions.ErrSessionEnded) {
		t.Errorf("bob's refresh after RevokeAll = %v", err)
	}
	if err := e.m.Revoke(bg, "", ""); !errors.Is(err, sessions.ErrInvalidArgument) {
		t.Errorf("Revoke(\"\") = %v, want ErrInvalidArgument", err)
	}
	if _, err := e.m.RevokeUser(bg, "", "", ""); !errors.Is(err, sessions.ErrInvalidArgument) {
		t.Errorf("RevokeUser(\"\") = %v, want ErrInvalidArgument", err)
	}
}

// TestRefreshRefusesAnEditedSession: someone who can write to the store but
// does not hold the secret edits their own session to grant more (another
// subject, other claims, no key binding, a later end). The refresh token no
// longer verifies, so no access token is made from the edited row.
func TestRefreshRefusesAnEditedSession(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*sessions.Record)
	}{
		{"subject", func(r *sessions.Record) { r.Subject = "admin" }},
		{"claims", func(r *sessions.Record) { r.Claims = []byte(`{"role":"admin"}`) }},
		{"key binding", func(r *sessions.Record) { r.KeyBinding = "" }},
		{"absolute expiry", func(r *sessions.Record) { r.ExpiresAt = r.ExpiresAt.Add(365 * 24 * time.Hour) }},
		{"creation", func(r *sessions.Record) { r.CreatedAt = r.CreatedAt.Add(time.Hour) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			is, err := e.m.Create(bg, sessions.Identity{Subject: "alice", Claims: map[string]any{"role": "user"}},
				sessions.Meta{KeyBinding: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"})
			if err != nil {
				t.Fatal(err)
			}
			e.store.edit = tc.edit
			writes := e.store.writes.Load()
			_, err = e.m.Refresh(bg, is.RefreshToken, sessions.Meta{KeyBinding: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"})
			if !errors.Is(err, sessions.ErrRefreshInvalid) {
				t.Fatalf("refresh of an edited session: %v, want ErrRefreshInvalid", err)
			}
			if e.store.writes.Load() != writes {
				t.Fatal("the edited session was rotated")
			}
			e.store.edit = nil
			if _, err := e.m.Refresh(bg, is.RefreshToken, sessions.Meta{KeyBinding: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"}); err != nil {
				t.Fatalf("the unedited session no longer refreshes: %v", err)
			}
		})
	}
}

package sessions_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
)

// kids lists the kids of a JWK set.
func kids(t *testing.T, jwks []byte) map[string]bool {
	t.Helper()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			D   string `json:"d"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("JWKS does not parse: %v", err)
	}
	out := map[string]bool{}
	for _, k := range set.Keys {
		if k.D != "" {
			t.Fatal("the JWKS holds a private key")
		}
		out[k.Kid] = true
	}
	return out
}

func TestKeysRotateOverSeveralSlots(t *testing.T) {
	const every, prepublish, ttl = time.Hour, 10 * time.Minute, 5 * time.Minute
	e := newEnv(t, func(c *sessions.Config) {
		c.AccessTTL, c.Keys.RotateEvery, c.Keys.Prepublish = ttl, every, prepublish
	})
	if got := sessions.KeyInterval(e.m); got != time.Minute {
		t.Errorf("key refresh interval = %v, want 1m", got)
	}
	g := gate(t, e.m, e.clock)
	type minted struct {
		tok, kid string
		exp      time.Time
	}
	var live []minted
	firstSeen, firstSigned := map[string]time.Time{}, map[string]time.Time{}
	start := e.clock.Now()
	lastVersion, lastSet := e.m.JWKS()
	for kid := range kids(t, lastSet) {
		firstSeen[kid] = start
	}
	for step := 0; step < 6*60; step++ {
		e.clock.Add(time.Minute)
		now := e.clock.Now()
		if err := sessions.RefreshKeys(bg, e.m); err != nil { // as the background goroutine does
			t.Fatalf("%v: RefreshKeys: %v", now, err)
		}
		version, set := e.m.JWKS()
		if (version != lastVersion) != !bytes.Equal(set, lastSet) {
			t.Fatalf("%v: version %d -> %d while the set changed: %v", now, lastVersion, version, !bytes.Equal(set, lastSet))
		}
		lastVersion, lastSet = version, set
		published := kids(t, set)
		for kid := range published {
			if _, ok := firstSeen[kid]; !ok {
				firstSeen[kid] = now
			}
		}
		is := e.create(t)
		kid := header(is.AccessToken)["kid"].(string)
		if !published[kid] {
			t.Fatalf("%v: signed with %s, which is not in the JWKS", now, kid)
		}
		if _, ok := firstSigned[kid]; !ok {
			firstSigned[kid] = now
		}
		live = append(live, minted{is.AccessToken, kid, is.AccessExpiresAt})
		kept := live[:0]
		for _, m := range live {
			if !now.Before(m.exp) {
				continue
			}
			kept = append(kept, m)
			if !published[m.kid] {
				t.Fatalf("%v: key %s left the JWKS while its token lives until %v", now, m.kid, m.exp)
			}
			if _, err := g.Verify(m.tok, core.SourceAuthorization); err != nil {
				t.Fatalf("%v: the gate refuses a live token of key %s: %v", now, m.kid, err)
			}
		}
		live = kept
		if len(published) > 3 {
			t.Errorf("%v: %d keys published, want at most 3 (retiring, signing, next)", now, len(published))
		}
	}
	if len(firstSigned) < 6 {
		t.Errorf("%d keys signed over 6 hours, want a new one every hour", len(firstSigned))
	}
	for kid, signed := range firstSigned {
		if seen := firstSeen[kid]; signed.Sub(seen) < prepublish && seen.After(start) {
			t.Errorf("key %s was published at %v and signed at %v: less than %v before", kid, seen, signed, prepublish)
		}
	}
	if ks, _ := e.store.Keys(bg); len(ks) > 3 {
		t.Errorf("the store still holds %d keys: retired keys are not deleted", len(ks))
	}
}

func TestKeysEdDSA(t *testing.T) {
	e := newEnv(t, func(c *sessions.Config) { c.Keys.Alg = "EdDSA" })
	is := e.create(t)
	if alg := header(is.AccessToken)["alg"]; alg != "EdDSA" {
		t.Errorf("alg = %v, want EdDSA", alg)
	}
	if _, err := gate(t, e.m, e.clock).Verify(is.AccessToken, core.SourceAuthorization); err != nil {
		t.Errorf("the gate refuses an EdDSA token: %v", err)
	}
}

func TestSealedKeys(t *testing.T) {
	e := newEnv(t, nil)
	der := sessions.SignerDER(e.m, e.clock.Now())
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	scalar := priv.(*ecdsa.PrivateKey).D.Bytes()
	ks, _ := e.store.Keys(bg)
	if len(ks) != 2 {
		t.Fatalf("the store holds %d keys, want the current and the next slot's", len(ks))
	}
	for _, k := range ks {
		if bytes.Contains(k.Sealed, der) || bytes.Contains(k.Sealed, scalar) || bytes.Contains(k.Sealed, []byte("BEGIN")) {
			t.Errorf("slot %d: the private key is in the store in the clear", k.Slot)
		}
		if _, err := x509.ParsePKCS8PrivateKey(k.Sealed); err == nil {
			t.Errorf("slot %d: Sealed parses as a private key", k.Slot)
		}
	}
	_, want := e.m.JWKS()

	t.Run("another secret cannot unseal them: skipped, logged without key material, no signing", func(t *testing.T) {
		other := e.start(t, func(c *sessions.Config) { c.Secret = [][]byte{secretB} })
		_, err := other.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{})
		if !errors.Is(err, sessions.ErrStoreUnavailable) {
			t.Errorf("Create with keys it cannot unseal = %v, want ErrStoreUnavailable", err)
		}
		log := e.logs.String()
		if !strings.Contains(log, "skipping a signing key") {
			t.Errorf("the unusable key was not logged: %s", log)
		}
		for _, k := range ks {
			if strings.Contains(log, string(k.Sealed)) {
				t.Error("the log holds sealed key bytes")
			}
		}
		if _, set := other.JWKS(); len(kids(t, set)) != 0 {
			t.Errorf("a manager that cannot unseal a key publishes it: %s", set)
		}
	})
	t.Run("a record whose times were stretched is refused", func(t *testing.T) {
		e.store.keys = func(ks []sessions.KeyRecord) []sessions.KeyRecord {
			for i := range ks {
				ks[i].RetireAt = ks[i].RetireAt.Add(24 * time.Hour)
			}
			return ks
		}
		defer func() { e.store.keys = nil }()
		tampered := e.start(t, nil)
		if _, err := tampered.Create(bg, sessions.Identity{Subject: "alice"}, sessions.Meta{}); !errors.Is(err, sessions.ErrStoreUnavailable) {
			t.Errorf("Create with altered key records = %v, want ErrStoreUnavailable", err)
		}
	})
	t.Run("a swapped public key is not published: the JWK comes from the private key", func(t *testing.T) {
		e.store.keys = func(ks []sessions.KeyRecord) []sessions.KeyRecord {
			for i := range ks {
				ks[i].Public = []byte(`{"kty":"EC","crv":"P-256","kid":"attacker","x":"AAAA","y":"AAAA"}`)
			}
			return ks
		}
		defer func() { e.store.keys = nil }()
		fresh := e.start(t, nil)
		if _, got := fresh.JWKS(); !bytes.Equal(got, want) {
			t.Errorf("JWKS = %s, want %s", got, want)
		}
	})
}

func TestKeysSurviveAStoreOutage(t *testing.T) {
	e := newEnv(t, nil)
	v, set := e.m.JWKS()
	e.store.down.Store(true)
	if err := sessions.RefreshKeys(bg, e.m); !errors.Is(err, sessions.ErrStoreUnavailable) {
		t.Errorf("RefreshKeys with the store down = %v", err)
	}
	if v2, set2 := e.m.JWKS(); v2 != v || !bytes.Equal(set, set2) {
		t.Error("a failed key refresh changed the JWKS")
	}
}

func TestJWKSHandler(t *testing.T) {
	e := newEnv(t, func(c *sessions.Config) { c.Keys.RotateEvery, c.Keys.Prepublish = time.Hour, 10*time.Minute })
	h := e.m.JWKSHandler()
	get := func(method string) *http.Response {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, "/jwks", nil))
		return w.Result()
	}
	// 05:06:07.89: the next key joins at 05:50, in 43m52.1s.
	res := get(http.MethodGet)
	body, _ := io.ReadAll(res.Body)
	_, want := e.m.JWKS()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/jwk-set+json" || !bytes.Equal(body, want) {
		t.Errorf("GET = %d %q %s, want 200 application/jwk-set+json %s", res.StatusCode, res.Header.Get("Content-Type"), body, want)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=2632" {
		t.Errorf("Cache-Control = %q, want max-age up to the next publication (2632 s)", cc)
	}
	e.clock.Add(50 * time.Minute) // 05:56:07.89: the 06:00 key is out; the next joins at 06:50
	if cc := get(http.MethodGet).Header.Get("Cache-Control"); cc != "public, max-age=3232" {
		t.Errorf("Cache-Control = %q after the prepublication, want 3232 s", cc)
	}
	res = get(http.MethodHead)
	if body, _ := io.ReadAll(res.Body); res.StatusCode != 200 || len(body) != 0 {
		t.Errorf("HEAD = %d with %d bytes, want 200 and no body", res.StatusCode, len(body))
	}
	res = get(http.MethodPost)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d, Allow %q; want 405 with Allow: GET, HEAD", res.StatusCode, res.Header.Get("Allow"))
	}
}

// opaque hides a key's concrete type, as a KMS or HSM signer does.
type opaque struct{ s crypto.Signer }

func (o opaque) Public() crypto.PublicKey { return o.s.Public() }
func (o opaque) Sign(r io.Reader, d []byte, opts crypto.SignerOpts) ([]byte, error) {
	return o.s.Sign(r, d, opts)
}

func TestCallerHeldSigner(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, c := range []struct {
		name, alg string
		key       crypto.Signer
	}{
		{"P-256 in memory", "ES256", ec}, {"P-256 behind crypto.Signer", "ES256", opaque{ec}},
		{"Ed25519 behind crypto.Signer", "EdDSA", opaque{ed}}, {"RSA behind crypto.Signer", "RS256", opaque{rs}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *sessions.Config) { cfg.Keys.Signer = c.key })
			is := e.create(t)
			h := header(is.AccessToken)
			if h["alg"] != c.alg {
				t.Errorf("alg = %v, want %s", h["alg"], c.alg)
			}
			_, set := e.m.JWKS()
			if k := kids(t, set); len(k) != 1 || !k[h["kid"].(string)] {
				t.Errorf("JWKS kids %v, want exactly the token's %v", k, h["kid"])
			}
			if _, err := gate(t, e.m, e.clock).Verify(is.AccessToken, core.SourceAuthorization); err != nil {
				t.Errorf("the gate refuses the token: %v", err)
			}
			w := httptest.NewRecorder()
			e.m.JWKSHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/jwks", nil))
			if cc := w.Result().Header.Get("Cache-Control"); cc != "public, max-age=600" {
				t.Errorf("Cache-Control = %q, want public, max-age=600", cc)
			}
			if ks, _ := e.store.Keys(bg); len(ks) != 0 {
				t.Errorf("a caller-held key put %d keys in the store", len(ks))
			}
			e.clock.Add(30 * 24 * time.Hour)
			if is2, err := e.m.Create(bg, sessions.Identity{Subject: "bob"}, sessions.Meta{}); err != nil || header(is2.AccessToken)["kid"] != h["kid"] {
				t.Errorf("a month later: %v, or the kid changed", err)
			}
		})
	}
}

func TestCloseStopsTheKeyGoroutine(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	m, err := sessions.New(bg, sessions.Config{Issuer: issuer, Store: newStore(), Secret: [][]byte{secretA}})
	if err != nil {
		t.Fatal(err)
	}
	if goleak.Find(opt) == nil {
		t.Error("New started no goroutine (the key rotation)")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := goleak.Find(opt); err != nil {
		t.Errorf("after Close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

func TestTheKeyGoroutineRefreshesEveryInterval(t *testing.T) {
	s := newStore()
	m, err := sessions.New(bg, sessions.Config{
		Issuer: issuer, Store: s, Secret: [][]byte{secretA},
		Keys: sessions.KeyPolicy{RotateEvery: time.Minute, Prepublish: 4 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := sessions.KeyInterval(m); got != time.Second {
		t.Fatalf("KeyInterval = %v, want 1s (Prepublish/4)", got)
	}
	after := s.reads.Load() // New's own read
	deadline := time.Now().Add(5 * time.Second)
	for s.reads.Load() < after+2 {
		if time.Now().After(deadline) {
			t.Fatalf("the key goroutine read the store %d times in 5s, want at least 2", s.reads.Load()-after)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

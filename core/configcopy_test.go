package core

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// Each row configures a gate, changes the slice the caller passed to New the
// way a caller might (wiping a secret, reusing a slice), and shows that the
// running gate still decides as configured.
func TestConfigCallerSlicesChangedAfterNew(t *testing.T) {
	k := testKeys()
	pemA := pemOf(k.ec256)
	es := func(t *testing.T, mods ...func(c map[string]any)) string {
		c := claimsFor(issA)
		for _, m := range mods {
			m(c)
		}
		return sign(t, "ES256", "", k.ec256, c, nil)
	}
	aud := func(a string) func(map[string]any) { return func(c map[string]any) { c["aud"] = a } }
	cookie := func(name, tok string) Request {
		r := httptest.NewRequest(http.MethodGet, "https://api.a.example/me", nil)
		r.Header.Set("Cookie", name+"="+tok)
		return HTTPRequest(r)
	}
	crossSitePost := func(origin, tok string) Request {
		r := httptest.NewRequest(http.MethodPost, "https://api.a.example/me", nil)
		r.Header.Set("Cookie", "sid="+tok)
		r.Header.Set("Origin", origin)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		return HTTPRequest(r)
	}
	type probe struct {
		what string
		req  func(t *testing.T) Request
		want error
	}
	rows := []struct {
		name   string
		cfg    func() Config
		mutate func(c *Config)
		probes []probe
	}{
		{
			name: "HMACSecret cleared by the caller after New: all-zero-key forgery refused, original secret still verifies",
			cfg: func() Config {
				return Config{Issuers: []Issuer{{Name: issH, HMACSecret: bytes.Clone(testSecret)}}, Algorithms: []string{"HS256"}}
			},
			mutate: func(c *Config) { clear(c.Issuers[0].HMACSecret) },
			probes: []probe{
				{"token signed with an all-zero key of the secret's length", func(t *testing.T) Request {
					return bearerRequest(sign(t, "HS256", "", make([]byte, len(testSecret)), claimsFor(issH), nil))
				}, ErrSignature},
				{"token signed with the original secret", func(t *testing.T) Request {
					return bearerRequest(sign(t, "HS256", "", testSecret, claimsFor(issH), nil))
				}, nil},
			},
		},
		{
			name: "Audiences element overwritten by the caller after New: the configured audience still decides",
			cfg: func() Config {
				return Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemA}}, Audiences: []string{"api"}}
			},
			mutate: func(c *Config) { c.Audiences[0] = "evil" },
			probes: []probe{
				{"aud naming the overwritten value", func(t *testing.T) Request { return bearerRequest(es(t, aud("evil"))) }, ErrAudience},
				{"aud naming the configured audience", func(t *testing.T) Request { return bearerRequest(es(t, aud("api"))) }, nil},
			},
		},
		{
			name: "CookieNames element overwritten by the caller after New: the configured name is still read",
			cfg: func() Config {
				return Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemA}}, CookieNames: []string{"sid"}}
			},
			mutate: func(c *Config) { c.CookieNames[0] = "other" },
			probes: []probe{
				{"cookie under the overwritten name", func(t *testing.T) Request { return cookie("other", es(t)) }, ErrNoToken},
				{"cookie under the configured name", func(t *testing.T) Request { return cookie("sid", es(t)) }, nil},
			},
		},
		{
			name: "Algorithms element overwritten by the caller after New: the configured allow-list still decides",
			cfg: func() Config {
				return Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemA}}, Algorithms: []string{"ES256"}}
			},
			mutate: func(c *Config) { c.Algorithms[0] = "RS256" },
			probes: []probe{
				{"ES256 token", func(t *testing.T) Request { return bearerRequest(es(t)) }, nil},
			},
		},
		{
			name:   "Issuers element overwritten by the caller after New: the configured issuer and keys still decide",
			cfg:    func() Config { return Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemA}}} },
			mutate: func(c *Config) { c.Issuers[0] = Issuer{Name: "https://evil.example", PublicKeyPEM: pemOf(k.attacker)} },
			probes: []probe{
				{"token of the configured issuer", func(t *testing.T) Request { return bearerRequest(es(t)) }, nil},
				{"token of the overwritten issuer", func(t *testing.T) Request {
					return bearerRequest(sign(t, "ES256", "", k.attacker, claimsFor("https://evil.example"), nil))
				}, ErrIssuer},
			},
		},
		{
			name: "WebsiteOrigins element overwritten by the caller after New: the configured origin is still the trusted one",
			cfg: func() Config {
				return Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemA}}, CookieNames: []string{"sid"},
					CookieDomain: "a.example", WebsiteOrigins: []string{"https://www.a.example"}, APIDomains: []string{"api.a.example"}}
			},
			mutate: func(c *Config) { c.WebsiteOrigins[0], c.APIDomains[0] = "https://evil.a.example", "evil.a.example" },
			probes: []probe{
				{"cross-site POST from the configured origin", func(t *testing.T) Request { return crossSitePost("https://www.a.example", es(t)) }, nil},
				{"cross-site POST from the overwritten origin", func(t *testing.T) Request { return crossSitePost("https://evil.a.example", es(t)) }, ErrCrossSite},
			},
		},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			cfg := row.cfg()
			g := newGate(t, cfg)
			row.mutate(&cfg)
			for _, p := range row.probes {
				d := g.Check(p.req(t), CheckOptions{})
				checkResult(t, p.what, d.Session, d.Err, "", p.want)
			}
		})
	}
}

// sharedOnPurpose are the pointer types Config may hold that New keeps as
// given: a client, a logger and a revocation list are meant to be shared,
// not copied (a deny-list is live state fed from a store; a replay cache is
// shared by design, between instances even). Funcs cannot be
// changed through, so they are shared too.
var sharedOnPurpose = map[reflect.Type]bool{
	reflect.TypeFor[*http.Client](): true,
	reflect.TypeFor[*slog.Logger](): true,
	reflect.TypeFor[Revocations]():  true,
	reflect.TypeFor[ReplayCache]():  true,
}

// fillReferences gives every slice and map reachable from v one element, so
// a copy that forgets one shows up as shared memory, and reports any other
// reference type a future field might add.
func fillReferences(t *testing.T, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fillReferences(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillReferences(t, v.Index(0), path+"[0]")
	case reflect.Map:
		v.Set(reflect.MakeMapWithSize(v.Type(), 1))
		key, val := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillReferences(t, val, path+"[key]")
		v.SetMapIndex(key, val)
	case reflect.String:
		v.SetString("x")
	case reflect.Pointer, reflect.Interface, reflect.Chan, reflect.UnsafePointer:
		if !sharedOnPurpose[v.Type()] {
			t.Errorf("%s is a %s: copy what it points to in Config.clone, or add its type to sharedOnPurpose", path, v.Type())
		}
	}
}

// sharedReferences lists the slices and maps of b that use a's memory.
func sharedReferences(a, b reflect.Value, path string) []string {
	var out []string
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			out = append(out, sharedReferences(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)...)
		}
	case reflect.Slice:
		if a.Len() > 0 && b.Len() > 0 && a.Pointer() == b.Pointer() {
			out = append(out, path)
		}
		for i := range min(a.Len(), b.Len()) {
			out = append(out, sharedReferences(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Map:
		if a.Len() > 0 && a.UnsafePointer() == b.UnsafePointer() {
			out = append(out, path)
		}
		for _, k := range a.MapKeys() {
			if bv := b.MapIndex(k); bv.IsValid() {
				out = append(out, sharedReferences(a.MapIndex(k), bv, path+"[key]")...)
			}
		}
	}
	return out
}

// Structural: every slice and map of Config, including ones added later, is
// copied by Config.clone, which New applies before anything else.
func TestConfigCloneSharesNoSliceOrMap(t *testing.T) {
	var cfg Config
	fillReferences(t, reflect.ValueOf(&cfg).Elem(), "Config")
	c := cfg.clone()
	if shared := sharedReferences(reflect.ValueOf(cfg), reflect.ValueOf(c), "Config"); len(shared) > 0 {
		t.Errorf("Config.clone shares the caller's memory for %v", shared)
	}
	if !reflect.DeepEqual(cfg, c) {
		t.Errorf("Config.clone changed a value:\n%+v\n%+v", cfg, c)
	}
}

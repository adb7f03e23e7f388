package core

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestPresetsCorbadoIssuers(t *testing.T) {
	const (
		old   = "https://pro-123.frontendapi.corbado.io"
		cloud = "https://pro-123.frontendapi.cloud.corbado.io"
	)
	cases := []struct {
		name string
		in   string
		want []Issuer
	}{
		{"the older Frontend API host also accepts the cloud host, both bound to the given host's keys", old,
			[]Issuer{{Name: old, JWKSURL: old + "/.well-known/jwks"}, {Name: cloud, JWKSURL: old + "/.well-known/jwks"}}},
		{"the cloud Frontend API host also accepts the older host, both bound to the given host's keys", cloud,
			[]Issuer{{Name: cloud, JWKSURL: cloud + "/.well-known/jwks"}, {Name: old, JWKSURL: cloud + "/.well-known/jwks"}}},
		{"a trailing slash is dropped", cloud + "/",
			[]Issuer{{Name: cloud, JWKSURL: cloud + "/.well-known/jwks"}, {Name: old, JWKSURL: cloud + "/.well-known/jwks"}}},
		{"an upper-case host is lowered, as Corbado writes iss", "https://PRO-123.FrontendAPI.Corbado.io",
			[]Issuer{{Name: old, JWKSURL: old + "/.well-known/jwks"}, {Name: cloud, JWKSURL: old + "/.well-known/jwks"}}},
		{"a custom domain (CNAME) is the only issuer", "https://auth.example.com",
			[]Issuer{{Name: "https://auth.example.com", JWKSURL: "https://auth.example.com/.well-known/jwks"}}},
		{"a host that only ends like a Frontend API host is not a project", "https://a.b.frontendapi.corbado.io",
			[]Issuer{{Name: "https://a.b.frontendapi.corbado.io", JWKSURL: "https://a.b.frontendapi.corbado.io/.well-known/jwks"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := CorbadoConfig(tc.in)
			if !reflect.DeepEqual(cfg.Issuers, tc.want) {
				t.Errorf("Issuers:\n got %+v\nwant %+v", cfg.Issuers, tc.want)
			}
			if want := []string{"cbo_session_token", "cbo_short_session"}; !reflect.DeepEqual(cfg.CookieNames, want) {
				t.Errorf("CookieNames = %q, want %q", cfg.CookieNames, want)
			}
		})
	}
}

// keysTransport answers every request with body and counts the URLs asked
// for, so a preset's real https URLs can be fetched without a network.
type keysTransport struct {
	body string
	mu   sync.Mutex
	hits map[string]int
}

func (k *keysTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	k.mu.Lock()
	k.hits[r.URL.String()]++
	k.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(k.body)), Request: r}, nil
}

// TestPresetsCorbadoGate builds a gate from the Corbado preset and checks that
// tokens of either Frontend API host verify with the project's keys, fetched
// from the host the preset was given, and that no other host is accepted.
func TestPresetsCorbadoGate(t *testing.T) {
	k := testKeys()
	tr := &keysTransport{body: jwkSet(jwkOf(k.ec256, "ec-1", "ES256", "sig")), hits: map[string]int{}}
	cfg := CorbadoConfig("https://pro-123.frontendapi.cloud.corbado.io")
	cfg.JWKS.HTTPClient = &http.Client{Transport: tr}
	g := newGate(t, cfg)
	rows := []struct {
		name string
		iss  string
		want error
	}{
		{"a token of the cloud host verifies", "https://pro-123.frontendapi.cloud.corbado.io", nil},
		{"a token of the older host verifies", "https://pro-123.frontendapi.corbado.io", nil},
		{"a token of another project is refused", "https://pro-999.frontendapi.cloud.corbado.io", ErrIssuer},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tok := sign(t, "ES256", "ec-1", k.ec256, claimsFor(row.iss), nil)
			s, err := g.Verify(tok, SourceCookie)
			switch {
			case row.want == nil && (err != nil || s.Issuer != row.iss):
				t.Fatalf("Verify: %v; want the session of issuer %q", err, row.iss)
			case row.want != nil && !errors.Is(err, row.want):
				t.Fatalf("Verify: %v; want %v", err, row.want)
			}
		})
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	want := map[string]int{"https://pro-123.frontendapi.cloud.corbado.io/.well-known/jwks": 2}
	if !reflect.DeepEqual(tr.hits, want) {
		t.Errorf("fetched %v; want the given host's JWKS once per issuer name, nothing else", tr.hits)
	}
}

func TestPresetsSuperTokensIssuer(t *testing.T) {
	cases := []struct {
		name            string
		apiDomain, base string
		wantIssuer      string
	}{
		{"apiDomain with scheme and /auth are joined", "https://api.example.com", "/auth", "https://api.example.com/auth"},
		{"an empty apiBasePath is the SDKs' default /auth", "https://api.example.com", "", "https://api.example.com/auth"},
		{"apiBasePath / is the root", "https://api.example.com", "/", "https://api.example.com"},
		{"a leading slash is added to apiBasePath", "https://api.example.com", "auth", "https://api.example.com/auth"},
		{"a trailing slash of apiBasePath is removed", "https://api.example.com", "/auth/", "https://api.example.com/auth"},
		{"apiBasePath is lowered", "https://api.example.com", "/Auth", "https://api.example.com/auth"},
		{"a nested apiBasePath is kept", "https://api.example.com", "/api/v1/auth", "https://api.example.com/api/v1/auth"},
		{"apiDomain without a scheme gets https://", "api.example.com", "/auth", "https://api.example.com/auth"},
		{"apiDomain is lowered", "HTTPS://API.Example.COM", "/auth", "https://api.example.com/auth"},
		{"a trailing slash of apiDomain is dropped", "https://api.example.com/", "/auth", "https://api.example.com/auth"},
		{"a path on apiDomain is dropped", "https://api.example.com/app", "/auth", "https://api.example.com/auth"},
		{"a leading dot of apiDomain is dropped", ".api.example.com", "/auth", "https://api.example.com/auth"},
		{"a port of apiDomain is kept", "https://api.example.com:8443", "/auth", "https://api.example.com:8443/auth"},
		{"the default port of apiDomain's scheme is dropped", "https://api.example.com:443", "/auth", "https://api.example.com/auth"},
		{"localhost without a scheme gets http://", "localhost:3001", "/auth", "http://localhost:3001/auth"},
		{"an IPv4 address without a scheme gets http://", "127.0.0.1:3001", "/auth", "http://127.0.0.1:3001/auth"},
		{"an explicit http:// scheme is kept", "http://api.example.com", "/auth", "http://api.example.com/auth"},
		{"white space around both is trimmed", " https://api.example.com ", " /auth ", "https://api.example.com/auth"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := SuperTokensConfig(tc.apiDomain, tc.base)
			want := []Issuer{{Name: tc.wantIssuer, JWKSURL: tc.wantIssuer + "/jwt/jwks.json"}}
			if !reflect.DeepEqual(cfg.Issuers, want) {
				t.Errorf("Issuers:\n got %+v\nwant %+v", cfg.Issuers, want)
			}
			if !reflect.DeepEqual(cfg.CookieNames, []string{"sAccessToken"}) {
				t.Errorf("CookieNames = %q, want sAccessToken", cfg.CookieNames)
			}
		})
	}
}

package core

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// Secrets used by the config tests; they must never show up in an error.
const (
	secretMarker = "TOP-SECRET"
	longSecret   = secretMarker + "-hmac-0123456789abcdefghij" // 36 bytes
	shortSecret  = secretMarker + "-short-hmac-key"            // 26 bytes
	configIssuer = "https://issuer.example.com"
)

type configKeys struct {
	priv    *ecdsa.PrivateKey
	pubPEM  string
	privPEM string
	jwks    []byte
}

func newConfigKeys(t *testing.T) configKeys {
	t.Helper()
	priv := testKeys().ec256
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	privDER, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &priv.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return configKeys{
		priv:    priv,
		pubPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		privPEM: string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: privDER})),
		jwks:    jwks,
	}
}

// mint signs an ES256 token for iss with kid k1.
func (k configKeys) mint(t *testing.T, iss string, extra jwt.MapClaims) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{"iss": iss, "sub": "user-1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range extra {
		claims[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConfigRefusesBadValues(t *testing.T) {
	keys := newConfigKeys(t)
	base := func() Config {
		return Config{
			Issuers: []Issuer{{Name: configIssuer, PublicKeyPEM: keys.pubPEM}},
			Logger:  quietLogger,
		}
	}
	hmacIssuer := func(secret string) []Issuer {
		return []Issuer{{Name: configIssuer, HMACSecret: []byte(secret)}}
	}
	cases := []struct {
		name      string
		mutate    func(c *Config)
		wantField string
		wantValue string // the bad value the message must name; "" when there is none to name
		mentions  string // another text the message must contain; optional
	}{
		// Issuers and keys
		{"no issuers", func(c *Config) { c.Issuers = nil }, "Issuers", "", ""},
		{"issuer without a name", func(c *Config) { c.Issuers[0].Name = "" }, "Issuers[0].Name", "", ""},
		{"issuer without keys", func(c *Config) { c.Issuers = []Issuer{{Name: "https://nokeys.example.com"}} }, "Issuers[0]", "https://nokeys.example.com", ""},
		{"duplicate issuer name", func(c *Config) { c.Issuers = append(c.Issuers, Issuer{Name: configIssuer, PublicKeyPEM: keys.pubPEM}) }, "Issuers[1].Name", configIssuer, ""},
		{"HMACSecret shorter than 32 bytes", func(c *Config) {
			c.Issuers = hmacIssuer(shortSecret)
			c.Algorithms = []string{"HS256"}
		}, "Issuers[0].HMACSecret", "", "32"},
		{"HMACSecret of 31 bytes", func(c *Config) {
			c.Issuers = hmacIssuer(longSecret[:31])
			c.Algorithms = []string{"HS256"}
		}, "Issuers[0].HMACSecret", "", "32"},
		{"HMACSecret without an HS algorithm in Algorithms (defaults)", func(c *Config) { c.Issuers = hmacIssuer(longSecret) }, "Algorithms", "RS256,ES256,EdDSA", "HMACSecret"},
		{"HMACSecret without an HS algorithm in explicit Algorithms", func(c *Config) {
			c.Issuers = hmacIssuer(longSecret)
			c.Algorithms = []string{"ES256"}
		}, "Algorithms", "ES256", "HMACSecret"},
		{"HMACSecret mixed with JWKSURL", func(c *Config) {
			c.Issuers = []Issuer{{Name: configIssuer, HMACSecret: []byte(longSecret), JWKSURL: "https://issuer.example.com/jwks"}}
			c.Algorithms = []string{"HS256", "ES256"}
		}, "Issuers[0].HMACSecret", "", ""},
		{"HMACSecret mixed with PublicKeyPEM", func(c *Config) {
			c.Issuers[0].HMACSecret = []byte(longSecret)
			c.Algorithms = []string{"HS256", "ES256"}
		}, "Issuers[0].HMACSecret", "", ""},
		{"HMACSecret mixed with Discovery", func(c *Config) {
			c.Issuers = []Issuer{{Name: configIssuer, HMACSecret: []byte(longSecret), Discovery: true}}
			c.Algorithms = []string{"HS256"}
		}, "Issuers[0].HMACSecret", "", ""},
		{"JWKSURL with ftp scheme", func(c *Config) { c.Issuers[0].JWKSURL = "ftp://issuer.example.com/jwks" }, "Issuers[0].JWKSURL", "ftp://issuer.example.com/jwks", ""},
		{"JWKSURL relative", func(c *Config) { c.Issuers[0].JWKSURL = "/.well-known/jwks" }, "Issuers[0].JWKSURL", "/.well-known/jwks", ""},
		{"JWKSURL without host", func(c *Config) { c.Issuers[0].JWKSURL = "https://" }, "Issuers[0].JWKSURL", "https://", ""},
		{"PublicKeyPEM that is not PEM", func(c *Config) { c.Issuers[0].PublicKeyPEM = "not a pem" }, "Issuers[0].PublicKeyPEM", "", ""},
		{"PublicKeyPEM holding a private key", func(c *Config) { c.Issuers[0].PublicKeyPEM = keys.privPEM }, "Issuers[0].PublicKeyPEM", "", "private"},
		{"PublicKeyPEM with a corrupt key", func(c *Config) {
			c.Issuers[0].PublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("garbage")}))
		}, "Issuers[0].PublicKeyPEM", "", ""},
		{"static JWKS that is not JSON", func(c *Config) { c.Issuers[0].JWKS = "{" }, "Issuers[0].JWKS", "", ""},
		{"static JWKS without a usable key", func(c *Config) { c.Issuers[0].JWKS = `{"keys":[]}` }, "Issuers[0].JWKS", "", ""},

		// Algorithms and claims
		{"alg none", func(c *Config) { c.Algorithms = []string{"none"} }, "Algorithms[0]", "none", ""},
		{"alg none after a good one", func(c *Config) { c.Algorithms = []string{"ES256", "none"} }, "Algorithms[1]", "none", ""},
		{"unknown algorithm", func(c *Config) { c.Algorithms = []string{"ES256", "XS256"} }, "Algorithms[1]", "XS256", ""},
		{"algorithm names are case-sensitive", func(c *Config) { c.Algorithms = []string{"es256"} }, "Algorithms[0]", "es256", ""},
		{"negative Leeway", func(c *Config) { c.Leeway = -time.Second }, "Leeway", "-1s", ""},
		{"Leeway over 5 minutes", func(c *Config) { c.Leeway = 5*time.Minute + time.Second }, "Leeway", "5m1s", ""},

		// Token sources
		{"Transfer past the last mode", func(c *Config) { c.Transfer = Transfer(3) }, "Transfer", "3", ""},
		{"negative Transfer", func(c *Config) { c.Transfer = Transfer(-1) }, "Transfer", "-1", ""},
		{"TransferCookie without CookieNames", func(c *Config) { c.Transfer = TransferCookie }, "CookieNames", "", ""},
		{"negative MaxTokenSize", func(c *Config) { c.MaxTokenSize = -1 }, "MaxTokenSize", "-1", ""},
		{"HeaderName with a space", func(c *Config) { c.HeaderName = "X Session" }, "HeaderName", "X Session", ""},
		{"HeaderName with a colon", func(c *Config) { c.HeaderName = "X-Token:" }, "HeaderName", "X-Token:", ""},
		{"HeaderName Authorization", func(c *Config) { c.HeaderName = "Authorization" }, "HeaderName", "Authorization", ""},
		{"HeaderName authorization in lower case", func(c *Config) { c.HeaderName = "authorization" }, "HeaderName", "authorization", ""},
		{"HeaderName Cookie", func(c *Config) { c.HeaderName = "Cookie" }, "HeaderName", "Cookie", ""},
		{"QueryParam with a space", func(c *Config) { c.QueryParam = "access token" }, "QueryParam", "access token", ""},
		{"QueryParam with an ampersand", func(c *Config) { c.QueryParam = "tok&x" }, "QueryParam", "tok&x", ""},
		{"QueryParam with an equals sign", func(c *Config) { c.QueryParam = "tok=x" }, "QueryParam", "tok=x", ""},
		{"cookie name that is not a token", func(c *Config) { c.CookieNames = []string{"sid", "bad name"} }, "CookieNames[1]", "bad name", ""},
		{"empty former cookie name", func(c *Config) { c.CookieNames = []string{"sid", ""} }, "CookieNames[1]", "", ""},
		{"__Host- cookie name with a CookieDomain", func(c *Config) {
			c.CookieNames = []string{"__Host-sid"}
			c.CookieDomain = "example.com"
		}, "CookieNames", "__Host-sid", ""},
		{"__Secure- former cookie name with Insecure", func(c *Config) {
			c.CookieNames = []string{"sid", "__Secure-sid"}
			c.Cookie.Insecure = true
		}, "CookieNames[1]", "__Secure-sid", ""},

		// Cookie domain and attributes
		{"CookieDomain com", func(c *Config) { c.CookieDomain = "com" }, "CookieDomain", "com", ""},
		{"CookieDomain co.uk", func(c *Config) { c.CookieDomain = "co.uk" }, "CookieDomain", "co.uk", ""},
		{"CookieDomain github.io (private public suffix)", func(c *Config) { c.CookieDomain = ".github.io" }, "CookieDomain", ".github.io", ""},
		{"CookieDomain IPv4", func(c *Config) { c.CookieDomain = "192.168.0.10" }, "CookieDomain", "192.168.0.10", ""},
		{"CookieDomain IPv6", func(c *Config) { c.CookieDomain = "[::1]" }, "CookieDomain", "[::1]", ""},
		{"CookieDomain localhost", func(c *Config) { c.CookieDomain = "localhost" }, "CookieDomain", "localhost", ""},
		{"CookieDomain subdomain of localhost", func(c *Config) { c.CookieDomain = "app.localhost" }, "CookieDomain", "app.localhost", ""},
		{"CookieDomain malformed", func(c *Config) { c.CookieDomain = "exa mple.com" }, "CookieDomain", "exa mple.com", ""},
		{"OlderCookieDomain equal to CookieDomain", func(c *Config) {
			c.CookieDomain = "example.com"
			c.OlderCookieDomain = "example.com"
		}, "OlderCookieDomain", "example.com", ""},
		{"OlderCookieDomain equal to CookieDomain after normalisation", func(c *Config) {
			c.CookieDomain = "example.com"
			c.OlderCookieDomain = ".Example.com"
		}, "OlderCookieDomain", ".Example.com", ""},
		{"OlderCookieHostOnly while CookieDomain is host-only too", func(c *Config) {
			c.OlderCookieHostOnly = true
		}, "OlderCookieHostOnly", "true", ""},
		{"OlderCookieHostOnly together with OlderCookieDomain", func(c *Config) {
			c.CookieDomain = "example.com"
			c.OlderCookieDomain = "api.example.com"
			c.OlderCookieHostOnly = true
		}, "OlderCookieHostOnly", "true", ""},
		{"OlderCookieDomain public suffix", func(c *Config) {
			c.CookieDomain = "example.com"
			c.OlderCookieDomain = "com"
		}, "OlderCookieDomain", "com", ""},
		{"SameSite=None with Insecure", func(c *Config) {
			c.Cookie.SameSite = http.SameSiteNoneMode
			c.Cookie.Insecure = true
		}, "Cookie.SameSite", "None", ""},
		{"Cookie.Path without leading slash", func(c *Config) { c.Cookie.Path = "app" }, "Cookie.Path", "app", ""},

		// API domains and website origins
		{"APIDomains entry on another registrable domain", func(c *Config) {
			c.CookieDomain = "example.com"
			c.APIDomains = []string{"api.example.com", "api.otherdomain.com"}
		}, "APIDomains[1]", "api.otherdomain.com", "example.com"},
		{"APIDomains entry that only ends with the cookie domain's letters", func(c *Config) {
			c.CookieDomain = "example.com"
			c.APIDomains = []string{"badexample.com"}
		}, "APIDomains[0]", "badexample.com", ""},
		{"APIDomains entry that is the parent of the cookie domain", func(c *Config) {
			c.CookieDomain = "app.example.com"
			c.APIDomains = []string{"example.com"}
		}, "APIDomains[0]", "example.com", ""},
		{"APIDomains entry that is an IP", func(c *Config) {
			c.CookieDomain = "example.com"
			c.APIDomains = []string{"10.0.0.1"}
		}, "APIDomains[0]", "10.0.0.1", ""},
		{"APIDomains entry that is malformed", func(c *Config) { c.APIDomains = []string{"a..b.com"} }, "APIDomains[0]", "a..b.com", ""},
		{"WebsiteOrigins entry with a path", func(c *Config) {
			c.CookieDomain = "example.com"
			c.WebsiteOrigins = []string{"https://www.example.com/app"}
		}, "WebsiteOrigins[0]", "https://www.example.com/app", ""},
		{"WebsiteOrigins entry with a trailing slash", func(c *Config) { c.WebsiteOrigins = []string{"https://www.example.com/"} }, "WebsiteOrigins[0]", "https://www.example.com/", ""},
		{"WebsiteOrigins entry with a query", func(c *Config) { c.WebsiteOrigins = []string{"https://www.example.com?x=1"} }, "WebsiteOrigins[0]", "https://www.example.com?x=1", ""},
		{"WebsiteOrigins entry without a scheme", func(c *Config) { c.WebsiteOrigins = []string{"www.example.com"} }, "WebsiteOrigins[0]", "www.example.com", ""},
		{"WebsiteOrigins entry not domain-matching CookieDomain", func(c *Config) {
			c.CookieDomain = "example.com"
			c.WebsiteOrigins = []string{"https://www.example.com", "https://www.other.com"}
		}, "WebsiteOrigins[1]", "https://www.other.com", "example.com"},

		// JWKS options
		{"JWKS MinRefreshInterval above MaxRefreshInterval", func(c *Config) {
			c.JWKS.MinRefreshInterval = 2 * time.Hour
			c.JWKS.MaxRefreshInterval = time.Hour
		}, "JWKS.MinRefreshInterval", "2h0m0s", "1h0m0s"},
		{"JWKS negative Timeout", func(c *Config) { c.JWKS.Timeout = -time.Second }, "JWKS.Timeout", "-1s", ""},
		{"JWKS negative RefreshInterval", func(c *Config) { c.JWKS.RefreshInterval = -time.Minute }, "JWKS.RefreshInterval", "-1m0s", ""},
		{"JWKS negative UnknownKeyCooldown", func(c *Config) { c.JWKS.UnknownKeyCooldown = -time.Second }, "JWKS.UnknownKeyCooldown", "-1s", ""},
		{"JWKS negative MaxResponseBytes", func(c *Config) { c.JWKS.MaxResponseBytes = -1 }, "JWKS.MaxResponseBytes", "-1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base()
			tc.mutate(&cfg)
			g, err := New(cfg)
			if err == nil {
				g.Close()
				t.Fatalf("New accepted the config, want an error naming %s", tc.wantField)
			}
			if g != nil {
				t.Errorf("New returned a gate along with error %q", err)
			}
			msg := err.Error()
			if !errors.Is(err, ErrConfig) {
				t.Errorf("errors.Is(err, ErrConfig) is false for %q", msg)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %q is not a *ConfigError", err, msg)
			}
			if ce.Field != tc.wantField {
				t.Errorf("Field = %q, want %q (%q)", ce.Field, tc.wantField, msg)
			}
			if !strings.Contains(msg, tc.wantField) {
				t.Errorf("message %q does not name the field %s", msg, tc.wantField)
			}
			if tc.wantValue != "" && !strings.Contains(msg, tc.wantValue) {
				t.Errorf("message %q does not name the value %q", msg, tc.wantValue)
			}
			if tc.mentions != "" && !strings.Contains(msg, tc.mentions) {
				t.Errorf("message %q does not mention %q", msg, tc.mentions)
			}
			if strings.Contains(msg, secretMarker) || strings.Contains(ce.Value, secretMarker) {
				t.Errorf("message %q leaks the HMAC secret", msg)
			}
		})
	}
}

func TestConfigAcceptsBoundaryValues(t *testing.T) {
	keys := newConfigKeys(t)
	hs256 := func(t *testing.T) string {
		t.Helper()
		now := time.Now()
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": configIssuer, "sub": "user-1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}).SignedString([]byte(longSecret[:32]))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	cases := []struct {
		name   string
		mutate func(c *Config)
		mint   func(t *testing.T) string // nil: an ES256 token of configIssuer
	}{
		{"the minimum config: one issuer with a PEM key", func(c *Config) {}, nil},
		{"Leeway of exactly 5 minutes", func(c *Config) { c.Leeway = 5 * time.Minute }, nil},
		{"HMACSecret of exactly 32 bytes with HS256 listed", func(c *Config) {
			c.Issuers = []Issuer{{Name: configIssuer, HMACSecret: []byte(longSecret[:32])}}
			c.Algorithms = []string{"HS256"}
		}, hs256},
		{"HMAC issuer beside a public-key issuer", func(c *Config) {
			c.Issuers = append(c.Issuers, Issuer{Name: "https://internal.example.com", HMACSecret: []byte(longSecret)})
			c.Algorithms = []string{"ES256", "HS256"}
		}, nil},
		{"custom HeaderName in any case", func(c *Config) { c.HeaderName = "x-session-token" }, nil},
		{"plain QueryParam", func(c *Config) { c.QueryParam = "access_token" }, nil},
		{"TransferCookie with a cookie name", func(c *Config) {
			c.Transfer = TransferCookie
			c.CookieNames = []string{"sid"}
		}, nil},
		{"TransferHeader without cookie names", func(c *Config) { c.Transfer = TransferHeader }, nil},
		{"CookieDomain with scheme, leading dot and port", func(c *Config) { c.CookieDomain = "https://.Example.com:8443/" }, nil},
		{"older host-only cookies with a CookieDomain", func(c *Config) {
			c.CookieDomain = "example.com"
			c.OlderCookieHostOnly = true
		}, nil},
		{"older subdomain cookies with a parent CookieDomain", func(c *Config) {
			c.CookieDomain = "example.com"
			c.OlderCookieDomain = "app.example.com"
		}, nil},
		{"APIDomains equal to and under the CookieDomain", func(c *Config) {
			c.CookieDomain = ".example.com"
			c.APIDomains = []string{"example.com", "api.example.com", "https://API2.example.com:8443"}
		}, nil},
		{"WebsiteOrigins under the CookieDomain, with a port", func(c *Config) {
			c.CookieDomain = "example.com"
			c.WebsiteOrigins = []string{"https://www.example.com", "http://app.example.com:3000"}
		}, nil},
		{"WebsiteOrigins on any domain with host-only cookies", func(c *Config) {
			c.WebsiteOrigins = []string{"https://frontend.other.com"}
		}, nil},
		{"JWKS MinRefreshInterval equal to MaxRefreshInterval", func(c *Config) {
			c.JWKS.MinRefreshInterval = time.Hour
			c.JWKS.MaxRefreshInterval = time.Hour
		}, nil},
		{"__Host- cookie name, host-only, secure, Path=/", func(c *Config) { c.CookieNames = []string{"__Host-sid"} }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{
				Issuers: []Issuer{{Name: configIssuer, PublicKeyPEM: keys.pubPEM}},
				Logger:  quietLogger,
			}
			tc.mutate(&cfg)
			g, err := New(cfg)
			if err != nil {
				t.Fatalf("New refused a valid config: %v", err)
			}
			defer g.Close()
			// The gate verifies a good token, so accepting the config was not hollow.
			var tok string
			if tc.mint != nil {
				tok = tc.mint(t)
			} else {
				tok = keys.mint(t, configIssuer, nil)
			}
			if _, err := g.Verify(tok, SourceAuthorization); err != nil {
				t.Fatalf("Verify of a good token: %v", err)
			}
		})
	}
}

// DefaultAlgorithms documents that the defaults apply "when Config.Algorithms
// is empty": an empty, non-nil list must not leave a gate that silently
// refuses every token.
func TestConfigEmptyAlgorithmsMeansDefaults(t *testing.T) {
	keys := newConfigKeys(t)
	cases := []struct {
		name string
		algs []string
	}{
		{"nil Algorithms take the defaults", nil},
		{"empty non-nil Algorithms take the defaults (or are refused at construction)", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := New(Config{
				Issuers:    []Issuer{{Name: configIssuer, PublicKeyPEM: keys.pubPEM}},
				Algorithms: tc.algs,
				Logger:     quietLogger,
			})
			if err != nil {
				if errors.Is(err, ErrConfig) && strings.Contains(err.Error(), "Algorithms") {
					return // refusing at construction is also acceptable
				}
				t.Fatalf("New: %v", err)
			}
			defer g.Close()
			if _, err := g.Verify(keys.mint(t, configIssuer, nil), SourceAuthorization); err != nil {
				t.Fatalf("an ES256 token (a default algorithm) is refused: %v", err)
			}
		})
	}
}

func TestConfigKeysUnavailableAtStart(t *testing.T) {
	keys := newConfigKeys(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer failing.Close()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>not a key set</html>"))
	}))
	defer garbage.Close()

	cases := []struct {
		name   string
		issuer Issuer
	}{
		{"JWKS server not listening", Issuer{Name: configIssuer, JWKSURL: closedURL + "/jwks"}},
		{"JWKS server answering 500", Issuer{Name: configIssuer, JWKSURL: failing.URL + "/jwks"}},
		{"JWKS server answering something that is not a key set", Issuer{Name: configIssuer, JWKSURL: garbage.URL + "/jwks"}},
		{"OIDC discovery failing", Issuer{Name: failing.URL, Discovery: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name+": New fails with ErrKeysUnavailable", func(t *testing.T) {
			g, err := New(Config{Issuers: []Issuer{tc.issuer}, Logger: quietLogger, JWKS: JWKSOptions{Timeout: 2 * time.Second}})
			if err == nil {
				g.Close()
				t.Fatal("New succeeded with unreachable keys")
			}
			if !errors.Is(err, ErrKeysUnavailable) {
				t.Fatalf("error %q does not match ErrKeysUnavailable", err)
			}
			if !strings.Contains(err.Error(), tc.issuer.Name) {
				t.Errorf("error %q does not name the issuer %q", err, tc.issuer.Name)
			}
			if !strings.Contains(err.Error(), "AllowStartWithoutKeys") {
				t.Errorf("error %q does not name the setting that tolerates it", err)
			}
		})
		t.Run(tc.name+": AllowStartWithoutKeys starts and answers ErrKeysUnavailable", func(t *testing.T) {
			g, err := New(Config{Issuers: []Issuer{tc.issuer}, Logger: quietLogger,
				JWKS: JWKSOptions{Timeout: 2 * time.Second, AllowStartWithoutKeys: true}})
			if err != nil {
				t.Fatalf("New with AllowStartWithoutKeys: %v", err)
			}
			defer g.Close()
			_, err = g.Verify(keys.mint(t, tc.issuer.Name, nil), SourceAuthorization)
			if !errors.Is(err, ErrKeysUnavailable) {
				t.Fatalf("Verify error = %v, want ErrKeysUnavailable", err)
			}
			if got := ErrorResponse(err).Status; got != http.StatusServiceUnavailable {
				t.Errorf("StatusCode = %d, want 503", got)
			}
		})
	}
}

func TestConfigPresetsValues(t *testing.T) {
	cases := []struct {
		name        string
		cfg         Config
		wantIssuer  Issuer
		wantCookies []string
		wantAud     []string
		wantXfer    Transfer
	}{
		{
			name:        "SuperTokens: issuer is apiDomain+apiBasePath, JWKS at /jwt/jwks.json, cookie sAccessToken",
			cfg:         SuperTokensConfig("https://api.example.com", "/auth"),
			wantIssuer:  Issuer{Name: "https://api.example.com/auth", JWKSURL: "https://api.example.com/auth/jwt/jwks.json"},
			wantCookies: []string{"sAccessToken"},
			wantXfer:    TransferAny,
		},
		{
			name:        "SuperTokens: slashes around the parts are normalised",
			cfg:         SuperTokensConfig("https://api.example.com/", "auth/"),
			wantIssuer:  Issuer{Name: "https://api.example.com/auth", JWKSURL: "https://api.example.com/auth/jwt/jwks.json"},
			wantCookies: []string{"sAccessToken"},
			wantXfer:    TransferAny,
		},
		{
			name:        "SuperTokens: base path /",
			cfg:         SuperTokensConfig("https://api.example.com", "/"),
			wantIssuer:  Issuer{Name: "https://api.example.com", JWKSURL: "https://api.example.com/jwt/jwks.json"},
			wantCookies: []string{"sAccessToken"},
			wantXfer:    TransferAny,
		},
		{
			name:       "OIDC: exact issuer with discovery, audiences, header only",
			cfg:        OIDCConfig("https://tenant.eu.auth0.com/", "https://api.example.com"),
			wantIssuer: Issuer{Name: "https://tenant.eu.auth0.com/", Discovery: true},
			wantAud:    []string{"https://api.example.com"},
			wantXfer:   TransferHeader,
		},
		{
			name:       "OIDC: no audience configured",
			cfg:        OIDCConfig("https://auth.example.com"),
			wantIssuer: Issuer{Name: "https://auth.example.com", Discovery: true},
			wantXfer:   TransferHeader,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.cfg.Issuers) != 1 {
				t.Fatalf("Issuers = %+v, want exactly one", tc.cfg.Issuers)
			}
			if !reflect.DeepEqual(tc.cfg.Issuers[0], tc.wantIssuer) {
				t.Errorf("Issuer = %+v, want %+v", tc.cfg.Issuers[0], tc.wantIssuer)
			}
			if !reflect.DeepEqual(tc.cfg.CookieNames, tc.wantCookies) {
				t.Errorf("CookieNames = %q, want %q", tc.cfg.CookieNames, tc.wantCookies)
			}
			if len(tc.cfg.Audiences) != len(tc.wantAud) || (len(tc.wantAud) > 0 && !reflect.DeepEqual(tc.cfg.Audiences, tc.wantAud)) {
				t.Errorf("Audiences = %q, want %q", tc.cfg.Audiences, tc.wantAud)
			}
			if tc.cfg.Transfer != tc.wantXfer {
				t.Errorf("Transfer = %v, want %v", tc.cfg.Transfer, tc.wantXfer)
			}
		})
	}
}

// TestConfigPresetsWork builds a Gate from each preset against a local provider and
// checks that New fetches keys from the documented place and verifies a token.
func TestConfigPresetsWork(t *testing.T) {
	keys := newConfigKeys(t)
	cases := []struct {
		name      string
		preset    func(base string) Config
		issuer    func(base string) string
		wantPaths []string
		claims    jwt.MapClaims
	}{
		{
			name:      "Corbado preset fetches <issuer>/.well-known/jwks",
			preset:    func(base string) Config { return CorbadoConfig(base) },
			issuer:    func(base string) string { return base },
			wantPaths: []string{"/.well-known/jwks"},
		},
		{
			name:      "SuperTokens preset fetches <apiDomain><apiBasePath>/jwt/jwks.json",
			preset:    func(base string) Config { return SuperTokensConfig(base, "/auth") },
			issuer:    func(base string) string { return base + "/auth" },
			wantPaths: []string{"/auth/jwt/jwks.json"},
		},
		{
			name:      "OIDC preset reads jwks_uri from /.well-known/openid-configuration",
			preset:    func(base string) Config { return OIDCConfig(base, "my-api") },
			issuer:    func(base string) string { return base },
			wantPaths: []string{"/.well-known/openid-configuration", "/oidc/keys"},
			claims:    jwt.MapClaims{"aud": "my-api"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var paths []string
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				paths = append(paths, r.URL.Path)
				mu.Unlock()
				switch r.URL.Path {
				case "/.well-known/openid-configuration":
					_ = json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL, "jwks_uri": srv.URL + "/oidc/keys"})
				case "/.well-known/jwks", "/auth/jwt/jwks.json", "/oidc/keys":
					_, _ = w.Write(keys.jwks)
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()
			cfg := tc.preset(srv.URL)
			cfg.Logger = quietLogger
			g, err := New(cfg)
			if err != nil {
				t.Fatalf("New(preset): %v", err)
			}
			defer g.Close()
			mu.Lock()
			got := append([]string(nil), paths...)
			mu.Unlock()
			if !reflect.DeepEqual(got, tc.wantPaths) {
				t.Errorf("fetched %q, want %q", got, tc.wantPaths)
			}
			s, err := g.Verify(keys.mint(t, tc.issuer(srv.URL), tc.claims), SourceAuthorization)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if s.Subject != "user-1" {
				t.Errorf("Subject = %q, want user-1", s.Subject)
			}
		})
	}
}

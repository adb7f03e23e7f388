package core

import (
	"net"
	"net/url"
	"strings"

	"github.com/sessiongate/sessiongate/core/internal/origin"
)

// The presets below only fill Config values; nothing about a provider is
// special-cased anywhere else. Start from one and change what you need.

// CorbadoConfig verifies Corbado session tokens. frontendAPI is the project's
// Frontend API URL (e.g. "https://<project-id>.frontendapi.cloud.corbado.io"),
// the tokens' issuer; the keys are at <frontendAPI>/.well-known/jwks. A
// project's tokens carry either of its two Frontend API hosts as iss
// (<project-id>.frontendapi.corbado.io and, newer,
// <project-id>.frontendapi.cloud.corbado.io), and Corbado's SDKs accept
// both, so given either host the preset accepts both, bound to the keys of
// the host given. Any other URL (a custom domain) is the only issuer.
// Cookies are read as cbo_session_token first and cbo_short_session (its
// former name) second.
func CorbadoConfig(frontendAPI string) Config {
	iss := strings.TrimSuffix(strings.TrimSpace(frontendAPI), "/")
	other := ""
	if lower := strings.ToLower(iss); corbadoProject(lower) != "" {
		iss, other = lower, corbadoOtherHost(lower)
	}
	jwks := iss + "/.well-known/jwks"
	issuers := []Issuer{{Name: iss, JWKSURL: jwks}}
	if other != "" {
		// A second Issuer with the same JWKS URL gets a second cache: one
		// more small fetch per refresh, in exchange for keeping "one issuer,
		// one key cache" true everywhere else.
		issuers = append(issuers, Issuer{Name: other, JWKSURL: jwks})
	}
	return Config{
		Issuers:     issuers,
		CookieNames: []string{"cbo_session_token", "cbo_short_session"},
	}
}

// The two Frontend API host suffixes of a Corbado project.
const (
	corbadoHost      = ".frontendapi.corbado.io"
	corbadoCloudHost = ".frontendapi.cloud.corbado.io"
)

// corbadoProject returns the project id of a lower-case Frontend API URL
// https://<project>.frontendapi[.cloud].corbado.io, or "" for any other URL.
func corbadoProject(u string) string {
	host, ok := strings.CutPrefix(u, "https://")
	if !ok {
		return ""
	}
	for _, suffix := range []string{corbadoHost, corbadoCloudHost} {
		if p, ok := strings.CutSuffix(host, suffix); ok && p != "" && !strings.ContainsAny(p, "./:@") {
			return p
		}
	}
	return ""
}

// corbadoOtherHost returns the project's Frontend API URL on the other host.
func corbadoOtherHost(u string) string {
	p := corbadoProject(u)
	if strings.HasSuffix(u, corbadoCloudHost) {
		return "https://" + p + corbadoHost
	}
	return "https://" + p + corbadoCloudHost
}

// SuperTokensConfig verifies SuperTokens access tokens. apiDomain and
// apiBasePath are the appInfo values (e.g. "https://api.example.com" and
// "/auth"); the issuer is <apiDomain><apiBasePath> and the keys are at
// <apiDomain><apiBasePath>/jwt/jwks.json. Both are normalised as the
// SuperTokens SDKs normalise them before writing iss: lower case; apiDomain
// keeps only scheme and host (https:// added when there is no scheme, http://
// for localhost and IPv4 addresses); apiBasePath gets a leading slash and
// loses a trailing one. An empty apiBasePath is the SDKs' default "/auth";
// write "/" for the root. The cookie is sAccessToken.
func SuperTokensConfig(apiDomain, apiBasePath string) Config {
	base := superTokensDomain(apiDomain) + superTokensPath(apiBasePath)
	return Config{
		Issuers:     []Issuer{{Name: base, JWKSURL: base + "/jwt/jwks.json"}},
		CookieNames: []string{"sAccessToken"},
	}
}

// superTokensDomain normalises apiDomain as the SDKs' NormalisedURLDomain
// does. A value that does not parse is returned as it is, for New to refuse
// the JWKS URL built from it.
func superTokensDomain(raw string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		s = strings.TrimPrefix(s, ".")
		scheme := "https://"
		// The SDKs test the host name's prefix, not the whole name.
		if h, _, _ := strings.Cut(s, ":"); strings.HasPrefix(h, "localhost") || isIPv4(h) {
			scheme = "http://"
		}
		s = scheme + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	return origin.Of(u)
}

// superTokensPath normalises apiBasePath as the SDKs' NormalisedURLPath
// does, with "" meaning the default "/auth" (see SuperTokensConfig).
func superTokensPath(raw string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	if s == "" {
		s = "/auth"
	}
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	u, err := url.Parse("http://example.com" + s)
	if err != nil {
		return strings.TrimSuffix(s, "/")
	}
	return strings.TrimSuffix(u.EscapedPath(), "/")
}

func isIPv4(h string) bool {
	ip := net.ParseIP(h)
	return ip != nil && ip.To4() != nil && !strings.Contains(h, ":")
}

// OIDCConfig verifies tokens of any OpenID Connect provider (Auth0, Clerk,
// Hanko, Keycloak, ...) whose issuer publishes
// <issuer>/.well-known/openid-configuration; the JWKS URL is read from its
// jwks_uri. Tokens come from the Authorization header only (TransferHeader):
// if the provider also leaves a cookie, add CookieNames and set Transfer to
// TransferAny or TransferCookie, or the cookie is not read.
func OIDCConfig(issuer string, audiences ...string) Config {
	return Config{
		Issuers:   []Issuer{{Name: issuer, Discovery: true}},
		Audiences: audiences,
		Transfer:  TransferHeader,
	}
}

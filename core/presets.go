package core

import "strings"

// The presets below only fill Config values; nothing about a provider is
// special-cased anywhere else. Start from one and change what you need.

// CorbadoConfig verifies Corbado session tokens. frontendAPI is the project's
// Frontend API URL (e.g. "https://<project-id>.frontendapi.corbado.io"), the
// tokens' issuer; the keys are at <frontendAPI>/.well-known/jwks. Cookies are
// read as cbo_session_token first and cbo_short_session (its former name)
// second.
func CorbadoConfig(frontendAPI string) Config {
	iss := strings.TrimSuffix(frontendAPI, "/")
	return Config{
		Issuers:     []Issuer{{Name: iss, JWKSURL: iss + "/.well-known/jwks"}},
		CookieNames: []string{"cbo_session_token", "cbo_short_session"},
	}
}

// SuperTokensConfig verifies SuperTokens access tokens. apiDomain and
// apiBasePath are the appInfo values (e.g. "https://api.example.com" and
// "/auth"); the issuer is <apiDomain><apiBasePath> and the keys are at
// <apiDomain><apiBasePath>/jwt/jwks.json. The cookie is sAccessToken.
func SuperTokensConfig(apiDomain, apiBasePath string) Config {
	base := strings.TrimSuffix(apiDomain, "/") + "/" + strings.Trim(apiBasePath, "/")
	base = strings.TrimSuffix(base, "/")
	return Config{
		Issuers:     []Issuer{{Name: base, JWKSURL: base + "/jwt/jwks.json"}},
		CookieNames: []string{"sAccessToken"},
	}
}

// OIDCConfig verifies tokens of any OpenID Connect provider (Auth0, Clerk,
// Hanko, Keycloak, ...) whose issuer publishes
// <issuer>/.well-known/openid-configuration; the JWKS URL is read from its
// jwks_uri. Tokens come from the Authorization header only: add CookieNames
// if the provider also leaves a cookie.
func OIDCConfig(issuer string, audiences ...string) Config {
	return Config{
		Issuers:   []Issuer{{Name: issuer, Discovery: true}},
		Audiences: audiences,
		Transfer:  TransferHeader,
	}
}

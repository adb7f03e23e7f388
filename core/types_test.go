package core

import (
	"errors"
	"net/http"
	"testing"
)

func TestVerifyExplicitTyping(t *testing.T) {
	k := testKeys()
	gate := func(t *testing.T, types ...string) *Gate {
		return newGate(t, Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.ec256)}}, Types: types})
	}
	rows := []struct {
		name  string
		types []string
		typ   any // nil: no typ header
		want  error
	}{
		{"Types unset: any typ accepted", nil, "whatever", nil},
		{"Types unset: no typ accepted", nil, nil, nil},
		{"typ listed exactly: accepted", []string{"at+jwt"}, "at+jwt", nil},
		{"typ listed, differing in case: accepted (media types are case-insensitive)", []string{"at+jwt"}, "AT+JWT", nil},
		{"typ with the application/ prefix, listed without: accepted", []string{"at+jwt"}, "application/at+jwt", nil},
		{"typ without the prefix, listed with it: accepted", []string{"application/at+jwt"}, "at+jwt", nil},
		{"typ with the prefix in another case: accepted", []string{"at+jwt"}, "Application/AT+JWT", nil},
		{"second of two listed types: accepted", []string{"JWT", "at+jwt"}, "jwt", nil},
		{"typ not listed: ErrTokenType", []string{"at+jwt"}, "JWT", ErrTokenType},
		{"typ missing while Types is set: ErrTokenType", []string{"at+jwt"}, nil, ErrTokenType},
		{"typ empty: ErrTokenType", []string{"at+jwt"}, "", ErrTokenType},
		{"typ of another top-level type with the same subtype: ErrTokenType", []string{"at+jwt"}, "text/at+jwt", ErrTokenType},
		{"typ that only starts like a listed one: ErrTokenType", []string{"at+jwt"}, "at+jwtx", ErrTokenType},
		{"typ not a string: ErrTokenType", []string{"at+jwt"}, 42, ErrTokenType},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			g := gate(t, row.types...)
			tok := sign(t, "ES256", "", k.ec256, claimsFor(issA), map[string]any{"typ": row.typ})
			if row.typ == nil { // golang-jwt always writes a typ
				tok = signJSON(t, `{"alg":"ES256"}`, "{"+validClaimsJSON()+"}")
			}
			s, err := g.Verify(tok, SourceAuthorization)
			checkResult(t, "Verify", s, err, tok, row.want)
			d := g.Check(bearerRequest(tok), CheckOptions{})
			checkResult(t, "Check", d.Session, d.Err, tok, row.want)
		})
	}
}

func TestVerifyTypeRefusalResponse(t *testing.T) {
	r := ErrorResponse(&Error{Kind: ErrTokenType})
	if r.Status != http.StatusUnauthorized || r.Code != "invalid_token" || r.Description != "the session token type is not accepted" {
		t.Errorf("ErrorResponse(ErrTokenType) = %d %q %q", r.Status, r.Code, r.Description)
	}
}

func TestValidateClaimsSeesHeader(t *testing.T) {
	k := testKeys()
	errWrongKey := errors.New("not the signing key this service expects")
	var seen map[string]any
	g := newGate(t, Config{
		Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(k.ec256)}},
		ValidateClaims: func(s *Session) error {
			seen = s.Header()
			if s.Header()["kid"] != "service-key" {
				return errWrongKey
			}
			return nil
		},
	})
	rows := []struct {
		name string
		kid  string
		want error
	}{
		{"hook deciding on the kid header accepts its kid", "service-key", nil},
		{"hook deciding on the kid header refuses another: ErrClaims", "other-key", ErrClaims},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tok := sign(t, "ES256", row.kid, k.ec256, claimsFor(issA), map[string]any{"typ": "JWT"})
			s, err := g.Verify(tok, SourceAuthorization)
			checkResult(t, "Verify", s, err, tok, row.want)
			if seen["alg"] != "ES256" || seen["typ"] != "JWT" || seen["kid"] != row.kid {
				t.Errorf("hook saw header %v", seen)
			}
			if s != nil && s.Header()["kid"] != row.kid {
				t.Errorf("Session.Header %v", s.Header())
			}
		})
	}
}

func TestConfigTypes(t *testing.T) {
	rows := []struct {
		name  string
		types []string
		field string // "" when accepted
	}{
		{"short and full forms in any case: accepted", []string{"JWT", "application/AT+JWT", "secevent+jwt"}, ""},
		{"empty value: refused, naming Types[0]", []string{""}, "Types[0]"},
		{"value with a parameter: refused", []string{"at+jwt", "at+jwt; charset=utf-8"}, "Types[1]"},
		{"value with a space: refused", []string{"at jwt"}, "Types[0]"},
		{"prefix without a subtype: refused", []string{"application/"}, "Types[0]"},
		{"two slashes: refused", []string{"application/at/jwt"}, "Types[0]"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			_, err := New(Config{Issuers: []Issuer{{Name: issA, PublicKeyPEM: pemOf(testKeys().ec256)}}, Types: row.types, Logger: quietLogger})
			var ce *ConfigError
			switch {
			case row.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case row.field != "" && (!errors.As(err, &ce) || ce.Field != row.field):
				t.Fatalf("error %v, want a ConfigError naming %s", err, row.field)
			}
		})
	}
}

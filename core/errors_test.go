package core

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// kindCase is the expected answer for one sentinel error kind.
type kindCase struct {
	name        string
	kind        error
	status      int
	wwwAuth     string // "" means no WWW-Authenticate header
	retryAfter  string // "" means no Retry-After header
	code        string // body "error"
	description string // body "error_description"
}

func kindCases() []kindCase {
	tokenErr := func(name string, kind error, desc string) kindCase {
		return kindCase{name, kind, http.StatusUnauthorized,
			`Bearer error="invalid_token", error_description="` + desc + `"`, "", "invalid_token", desc}
	}
	return []kindCase{
		{"no token: 401 with a bare Bearer challenge and no error code", ErrNoToken, http.StatusUnauthorized,
			"Bearer", "", "unauthorized", "no session token"},
		{"malformed request: 400 invalid_request", ErrMalformedRequest, http.StatusBadRequest,
			`Bearer error="invalid_request", error_description="more than one Authorization header"`, "",
			"invalid_request", "more than one Authorization header"},
		tokenErr("malformed token: 401 invalid_token", ErrMalformed, "the session token is malformed"),
		tokenErr("token too large: 401 invalid_token", ErrTokenTooLarge, "the session token is too large"),
		tokenErr("algorithm not allowed: 401 invalid_token", ErrAlgorithm, "the session token algorithm is not allowed"),
		tokenErr("bad signature: 401 invalid_token", ErrSignature, "the session token signature is invalid"),
		tokenErr("unknown key: 401 invalid_token", ErrUnknownKey, "the session token is signed by an unknown key"),
		tokenErr("expired: 401 invalid_token", ErrExpired, "the session token has expired"),
		tokenErr("not yet valid: 401 invalid_token", ErrNotYetValid, "the session token is not valid yet"),
		tokenErr("issued in the future: 401 invalid_token", ErrIssuedInFuture, "the session token was issued in the future"),
		tokenErr("type not accepted: 401 invalid_token", ErrTokenType, "the session token type is not accepted"),
		tokenErr("bad issuer: 401 invalid_token", ErrIssuer, "the session token issuer is not accepted"),
		tokenErr("bad audience: 401 invalid_token", ErrAudience, "the session token audience is not accepted"),
		tokenErr("bad claims: 401 invalid_token", ErrClaims, "the session token claims are invalid"),
		{"keys unavailable: 503 with Retry-After and no challenge", ErrKeysUnavailable, http.StatusServiceUnavailable,
			"", "5", "temporarily_unavailable", "session keys are unavailable, try again later"},
		{"cross-site request: 403 with no challenge", ErrCrossSite, http.StatusForbidden,
			"", "", "cross_site_request", "cross-site request with a session cookie refused"},
		tokenErr("valid session cookies of different subjects: 401 invalid_token", ErrSessionConflict, "the session cookie carries sessions of different users"),
	}
}

// checkResponse checks r against want and returns its headers.
func checkResponse(t *testing.T, r Response, want kindCase, mustNotContain string) {
	t.Helper()
	if r.Status != want.status {
		t.Errorf("Status = %d, want %d", r.Status, want.status)
	}
	h := map[string][]string{}
	for _, kv := range r.Header {
		h[http.CanonicalHeaderKey(kv[0])] = append(h[http.CanonicalHeaderKey(kv[0])], kv[1])
	}
	for name, vals := range h {
		if len(vals) != 1 {
			t.Errorf("header %s given %d times: %q", name, len(vals), vals)
		}
	}
	one := func(name string) string {
		if v := h[name]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if got := one("Www-Authenticate"); got != want.wwwAuth {
		t.Errorf("WWW-Authenticate = %q, want %q", got, want.wwwAuth)
	}
	if got := one("Retry-After"); got != want.retryAfter {
		t.Errorf("Retry-After = %q, want %q", got, want.retryAfter)
	}
	if got := one("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json; charset=utf-8", got)
	}
	if got := one("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.Body, err)
	}
	if len(body) != 2 {
		t.Errorf("body %s has %d fields, want error and error_description only", r.Body, len(body))
	}
	if body["error"] != want.code {
		t.Errorf("body error = %v, want %q", body["error"], want.code)
	}
	if body["error_description"] != want.description {
		t.Errorf("body error_description = %v, want %q", body["error_description"], want.description)
	}
	// RFC 6750 3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
	for _, c := range want.description {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			t.Errorf("description %q has %q, not allowed in a WWW-Authenticate error_description", want.description, c)
		}
	}
	if mustNotContain != "" && strings.Contains(string(r.Body)+fmt.Sprint(r.Header), mustNotContain) {
		t.Errorf("response leaks %q: %s %q", mustNotContain, r.Body, r.Header)
	}
}

func TestErrorsResponseByKind(t *testing.T) {
	const causeText = "cause-with-eyJhbGciOiJIUzI1NiJ9.secret"
	for _, want := range kindCases() {
		forms := []struct {
			name string
			err  error
		}{
			{"the sentinel itself", want.kind},
			{"an *Error of the kind", &Error{Kind: want.kind, Source: SourceAuthorization}},
			{"an *Error with a cause", &Error{Kind: want.kind, Source: SourceCookie, Err: errors.New(causeText)}},
			{"an *Error wrapped by the caller", fmt.Errorf("handler: %w", &Error{Kind: want.kind, Err: errors.New(causeText)})},
		}
		for _, f := range forms {
			t.Run(want.name+"/"+f.name, func(t *testing.T) {
				checkResponse(t, ErrorResponse(f.err), want, causeText)
				if got := ErrorResponse(f.err).Status; got != want.status {
					t.Errorf("StatusCode = %d, want %d", got, want.status)
				}
			})
		}
	}
}

// A custom error handler may wrap the sentinel it got (errors.Is still
// holds); the default answer must not change because of that.
func TestErrorsResponseWrappedSentinel(t *testing.T) {
	byKind := map[error]kindCase{}
	for _, k := range kindCases() {
		byKind[k.kind] = k
	}
	cases := []struct {
		name string
		err  error
		want kindCase
	}{
		{"sentinel ErrNoToken wrapped with fmt.Errorf keeps its bare challenge", fmt.Errorf("auth: %w", ErrNoToken), byKind[ErrNoToken]},
		{"sentinel ErrMalformedRequest wrapped with fmt.Errorf keeps 400", fmt.Errorf("auth: %w", ErrMalformedRequest), byKind[ErrMalformedRequest]},
		{"sentinel ErrExpired wrapped with fmt.Errorf keeps its description", fmt.Errorf("auth: %w", ErrExpired), byKind[ErrExpired]},
		{"sentinel ErrKeysUnavailable wrapped with fmt.Errorf keeps 503", fmt.Errorf("auth: %w", ErrKeysUnavailable), byKind[ErrKeysUnavailable]},
		{"sentinel ErrCrossSite wrapped with fmt.Errorf keeps 403", fmt.Errorf("auth: %w", ErrCrossSite), byKind[ErrCrossSite]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkResponse(t, ErrorResponse(tc.err), tc.want, "")
			if got := ErrorResponse(tc.err).Status; got != tc.want.status {
				t.Errorf("StatusCode = %d, want %d", got, tc.want.status)
			}
		})
	}
}

func TestErrorsResponseUnknownError(t *testing.T) {
	cases := []struct {
		name string
		err  error
	}{
		{"a foreign error is answered as an invalid token", errors.New("something else")},
		{"an *Error with a foreign kind is answered as an invalid token", &Error{Kind: errors.New("other kind")}},
	}
	want := kindCase{status: http.StatusUnauthorized,
		wwwAuth: `Bearer error="invalid_token", error_description="the session token is invalid"`,
		code:    "invalid_token", description: "the session token is invalid"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkResponse(t, ErrorResponse(tc.err), want, "something else")
			if got := ErrorResponse(tc.err).Status; got != http.StatusUnauthorized {
				t.Errorf("StatusCode = %d, want 401", got)
			}
		})
	}
}

func TestErrorsErrorType(t *testing.T) {
	cause := errors.New("boom")
	cases := []struct {
		name    string
		err     error
		wantMsg string
		is      []error // errors.Is must hold
		isNot   []error // errors.Is must not hold
	}{
		{"kind without cause prints the kind", &Error{Kind: ErrExpired}, "sessiongate: session token expired",
			[]error{ErrExpired}, []error{ErrSignature, ErrConfig, cause}},
		{"kind with cause prints both and unwraps to the cause", &Error{Kind: ErrSignature, Err: cause}, "sessiongate: session token signature invalid: boom",
			[]error{ErrSignature, cause}, []error{ErrExpired, ErrMalformed}},
		{"wrapped by the caller still matches its kind", fmt.Errorf("mw: %w", &Error{Kind: ErrCrossSite, Err: cause}), "mw: sessiongate: cross-site request refused: boom",
			[]error{ErrCrossSite, cause}, []error{ErrNoToken}},
		{"config error matches ErrConfig only", &ConfigError{Field: "Leeway", Value: "-1s", Reason: "must be between 0 and 5m"},
			`sessiongate: config Leeway "-1s": must be between 0 and 5m`, []error{ErrConfig}, []error{ErrMalformed, ErrNoToken}},
		{"config error without value omits the quotes", &ConfigError{Field: "Issuers", Reason: "at least one issuer is required"},
			"sessiongate: config Issuers: at least one issuer is required", []error{ErrConfig}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.wantMsg {
				t.Errorf("Error() = %q, want %q", got, tc.wantMsg)
			}
			for _, target := range tc.is {
				if !errors.Is(tc.err, target) {
					t.Errorf("errors.Is(err, %q) = false, want true", target)
				}
			}
			for _, target := range tc.isNot {
				if errors.Is(tc.err, target) {
					t.Errorf("errors.Is(err, %q) = true, want false", target)
				}
			}
		})
	}

	t.Run("Unwrap returns the cause, nil without one", func(t *testing.T) {
		if got := (&Error{Kind: ErrClaims, Err: cause}).Unwrap(); got != cause {
			t.Errorf("Unwrap() = %v, want the cause", got)
		}
		if got := (&Error{Kind: ErrClaims}).Unwrap(); got != nil {
			t.Errorf("Unwrap() = %v, want nil", got)
		}
	})
}

// Every *Error matches exactly one sentinel: a kind never matches another.
func TestErrorsKindsAreDistinct(t *testing.T) {
	kinds := kindCases()
	for _, a := range kinds {
		t.Run(a.name, func(t *testing.T) {
			e := &Error{Kind: a.kind}
			matches := 0
			for _, b := range kinds {
				if errors.Is(e, b.kind) {
					matches++
					if b.kind != a.kind {
						t.Errorf("an error of kind %q matches %q", a.kind, b.kind)
					}
				}
			}
			if matches != 1 {
				t.Errorf("matches %d kinds, want exactly 1", matches)
			}
			if errors.Is(e, ErrConfig) {
				t.Errorf("a request error of kind %q matches ErrConfig", a.kind)
			}
		})
	}
}

// Errors the gate produces for bad tokens never contain the token, a segment
// of it, or its claims.
func TestErrorsNeverContainTheToken(t *testing.T) {
	const (
		hmacIssuer = "https://hmac.example.com"
		marker     = "PRIVATEMARK"
	)
	secret := []byte("errors-test-hmac-secret-0123456789abcdef")
	keys := newConfigKeys(t)
	g, err := New(Config{
		Issuers: []Issuer{
			{Name: hmacIssuer, HMACSecret: secret},
			{Name: configIssuer, PublicKeyPEM: keys.pubPEM},
		},
		Algorithms:                 []string{"HS256", "ES256"},
		CookieNames:                []string{"sid"},
		MaxTokenSize:               2048,
		Logger:                     quietLogger,
		DisableCrossSiteProtection: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	now := time.Now()
	claims := func(iss string, exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"iss": iss, "sub": "user-" + marker, "email": marker + "@example.com", "iat": now.Add(-time.Hour).Unix(), "exp": exp.Unix()}
	}
	hs := func(c jwt.MapClaims, key []byte, header map[string]any) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		for k, v := range header {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims(hmacIssuer, now.Add(time.Hour))).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	good := hs(claims(hmacIssuer, now.Add(time.Hour)), secret, nil)

	cases := []struct {
		name  string
		token string
		kind  error
	}{
		{"garbage that is not a JWT", "not-a-jwt-" + marker + "-value", ErrMalformed},
		{"three segments of invalid base64", marker + "!!." + marker + "!!." + marker + "!!", ErrMalformed},
		{"header that is not JSON", b64(`{"alg":"HS256",`+marker) + "." + b64(`{"sub":"x"}`) + ".c2ln", ErrMalformed},
		{"payload that is not JSON", b64(`{"alg":"HS256","typ":"JWT"}`) + "." + b64(`{"sub":"`+marker) + ".c2ln", ErrMalformed},
		{"signature by another secret", hs(claims(hmacIssuer, now.Add(time.Hour)), []byte("another-secret-another-secret-0123456789"), nil), ErrSignature},
		{"tampered payload", strings.Split(good, ".")[0] + "." + b64(`{"iss":"`+hmacIssuer+`","sub":"admin-`+marker+`","exp":9999999999}`) + "." + strings.Split(good, ".")[2], ErrSignature},
		{"expired token", hs(claims(hmacIssuer, now.Add(-time.Minute)), secret, nil), ErrExpired},
		{"unknown issuer", hs(claims("https://evil.example.com/"+marker, now.Add(time.Hour)), secret, nil), ErrIssuer},
		{"alg none", none, ErrAlgorithm},
		{"HS256 token for a public-key issuer", hs(claims(configIssuer, now.Add(time.Hour)), []byte(keys.pubPEM), nil), ErrAlgorithm},
		{"critical header extension", hs(claims(hmacIssuer, now.Add(time.Hour)), secret, map[string]any{"crit": []string{"b64"}, "b64": false}), ErrMalformed},
		{"kid that is not a string", hs(claims(hmacIssuer, now.Add(time.Hour)), secret, map[string]any{"kid": 42}), ErrMalformed},
		{"token over the size limit", hs(jwt.MapClaims{"iss": hmacIssuer, "pad": strings.Repeat(marker, 300), "exp": now.Add(time.Hour).Unix()}, secret, nil), ErrTokenTooLarge},
	}
	leaks := func(msg, tok string) []string {
		var out []string
		if strings.Contains(msg, tok) {
			out = append(out, "the token")
		}
		for _, seg := range strings.Split(tok, ".") {
			if len(seg) >= 8 && strings.Contains(msg, seg) {
				out = append(out, "segment "+seg)
			}
		}
		if strings.Contains(msg, marker) {
			out = append(out, "token content "+marker)
		}
		return out
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := g.Verify(tc.token, SourceAuthorization)
			if err == nil {
				t.Fatal("Verify accepted a bad token")
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("Verify error = %q, want kind %q", err, tc.kind)
			}
			for _, msg := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
				if l := leaks(msg, tc.token); l != nil {
					t.Errorf("Verify error %q contains %v", msg, l)
				}
			}
			resp := ErrorResponse(err)
			if l := leaks(string(resp.Body)+fmt.Sprint(resp.Header), tc.token); l != nil {
				t.Errorf("ErrorResponse contains %v", l)
			}

			// The same token through a request, by header and by cookie.
			for _, hdr := range []http.Header{
				{"Authorization": {"Bearer " + tc.token}},
				{"Cookie": {"sid=" + tc.token}},
			} {
				d := g.Check(HTTPRequest(&http.Request{Method: http.MethodGet, Host: "api.example.com", Header: hdr}), CheckOptions{})
				if d.Err == nil {
					t.Fatalf("Check accepted a bad token from %v", hdr)
				}
				if l := leaks(d.Err.Error(), tc.token); l != nil {
					t.Errorf("Check error %q contains %v", d.Err, l)
				}
			}
		})
	}

	t.Run("control: the good token verifies", func(t *testing.T) {
		if _, err := g.Verify(good, SourceAuthorization); err != nil {
			t.Fatalf("good token refused: %v", err)
		}
	})
}

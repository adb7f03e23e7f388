package core

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// signJSON signs header and claims given as raw JSON text with ES256, for
// objects json.Marshal cannot write (a name twice).
func signJSON(t *testing.T, header, claims string) string {
	t.Helper()
	in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	sig, err := jwt.SigningMethodES256.Sign(in, testKeys().ec256)
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// validClaimsJSON is a valid claim set of issuer A around testNow, as JSON
// members to which a row appends its own.
func validClaimsJSON() string {
	return fmt.Sprintf(`"iss":%q,"iat":%d,"exp":%d`, issA, testNow.Unix()-60, testNow.Unix()+600)
}

func TestVerifyClaimNamesExact(t *testing.T) {
	g := sourcesGate(t)
	const hdr = `{"alg":"ES256","typ":"JWT"}`
	rows := []struct {
		name   string
		header string // hdr when ""
		extra  string // members appended to validClaimsJSON
		want   error
	}{
		{"control: plain custom claims in camelCase: accepted", "", `"sub":"alice","userId":"u-1","orgId":"o-1"`, nil},
		{"control: one name in different objects (top-level id, nested id): accepted", "", `"id":1,"org":{"id":2},"teams":[{"id":3},{"id":4}]`, nil},
		{"control: names that differ beyond case (role, roles): accepted", "", `"role":"a","roles":["b"]`, nil},

		{"sub twice: ErrMalformed (RFC 7515 §5.2)", "", `"sub":"alice","sub":"admin"`, ErrMalformed},
		{"sub and SUB: ErrMalformed (encoding/json would merge them)", "", `"sub":"alice","SUB":"admin"`, ErrMalformed},
		{"sub and Sub: ErrMalformed", "", `"sub":"alice","Sub":"admin"`, ErrMalformed},
		{"sub and the same name escaped (s\\u0075b): ErrMalformed", "", `"sub":"alice","s\u0075b":"admin"`, ErrMalformed},
		{"sub and ſub (U+017F folds to s): ErrMalformed", "", `"sub":"alice","ſub":"admin"`, ErrMalformed},
		{"custom claim in two cases (role, ROLE): ErrMalformed", "", `"role":"user","ROLE":"admin"`, ErrMalformed},
		{"two names with invalid UTF-8 that decode alike: ErrMalformed", "", "\"a\xff\":1,\"a\xfe\":2", ErrMalformed},
		{"SUB alone, a registered name in another case: ErrMalformed", "", `"SUB":"admin"`, ErrMalformed},
		{"Exp beside exp: ErrMalformed", "", `"Exp":9999999999`, ErrMalformed},
		{"iSS alone: ErrMalformed", "", `"sub":"alice","iSS":"https://evil.example"`, ErrMalformed},
		{"nested object with id and ID: ErrMalformed", "", `"org":{"id":"o-1","ID":"o-2"}`, ErrMalformed},
		{"nested object with a name twice: ErrMalformed", "", `"org":{"plan":"free","plan":"pro"}`, ErrMalformed},
		{"object inside an array with a name twice: ErrMalformed", "", `"teams":[{"id":1},{"id":2,"id":3}]`, ErrMalformed},
		{"object with 40 names, the last repeating the first in another case: ErrMalformed", "", manyNames(40) + `,"N0":0`, ErrMalformed},
		{"object with 40 distinct names: accepted", "", manyNames(40), nil},
		{"k and K (Kelvin sign, folds to k): ErrMalformed", "", `"k":1,"K":2`, ErrMalformed},
		{"object with 20 names, then k and K (Kelvin sign): ErrMalformed", "", manyNames(20) + `,"k":1,"K":2`, ErrMalformed},
		{"header with alg twice: ErrMalformed", `{"alg":"none","alg":"ES256"}`, `"sub":"alice"`, ErrMalformed},
		{"header with kid and KID: ErrMalformed", `{"alg":"ES256","kid":"a","KID":"b"}`, `"sub":"alice"`, ErrMalformed},

		// Registered claims have their RFC 7519 types, so Session (which shows
		// them typed) and ClaimsAs (which fails on a wrong type) agree.
		{"sub a number: ErrClaims", "", `"sub":42`, ErrClaims},
		{"jti an object: ErrClaims", "", `"jti":{"id":1}`, ErrClaims},
		{"aud a number: ErrClaims", "", `"aud":42`, ErrClaims},
		{"aud null: ErrClaims", "", `"aud":null`, ErrClaims},
		{"aud an array holding a number: ErrClaims", "", `"aud":["api",1]`, ErrClaims},
		{"claim set followed by a second object: ErrMalformed", "", `"sub":"alice"}{"sub":"admin"`, ErrMalformed},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			h := row.header
			if h == "" {
				h = hdr
			}
			tok := signJSON(t, h, "{"+validClaimsJSON()+","+row.extra+"}")
			checkEverySource(t, g, tok, row.want)
		})
	}
}

// manyNames is n members "n0":0 ... as JSON.
func manyNames(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"n%d":%d`, i, i)
	}
	return strings.Join(parts, ",")
}

// For every token the gate accepts, ClaimsAs sees the claims Session shows.
func TestSessionAndClaimsAsAgree(t *testing.T) {
	g := sourcesGate(t)
	type custom struct {
		jwt.RegisteredClaims
		Role string         `json:"role"`
		Org  map[string]any `json:"org"`
	}
	for _, extra := range []string{
		`"sub":"alice","role":"user","org":{"id":"o-1"}`,
		`"sub":"","aud":"api","jti":"j-1"`,
		`"aud":["api","web"],"role":"admin","org":{"id":"o-1","name":"x"}`,
	} {
		t.Run(extra, func(t *testing.T) {
			s, err := g.Verify(signJSON(t, `{"alg":"ES256"}`, "{"+validClaimsJSON()+","+extra+"}"), SourceAuthorization)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ClaimsAs[custom](s)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != s.Subject || c.Issuer != s.Issuer || c.ID != s.ID || fmt.Sprint([]string(c.Audience)) != fmt.Sprint(s.Audience) {
				t.Errorf("ClaimsAs %+v, Session sub %q iss %q jti %q aud %q", c.RegisteredClaims, s.Subject, s.Issuer, s.ID, s.Audience)
			}
			role, _ := s.Claims()["role"].(string)
			org, _ := s.Claims()["org"].(map[string]any)
			if c.Role != role || !reflect.DeepEqual(c.Org, org) {
				t.Errorf("ClaimsAs role %q org %v, Claims role %q org %v", c.Role, c.Org, role, s.Claims()["org"])
			}
		})
	}
}

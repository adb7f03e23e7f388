package dpop

import (
	"strings"
	"testing"
)

func TestAsksForNonce(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		want   bool
	}{
		{"RFC 9449 §9 example", []string{`DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`}, true},
		{"unquoted error value", []string{`DPoP error=use_dpop_nonce`}, true},
		{"scheme in another case", []string{`dpop error="use_dpop_nonce"`}, true},
		{"parameter name in another case", []string{`DPoP ERROR="use_dpop_nonce"`}, true},
		{"error not the first parameter", []string{`DPoP algs="ES256 PS256", error="use_dpop_nonce"`}, true},
		{"spaces around =", []string{`DPoP error = "use_dpop_nonce"`}, true},
		{"after a Bearer challenge on the same line", []string{`Bearer realm="api", error="invalid_token", DPoP error="use_dpop_nonce"`}, true},
		{"after a token68 challenge on the same line", []string{`Negotiate abc==, DPoP error="use_dpop_nonce"`}, true},
		{"on the second header line", []string{`Bearer realm="api"`, `DPoP error="use_dpop_nonce"`}, true},
		{"a comma inside a quoted value", []string{`DPoP error_description="a, b", error="use_dpop_nonce"`}, true},
		{"empty list elements", []string{`, DPoP ,, error="use_dpop_nonce"`}, true},
		{"the gate's own line offering both schemes", []string{`Bearer, DPoP error="use_dpop_nonce", error_description="the DPoP proof must carry the server's current nonce", algs="ES256 EdDSA"`}, true},
		{"another DPoP error", []string{`DPoP error="invalid_dpop_proof"`}, false},
		{"the value in another case is another error", []string{`DPoP error="USE_DPOP_NONCE"`}, false},
		{"use_dpop_nonce under Bearer", []string{`Bearer error="use_dpop_nonce"`}, false},
		{"use_dpop_nonce in a description only", []string{`DPoP error_description="use_dpop_nonce"`}, false},
		{"a quoted value containing the parameter", []string{`DPoP error_description="x, error=use_dpop_nonce"`}, false},
		{"Bearer after DPoP owns the parameter", []string{`DPoP algs="ES256", Bearer error="use_dpop_nonce"`}, false},
		{"unterminated quoted string", []string{`DPoP error="use_dpop_nonce`}, false},
		{"escaped quote inside", []string{`DPoP error="use_dpop_nonce\""`}, false},
		{"no header", nil, false},
		{"garbage", []string{`=,"=,\`}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := asksForNonce(tc.values); got != tc.want {
				t.Fatalf("asksForNonce(%q) = %v, want %v", tc.values, got, tc.want)
			}
		})
	}
}

// FuzzAsksForNonce: any header value is read without a panic, and a yes
// needs a DPoP scheme and the use_dpop_nonce value in the line.
func FuzzAsksForNonce(f *testing.F) {
	for _, s := range []string{`DPoP error="use_dpop_nonce"`, `Bearer, DPoP error=use_dpop_nonce, algs="ES256"`,
		`Negotiate abc==, DPoP error="use_dpop_nonce"`, `DPoP error="a\"b, c", x=y`, `"`, `\`, `,,=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if asksForNonce([]string{v}) && (!strings.Contains(strings.ToLower(v), "dpop") || !strings.Contains(v, "use_dpop_nonce")) {
			t.Fatalf("asksForNonce(%q) = true", v)
		}
	})
}

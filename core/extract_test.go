package core

import (
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestExtractBearer(t *testing.T) {
	const jwtLike = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln-_"
	cases := []struct {
		name          string
		header        string
		wantToken     string
		wantOK        bool
		wantMalformed bool
	}{
		{"canonical Bearer scheme yields the token", "Bearer " + jwtLike, jwtLike, true, false},
		{"lower-case scheme is accepted (RFC 7235)", "bearer abc", "abc", true, false},
		{"upper-case scheme is accepted", "BEARER abc", "abc", true, false},
		{"mixed-case scheme is accepted", "BeArEr abc", "abc", true, false},
		{"tab after the scheme is accepted", "Bearer\tabc", "abc", true, false},
		{"several spaces after the scheme are accepted", "Bearer    abc", "abc", true, false},
		{"mixed spaces and tabs after the scheme are accepted", "Bearer \t \tabc", "abc", true, false},
		{"trailing white space is not part of the token", "Bearer abc \t", "abc", true, false},
		{"leading white space before the scheme is ignored", "  Bearer abc", "abc", true, false},
		{"base64 padding stays in the token", "Bearer abc==", "abc==", true, false},
		{"Basic scheme is not a session token", "Basic dXNlcjpwYXNz", "", false, false},
		{"Digest scheme is not a session token", `Digest username="u"`, "", false, false},
		{"scheme that starts with Bearer is another scheme", "BearerX abc", "", false, false},
		{"Bearer glued to the token is another scheme", "Bearerabc", "", false, false},
		{"empty value carries no token", "", "", false, false},
		{"value shorter than the scheme carries no token", "Bear", "", false, false},
		{"Bearer alone is malformed", "Bearer", "", true, true},
		{"lower-case bearer alone is malformed", "bearer", "", true, true},
		{"Bearer followed by spaces only is malformed", "Bearer   ", "", true, true},
		{"Bearer followed by a tab only is malformed", "Bearer\t", "", true, true},
		{"two tokens separated by a space are malformed", "Bearer a b", "", true, true},
		{"two tokens separated by a tab are malformed", "Bearer a\tb", "", true, true},
		{"comma-separated parameters are malformed", "Bearer a,b", "", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, ok, malformed := bearer(tc.header)
			if tok != tc.wantToken || ok != tc.wantOK || malformed != tc.wantMalformed {
				t.Fatalf("bearer(%q) = (%q, ok=%v, malformed=%v), want (%q, ok=%v, malformed=%v)",
					tc.header, tok, ok, malformed, tc.wantToken, tc.wantOK, tc.wantMalformed)
			}
		})
	}
}

func TestExtractCookieValues(t *testing.T) {
	cv := func(name, value string) cookieValue { return cookieValue{name: name, value: value} }
	many := func(name string, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = name + "=v" + strconv.Itoa(i+1)
		}
		return strings.Join(parts, "; ")
	}
	vals := func(name string, n int) []cookieValue {
		out := make([]cookieValue, n)
		for i := range out {
			out[i] = cv(name, "v"+strconv.Itoa(i+1))
		}
		return out
	}
	cases := []struct {
		name     string
		lines    []string
		names    []string
		wantVals []cookieValue
		wantDups []string
	}{
		{
			name:     "one value of the current name",
			lines:    []string{"sid=a"},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "a")},
		},
		{
			name:     "every value of a name on one Cookie line, in arrival order",
			lines:    []string{"sid=a; sid=b"},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "a"), cv("sid", "b")},
			wantDups: []string{"sid"},
		},
		{
			name:     "every value of a name across several Cookie lines",
			lines:    []string{"sid=a; lang=en", "theme=dark; sid=b"},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "a"), cv("sid", "b")},
			wantDups: []string{"sid"},
		},
		{
			name:     "current name comes before former names whatever the arrival order",
			lines:    []string{"cbo_short_session=old; cbo_session_token=new"},
			names:    []string{"cbo_session_token", "cbo_short_session"},
			wantVals: []cookieValue{cv("cbo_session_token", "new"), cv("cbo_short_session", "old")},
		},
		{
			name:     "one value under each of two names is not a duplicate",
			lines:    []string{"sid=a; old=b"},
			names:    []string{"sid", "old"},
			wantVals: []cookieValue{cv("sid", "a"), cv("old", "b")},
		},
		{
			name:     "duplicates are listed for every name that came more than once",
			lines:    []string{"sid=a; old=c; sid=b; old=d"},
			names:    []string{"sid", "old"},
			wantVals: []cookieValue{cv("sid", "a"), cv("sid", "b"), cv("old", "c"), cv("old", "d")},
			wantDups: []string{"sid", "old"},
		},
		{
			name:     "double-quoted value is unquoted",
			lines:    []string{`sid="abc.def"`},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "abc.def")},
		},
		{
			name:     "quoted and unquoted copies of one value are one candidate",
			lines:    []string{`sid="abc"; sid=abc`},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "abc")},
			wantDups: []string{"sid"},
		},
		{
			name:     "exact duplicate value is verified once but still reported as a duplicate",
			lines:    []string{"sid=a; sid=a"},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "a")},
			wantDups: []string{"sid"},
		},
		{
			name:     "the same value under a former name is dropped",
			lines:    []string{"sid=a; old=a"},
			names:    []string{"sid", "old"},
			wantVals: []cookieValue{cv("sid", "a")},
		},
		{
			name:     "values are capped at maxCookieValues",
			lines:    []string{many("sid", maxCookieValues+3)},
			names:    []string{"sid"},
			wantVals: vals("sid", maxCookieValues),
			wantDups: []string{"sid"},
		},
		{
			name:     "the cap keeps the current name's value ahead of former names",
			lines:    []string{many("old", maxCookieValues) + "; sid=cur"},
			names:    []string{"sid", "old"},
			wantVals: append([]cookieValue{cv("sid", "cur")}, vals("old", maxCookieValues-1)...),
			wantDups: []string{"old"},
		},
		{
			name:     "names that only share a prefix or suffix are not matched",
			lines:    []string{"sid2=a; xsid=b; sid_old=c; sid=d"},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "d")},
		},
		{
			name:  "cookie names are case-sensitive",
			lines: []string{"SID=a; Sid=b"},
			names: []string{"sid"},
		},
		{
			name:     "empty values are skipped and not counted as duplicates",
			lines:    []string{"sid=; sid=a", `sid=""`},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "a")},
		},
		{
			name:     "a part without = is ignored",
			lines:    []string{"sid; sid=a"},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "a")},
		},
		{
			name:     "value containing = is kept whole",
			lines:    []string{"sid=abc=="},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "abc==")},
		},
		{
			name:     "spaces and tabs around pairs are ignored",
			lines:    []string{"lang=en;\tsid=a ;  sid=b"},
			names:    []string{"sid"},
			wantVals: []cookieValue{cv("sid", "a"), cv("sid", "b")},
			wantDups: []string{"sid"},
		},
		{
			name:  "no Cookie header yields nothing",
			lines: nil,
			names: []string{"sid"},
		},
		{
			name:  "no configured names yields nothing",
			lines: []string{"sid=a"},
			names: nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vals, dups := cookieValues(tc.lines, tc.names)
			if len(vals) != len(tc.wantVals) || (len(vals) > 0 && !reflect.DeepEqual(vals, tc.wantVals)) {
				t.Errorf("values = %+v, want %+v", vals, tc.wantVals)
			}
			if len(dups) != len(tc.wantDups) || (len(dups) > 0 && !reflect.DeepEqual(dups, tc.wantDups)) {
				t.Errorf("dups = %q, want %q", dups, tc.wantDups)
			}
			if len(vals) > maxCookieValues {
				t.Errorf("%d candidates exceed the cap of %d", len(vals), maxCookieValues)
			}
		})
	}
}

func TestExtractTransferString(t *testing.T) {
	cases := []struct {
		name string
		in   Transfer
		want string
	}{
		{"the zero value is any (the default)", Transfer(0), "any"},
		{"TransferAny prints any", TransferAny, "any"},
		{"TransferHeader prints header", TransferHeader, "header"},
		{"TransferCookie prints cookie", TransferCookie, "cookie"},
		{"a value past the last mode prints invalid", TransferCookie + 1, "invalid"},
		{"a negative value prints invalid", Transfer(-1), "invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.String(); got != tc.want {
				t.Fatalf("Transfer(%d).String() = %q, want %q", int(tc.in), got, tc.want)
			}
		})
	}
}

func TestExtractHTTPRequestView(t *testing.T) {
	r := &http.Request{
		Method: http.MethodPost,
		Host:   "api.example.com:8443",
		Header: http.Header{
			"Cookie":        {"sid=a", "sid=b"},
			"Authorization": {"Bearer x"},
		},
		URL: &url.URL{RawQuery: "token=q1&token=q2"},
	}
	v := HTTPRequest(r)
	cases := []struct {
		name string
		got  any
		want any
	}{
		{"Method is passed through", v.Method(), http.MethodPost},
		{"Host keeps the port", v.Host(), "api.example.com:8443"},
		{"Header returns every Cookie line", v.Header("Cookie"), []string{"sid=a", "sid=b"}},
		{"Header name is canonicalised", v.Header("authorization"), []string{"Bearer x"}},
		{"absent header is nil", v.Header("X-Missing") == nil, true},
		{"Query returns the first value", v.Query("token"), "q1"},
		{"absent query parameter is empty", v.Query("nope"), ""},
		{"Query without a URL is empty", HTTPRequest(&http.Request{}).Query("token"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Fatalf("got %#v, want %#v", tc.got, tc.want)
			}
		})
	}
}

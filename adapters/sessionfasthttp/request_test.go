package sessionfasthttp

import (
	"bufio"
	"slices"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// parse reads a raw HTTP/1.1 request the way fasthttp's server does.
func parse(t *testing.T, raw string, keepCase bool) *fasthttp.Request {
	t.Helper()
	r := new(fasthttp.Request)
	if keepCase {
		r.Header.DisableNormalizing() // what fiber's DisableHeaderNormalizing does
	}
	if err := r.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		t.Fatal(err)
	}
	return r
}

// pairs splits the Cookie lines the view returns into "k=v" pairs, in order.
func pairs(lines []string) []string {
	var out []string
	for _, l := range lines {
		for p := range strings.SplitSeq(l, ";") {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return out
}

func TestRequestCookieLines(t *testing.T) {
	tests := []struct {
		name, cookies string // the Cookie header lines of the request
		want          []string
	}{
		{"two values of one name in one line both reach core",
			"Cookie: sid=a; sid=b\r\n", []string{"sid=a", "sid=b"}},
		{"values spread over two Cookie lines all reach core, in order",
			"Cookie: theme=dark; sid=a\r\nCookie: sid=b\r\n", []string{"theme=dark", "sid=a", "sid=b"}},
		{"duplicates spread over three lines all reach core",
			"Cookie: sid=a\r\nCookie: sid=b; sid_legacy=c\r\nCookie: sid=d\r\n", []string{"sid=a", "sid=b", "sid_legacy=c", "sid=d"}},
		{"a value with '=' in it is kept whole",
			"Cookie: sid=a=b\r\n", []string{"sid=a=b"}},
	}
	for _, tt := range tests {
		for _, parsedFirst := range []bool{false, true} {
			name := tt.name
			if parsedFirst {
				name += " (cookies parsed by an earlier middleware)"
			}
			t.Run(name, func(t *testing.T) {
				r := parse(t, "GET / HTTP/1.1\r\nHost: api.example.test\r\n"+tt.cookies+"\r\n", false)
				if parsedFirst {
					r.Header.Cookie("sid") // what c.Cookies does
				}
				if got := pairs(Request(r).Header("Cookie")); !slices.Equal(got, tt.want) {
					t.Errorf("cookie pairs = %q, want %q", got, tt.want)
				}
			})
		}
	}
}

// fasthttp's own PeekAll is not enough, which is why the view's Header walks
// VisitAll: with DisableHeaderNormalizing it matches names by exact case, and
// once the cookies are parsed it returns one rebuilt Cookie line instead of
// the lines as sent. If fasthttp changes either, this test says so.
func TestPeekAllIsNotEnough(t *testing.T) {
	r := parse(t, "GET / HTTP/1.1\r\nHost: a\r\nauthorization: Bearer x\r\nAuthorization: Bearer y\r\nsec-fetch-site: cross-site\r\n\r\n", true)
	if got := len(r.Header.PeekAll("Authorization")); got != 1 {
		t.Errorf("PeekAll(Authorization) with kept case = %d lines, want 1 (the other case is missed)", got)
	}
	if got := len(r.Header.PeekAll("Sec-Fetch-Site")); got != 0 {
		t.Errorf("PeekAll(Sec-Fetch-Site) with kept case = %d lines, want 0 (lower case is missed)", got)
	}

	r = parse(t, "GET / HTTP/1.1\r\nHost: a\r\nCookie: sid=a\r\nCookie: sid=b\r\n\r\n", false)
	if got := len(r.Header.PeekAll("Cookie")); got != 2 {
		t.Errorf("PeekAll(Cookie) before parsing = %d lines, want the 2 lines as sent", got)
	}
	r.Header.Cookie("sid")
	if got := r.Header.PeekAll("Cookie"); len(got) != 1 || string(got[0]) != "sid=a; sid=b" {
		t.Errorf("PeekAll(Cookie) after parsing = %q, want one rebuilt line keeping both values", got)
	}
}

func TestRequestHeaderNamesAnyCase(t *testing.T) {
	raw := "POST / HTTP/1.1\r\nHost: api.example.test:8443\r\nauthorization: Bearer x\r\nAuthorization: Bearer y\r\n" +
		"sec-fetch-site: cross-site\r\nORIGIN: https://evil.example.test\r\ncookie: sid=a\r\n\r\n"
	for _, keepCase := range []bool{false, true} {
		r := Request(parse(t, raw, keepCase))
		if got := r.Header("Authorization"); !slices.Equal(got, []string{"Bearer x", "Bearer y"}) {
			t.Errorf("keepCase=%v: Authorization = %q, want both lines (core answers two with 400)", keepCase, got)
		}
		if got := r.Header("Sec-Fetch-Site"); !slices.Equal(got, []string{"cross-site"}) {
			t.Errorf("keepCase=%v: Sec-Fetch-Site = %q", keepCase, got)
		}
		if got := r.Header("Origin"); !slices.Equal(got, []string{"https://evil.example.test"}) {
			t.Errorf("keepCase=%v: Origin = %q", keepCase, got)
		}
		if got := r.Header("Cookie"); !slices.Equal(got, []string{"sid=a"}) {
			t.Errorf("keepCase=%v: Cookie = %q", keepCase, got)
		}
		if got := r.Header("X-Absent"); got != nil {
			t.Errorf("keepCase=%v: absent header = %q, want nil", keepCase, got)
		}
		if r.Method() != "POST" || r.Host() != "api.example.test:8443" {
			t.Errorf("keepCase=%v: Method, Host = %q, %q", keepCase, r.Method(), r.Host())
		}
	}
}

// Within the handler, what the view returned stays as it was, however
// often core reads the request again (VisitAll rebuilds the Cookie line in
// a buffer it reuses, so that line is a copy).
func TestRequestValuesHoldDuringTheHandler(t *testing.T) {
	r := parse(t, "GET /?access_token=AAAA HTTP/1.1\r\nHost: one.test\r\nAuthorization: Bearer AAAA\r\nX-Session-Token: AAAA\r\nCookie: sid=AAAA; x=1\r\nCookie: sid=CCCC\r\n\r\n", false)
	v := Request(r)
	authz, hdr, cookie, query := v.Header("Authorization"), v.Header("X-Session-Token"), v.Header("Cookie"), v.Query("access_token")
	r.Header.Cookie("sid") // an earlier middleware parsing cookies changes how VisitAll yields them
	for range 3 {
		v.Header("Cookie")
		v.Header("Origin")
		v.Query("access_token")
	}
	for name, got := range map[string]string{
		"Authorization": authz[0], "X-Session-Token": hdr[0], "Cookie": cookie[0], "query": query,
	} {
		if !strings.Contains(got, "AAAA") {
			t.Errorf("%s changed to %q while the handler ran", name, got)
		}
	}
}

// What fasthttp may rebuild or what is cheap to copy (the Cookie line,
// Host, Method) survives fasthttp reusing the request; header values and
// query arguments need not (core.Request: core copies the token it keeps,
// and core's TestCheckKeepsNoRequestString holds it to that).
func TestRequestCopiesWhatItMustKeep(t *testing.T) {
	r := parse(t, "POST / HTTP/1.1\r\nHost: one.test\r\nCookie: sid=AAAA\r\n\r\n", false)
	v := Request(r)
	cookie, host, method := v.Header("Cookie"), v.Host(), v.Method()
	r.Reset()
	if err := r.Read(bufio.NewReader(strings.NewReader("GET / HTTP/1.1\r\nHost: two.test\r\nCookie: sid=BBBB\r\n\r\n"))); err != nil {
		t.Fatal(err)
	}
	v.Header("Cookie") // fasthttp reuses VisitAll's buffer
	if cookie[0] != "sid=AAAA" || host != "one.test" || method != "POST" {
		t.Errorf("after fasthttp reused the request: Cookie %q, Host %q, Method %q", cookie[0], host, method)
	}
}

// Adapters call Request once per request: the view must cost no allocation.
func TestRequestViewDoesNotAllocate(t *testing.T) {
	r := parse(t, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", false)
	var v interface{ Method() string }
	if n := testing.AllocsPerRun(100, func() { v = Request(r) }); n != 0 {
		t.Errorf("Request(r) allocates %v times, want 0", n)
	}
	_ = v
}

// TestRequestPath pins Path: the target's path as sent, still escaped,
// without query or fragment, as core.HTTPRequest gives it.
func TestRequestPath(t *testing.T) {
	for _, tc := range []struct{ target, want string }{
		{"/auth/refresh", "/auth/refresh"},
		{"/a%20b/c?x=1", "/a%20b/c"},
		{"/p?x=/q", "/p"},
		{"http://api.example.test/p/q?x=1", "/p/q"},
		{"/", "/"},
	} {
		r := parse(t, "GET "+tc.target+" HTTP/1.1\r\nHost: api.example.test\r\n\r\n", false)
		if got := Request(r).Path(); got != tc.want {
			t.Errorf("%s: Path() = %q, want %q", tc.target, got, tc.want)
		}
	}
}

package devissuer_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// listenRows are listen addresses for every listener below: anything that
// is not a loopback IP or "localhost" is refused, so a mistyped flag cannot
// put a token mint on the network.
var listenRows = []struct {
	name   string
	addr   string
	unsafe bool
	// refused: errors.Is(err, ErrNotLoopback); otherwise it listens on a
	// loopback address (or, with unsafe, wherever it was told to).
	refused bool
}{
	{name: "empty address: the default 127.0.0.1 with a free port", addr: ""},
	{name: "127.0.0.1 with a free port", addr: "127.0.0.1:0"},
	{name: "localhost: resolves to loopback and the listener proves it", addr: "localhost:0"},
	{name: "empty host :port listens on every interface: refused", addr: ":0", refused: true},
	{name: "0.0.0.0 (every IPv4 interface): refused", addr: "0.0.0.0:0", refused: true},
	{name: "[::] (every interface): refused", addr: "[::]:0", refused: true},
	{name: "a LAN address: refused", addr: "192.168.1.10:0", refused: true},
	{name: "a documentation address not on this machine: refused before listening", addr: "192.0.2.1:0", refused: true},
	{name: "a name other than localhost: refused (what it resolves to can change)", addr: "example.com:0", refused: true},
	{name: "a name that only starts with localhost: refused", addr: "localhost.evil.example:0", refused: true},
	{name: "a name that only starts with a loopback IP: refused", addr: "127.0.0.1.evil.example:0", refused: true},
	{name: "UnsafeAllowNonLoopback: 0.0.0.0 listens", addr: "0.0.0.0:0", unsafe: true},
}

// listeners are the two ways the package listens; both must judge an
// address alike. Each returns the host it listens on and how to close it.
var listeners = []struct {
	name   string
	listen func(addr string, unsafe bool) (host string, closeFn func(), err error)
}{
	{"Start", func(addr string, unsafe bool) (string, func(), error) {
		s, err := devissuer.Start(addr, devissuer.Config{UnsafeAllowNonLoopback: unsafe})
		if err != nil {
			return "", nil, err
		}
		u, _ := url.Parse(s.URL())
		return u.Hostname(), func() { s.Close() }, nil
	}},
	{"ListenLoopback", func(addr string, _ bool) (string, func(), error) {
		ln, err := devissuer.ListenLoopback(addr)
		if err != nil {
			return "", nil, err
		}
		return ln.Addr().(*net.TCPAddr).IP.String(), func() { ln.Close() }, nil
	}},
}

func TestListenOnLoopbackOnly(t *testing.T) {
	for _, row := range listenRows {
		for _, l := range listeners {
			if row.unsafe && l.name != "Start" {
				continue // an option of Start only
			}
			t.Run(l.name+": "+row.name, func(t *testing.T) {
				host, closeFn, err := l.listen(row.addr, row.unsafe)
				if err == nil {
					defer closeFn()
				}
				if row.refused {
					if !errors.Is(err, devissuer.ErrNotLoopback) {
						t.Fatalf("%s(%q): %v, want ErrNotLoopback", l.name, row.addr, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s(%q): %v", l.name, row.addr, err)
				}
				ip := net.ParseIP(host)
				if row.unsafe {
					// The opt-in must really listen where asked, not on loopback.
					if ip == nil || !ip.IsUnspecified() {
						t.Errorf("%s(%q) with UnsafeAllowNonLoopback listens on %s, want every interface", l.name, row.addr, host)
					}
					return
				}
				if ip == nil || !ip.IsLoopback() {
					t.Errorf("%s(%q) listens on %s, want loopback", l.name, row.addr, host)
				}
			})
		}
	}
}

// TestHandlerAnswersLoopbackHostsOnly pins the DNS-rebinding defence: a page
// on evil.example whose name is re-pointed at 127.0.0.1 reaches the issuer's
// port with "Host: evil.example", and must not get a token.
func TestHandlerAnswersLoopbackHostsOnly(t *testing.T) {
	rows := []struct {
		name    string
		issuer  string
		allowed []string
		host    string
		status  int
	}{
		{name: "localhost with port", host: "localhost:8081", status: 200},
		{name: "localhost without port", host: "localhost", status: 200},
		{name: "localhost in capitals (host names are case-insensitive)", host: "LocalHost:8081", status: 200},
		{name: "127.0.0.1", host: "127.0.0.1:8081", status: 200},
		{name: "any address of 127.0.0.0/8", host: "127.45.6.7", status: 200},
		{name: "[::1]", host: "[::1]:8081", status: 200},
		{name: "IPv4-mapped 127.0.0.1", host: "[::ffff:127.0.0.1]:8081", status: 200},
		{name: "DNS rebinding name evil.example: 421", host: "evil.example:8081", status: 421},
		{name: "DNS rebinding name without port: 421", host: "evil.example", status: 421},
		{name: "0.0.0.0, which some browsers route to loopback: 421", host: "0.0.0.0:8081", status: 421},
		{name: "name starting with localhost: 421", host: "localhost.evil.example:8081", status: 421},
		{name: "name starting with a loopback IP: 421", host: "127.0.0.1.evil.example", status: 421},
		{name: "subdomain of localhost is not allowed unless listed: 421", host: "app.localhost:8081", status: 421},
		{name: "a LAN address: 421", host: "192.168.1.10:8081", status: 421},
		{name: "no Host at all: 421", host: "", status: 421},
		{name: "AllowedHosts name", allowed: []string{"api.example.test"}, host: "api.example.test:8080", status: 200},
		{name: "AllowedHosts name in other case", allowed: []string{"API.example.test"}, host: "api.EXAMPLE.test", status: 200},
		{name: "AllowedHosts are exact: a subdomain of one: 421", allowed: []string{"api.example.test"}, host: "www.api.example.test", status: 421},
		{name: "AllowedHosts are exact: its parent: 421", allowed: []string{"api.example.test"}, host: "example.test", status: 421},
		{name: "the host of Config.Issuer", issuer: "http://issuer.example.test:8081", host: "issuer.example.test:8081", status: 200},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			issuer := row.issuer
			if issuer == "" {
				issuer = "http://127.0.0.1:8081"
			}
			iss, err := devissuer.New(devissuer.Config{Issuer: issuer, AllowedHosts: row.allowed, Cookies: cookieWriter(t, ""), CookieName: "sid"})
			if err != nil {
				t.Fatal(err)
			}
			for _, target := range []struct {
				name string
				h    http.Handler
				path string
			}{
				{"Handler /token", iss.Handler(), "/token?sub=admin"},
				{"Handler /login", iss.Handler(), "/login?sub=admin"},
				{"Handler /.well-known/jwks", iss.Handler(), "/.well-known/jwks"},
				{"LoginHandler", iss.LoginHandler(cookieWriter(t, ""), "sid"), "/login?sub=admin"},
			} {
				r := httptest.NewRequest(http.MethodGet, target.path, nil)
				r.Host = row.host
				w := httptest.NewRecorder()
				target.h.ServeHTTP(w, r)
				if w.Code != row.status {
					t.Errorf("%s with Host %q: status %d, want %d", target.name, row.host, w.Code, row.status)
				}
				if row.status == 421 && (strings.Contains(w.Body.String(), `"token"`) || len(w.Result().Cookies()) > 0) {
					t.Errorf("%s with Host %q: the refusal carries a token or a cookie", target.name, row.host)
				}
			}
		})
	}
}

func TestNewValidatesAllowedHosts(t *testing.T) {
	rows := []struct {
		name  string
		hosts []string
		ok    bool
	}{
		{name: "a host name", hosts: []string{"api.example.test"}, ok: true},
		{name: "an IP", hosts: []string{"10.0.0.5"}, ok: true},
		{name: "empty entry: error", hosts: []string{""}},
		{name: "with a port: error (any port is answered)", hosts: []string{"api.example.test:8080"}},
		{name: "wildcard: error (names are exact)", hosts: []string{"*.example.test"}},
		{name: "a URL: error", hosts: []string{"http://api.example.test"}},
		{name: "white space inside: error", hosts: []string{"api example.test"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			_, err := devissuer.New(devissuer.Config{Issuer: "http://127.0.0.1:8081", AllowedHosts: row.hosts})
			if (err == nil) != row.ok {
				t.Fatalf("New: %v, want ok=%v", err, row.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "AllowedHosts") {
				t.Errorf("error %q does not name the field", err)
			}
		})
	}
}

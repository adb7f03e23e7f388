package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// syncBuffer is written by run while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var startLine = regexp.MustCompile(`dev issuer listening on (http://\S+)`)

// started is one run of the command.
type started struct {
	url  string
	out  *syncBuffer
	stop func() error
}

// start runs the command with args (plus a key file in a temp dir unless
// args name one) until the test ends, and returns its URL.
func start(t *testing.T, args ...string) started {
	t.Helper()
	if !slices.Contains(args, "-key") {
		args = append(args, "-key", filepath.Join(t.TempDir(), "key.pem"))
	}
	if !slices.Contains(args, "-addr") {
		args = append(args, "-addr", "127.0.0.1:0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, out, io.Discard) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := startLine.FindStringSubmatch(out.String()); m != nil {
			return started{url: m[1], out: out, stop: stop}
		}
		select {
		case err := <-done:
			t.Fatalf("run %q: %v", args, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("run %q did not start:\n%s", args, out)
	return started{}
}

// runErr runs the command with args and returns its error; it must fail
// before serving.
func runErr(t *testing.T, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := &syncBuffer{}
	err := run(ctx, args, out, io.Discard)
	if err == nil || startLine.MatchString(out.String()) {
		t.Fatalf("run %q started (err %v); want it refused", args, err)
	}
	return err
}

var client = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// fetch sends a GET with optional headers (Host via "Host") and returns the
// response with its body read.
func fetch(t *testing.T, u string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// token gets a token from /token with query and returns it.
func token(t *testing.T, base, query string) string {
	t.Helper()
	resp, body := fetch(t, base+"/token?"+query)
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(body), &tok); err != nil || resp.StatusCode != 200 || tok.Token == "" {
		t.Fatalf("/token?%s: status %d, %s", query, resp.StatusCode, body)
	}
	return tok.Token
}

// verify checks tok against the issuer's JWKS at base, as a gate does.
func verify(t *testing.T, iss, base, tok string) (*core.Session, error) {
	t.Helper()
	g, err := core.New(core.Config{
		Issuers: []core.Issuer{{Name: iss, JWKSURL: base + "/.well-known/jwks"}},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	return g.Verify(tok, core.SourceAuthorization)
}

func TestFlagAddr(t *testing.T) {
	t.Run("-addr 127.0.0.1:0: serves on loopback, the URL is the iss", func(t *testing.T) {
		s := start(t)
		if u, _ := url.Parse(s.url); u.Hostname() != "127.0.0.1" {
			t.Fatalf("URL %s", s.url)
		}
		if sess, err := verify(t, s.url, s.url, token(t, s.url, "sub=alice")); err != nil || sess.Subject != "alice" || sess.Issuer != s.url {
			t.Errorf("token: %v", err)
		}
	})
	for _, addr := range []string{"0.0.0.0:0", ":0", "example.com:0"} {
		t.Run("-addr "+addr+": refused, naming the flag", func(t *testing.T) {
			err := runErr(t, "-addr", addr, "-key", filepath.Join(t.TempDir(), "k.pem"))
			if !errors.Is(err, devissuer.ErrNotLoopback) || !strings.HasPrefix(err.Error(), "-addr ") {
				t.Errorf("%v, want ErrNotLoopback naming -addr", err)
			}
		})
	}
	t.Run("-addr on a port in use: refused with a hint", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		err = runErr(t, "-addr", ln.Addr().String(), "-key", filepath.Join(t.TempDir(), "k.pem"))
		if !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), "choose another with -addr") {
			t.Errorf("%v, want a message that the port is in use and names -addr", err)
		}
	})
}

func TestFlagIssuer(t *testing.T) {
	s := start(t, "-issuer", "http://issuer.example.test:8081")
	if !strings.Contains(s.out.String(), "iss     http://issuer.example.test:8081") {
		t.Errorf("the start message does not show the iss:\n%s", s.out)
	}
	tok := token(t, s.url, "sub=alice")
	if sess, err := verify(t, "http://issuer.example.test:8081", s.url, tok); err != nil || sess.Issuer != "http://issuer.example.test:8081" {
		t.Errorf("token with -issuer: %v", err)
	}
	// The issuer's own host is answered on, as the discovery document names it.
	if resp, _ := fetch(t, s.url+"/.well-known/jwks", "Host", "issuer.example.test:8081"); resp.StatusCode != 200 {
		t.Errorf("Host of -issuer: status %d, want 200", resp.StatusCode)
	}
}

func TestFlagAudAndTTL(t *testing.T) {
	s := start(t, "-aud", "orders", "-aud", "billing", "-ttl", "5m")
	before := time.Now().Truncate(time.Second)
	sess, err := verify(t, s.url, s.url, token(t, s.url, "sub=alice"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sess.Audience, []string{"orders", "billing"}) {
		t.Errorf("aud %q, want the -aud values", sess.Audience)
	}
	if life := sess.ExpiresAt.Sub(before); life < 5*time.Minute || life > 5*time.Minute+2*time.Second {
		t.Errorf("lifetime %v, want -ttl 5m", life)
	}
	sess, err = verify(t, s.url, s.url, token(t, s.url, "aud=payments&ttl=1h"))
	if err != nil || !slices.Equal(sess.Audience, []string{"payments"}) || sess.ExpiresAt.Sub(before) < time.Hour {
		t.Errorf("/token?aud=&ttl= do not override the defaults: %v %v", err, sess)
	}
}

func TestFlagCookie(t *testing.T) {
	rows := []struct {
		name  string
		args  []string
		want  []string
		avoid []string
	}{
		{"default: cookie session, host-only, no Secure on plain HTTP", nil,
			[]string{"session=", "; Path=/", "; HttpOnly", "; SameSite=Lax"}, []string{"Domain=", "Secure"}},
		{"-cookie-name and -cookie-domain: that name on that domain", []string{"-cookie-name", "cbo_session_token", "-cookie-domain", "example.test"},
			[]string{"cbo_session_token=", "; Domain=example.test"}, []string{"Secure"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			s := start(t, row.args...)
			resp, _ := fetch(t, s.url+"/login?sub=alice&redirect="+url.QueryEscape("http://127.0.0.1:9001/"))
			line := resp.Header.Get("Set-Cookie")
			for _, w := range row.want {
				if !strings.Contains(line, w) {
					t.Errorf("Set-Cookie %q lacks %q", line, w)
				}
			}
			for _, a := range row.avoid {
				if strings.Contains(line, a) {
					t.Errorf("Set-Cookie %q has %q", line, a)
				}
			}
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "http://127.0.0.1:9001/" {
				t.Errorf("status %d Location %q; want 303 back to the app on another loopback port", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
	t.Run("-cookie-domain that is a public suffix: refused, naming the flags", func(t *testing.T) {
		err := runErr(t, "-addr", "127.0.0.1:0", "-key", filepath.Join(t.TempDir(), "k.pem"), "-cookie-domain", "com")
		if !strings.Contains(err.Error(), "-cookie-domain") {
			t.Errorf("%v", err)
		}
	})
}

func TestFlagAllowHost(t *testing.T) {
	s := start(t, "-allow-host", "www.example.test", "-allow-host", "api.example.test")
	for host, want := range map[string]int{"www.example.test:8081": 200, "api.example.test": 200, "localhost": 200, "evil.example": 421, "www.example.test.evil.example": 421} {
		if resp, _ := fetch(t, s.url+"/token", "Host", host); resp.StatusCode != want {
			t.Errorf("Host %s: status %d, want %d", host, resp.StatusCode, want)
		}
	}
	if err := runErr(t, "-addr", "127.0.0.1:0", "-key", filepath.Join(t.TempDir(), "k.pem"), "-allow-host", "*.example.test"); !strings.Contains(err.Error(), "AllowedHosts") {
		t.Errorf("-allow-host with a wildcard: %v", err)
	}
}

func TestFlagCORSOrigin(t *testing.T) {
	s := start(t, "-cors-origin", "http://www.example.test:9012")
	for origin, want := range map[string]string{"http://www.example.test:9012": "http://www.example.test:9012", "http://evil.example": ""} {
		if resp, _ := fetch(t, s.url+"/token", "Origin", origin); resp.Header.Get("Access-Control-Allow-Origin") != want {
			t.Errorf("Origin %s: Access-Control-Allow-Origin %q, want %q", origin, resp.Header.Get("Access-Control-Allow-Origin"), want)
		}
	}
	if err := runErr(t, "-addr", "127.0.0.1:0", "-key", filepath.Join(t.TempDir(), "k.pem"), "-cors-origin", "*"); !strings.Contains(err.Error(), "CORSOrigins") {
		t.Errorf("-cors-origin *: %v", err)
	}
}

func TestFlagKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "key.pem")
	first := start(t, "-key", path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("-key: no file created: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %v, want 0700", di.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if block, _ := pem.Decode(data); block == nil || block.Type != "EC PRIVATE KEY" {
		t.Errorf("key file is not a PEM EC private key:\n%s", data)
	}
	if !strings.Contains(first.out.String(), "(created;") {
		t.Errorf("the start message does not say the key was created:\n%s", first.out)
	}
	first.stop()
	second := start(t, "-key", path)
	if !strings.Contains(second.out.String(), "(reused;") {
		t.Errorf("the start message does not say the key was reused:\n%s", second.out)
	}
	if kid := regexp.MustCompile(`kid (\S+);`); kid.FindString(first.out.String()) != kid.FindString(second.out.String()) {
		t.Error("a reused key file gave another kid")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(data, after) {
		t.Error("the key file was rewritten")
	}
}

func TestFlagKeyRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalECPrivateKey(p384)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	rows := []struct {
		name, path, mentions string
	}{
		{"a directory (unreadable as a file)", dir, "reading key file"},
		{"not PEM", write("garbage.pem", []byte("not a key")), "not a PEM file"},
		{"a P-384 EC key", write("p384.pem", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: p384DER})), "not P-256"},
		{"an RSA key in PKCS #8", write("rsa.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rsaDER})), "not an EC key"},
		{"a certificate", write("cert.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})), "not an EC private key"},
		{"an EC PEM block that does not parse", write("broken.pem", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte{1, 2}})), "parsing the key"},
	}
	for _, row := range rows {
		t.Run(row.name+": refused and left in place", func(t *testing.T) {
			before, _ := os.ReadFile(row.path)
			err := runErr(t, "-addr", "127.0.0.1:0", "-key", row.path)
			if !strings.HasPrefix(err.Error(), "-key: ") || !strings.Contains(err.Error(), row.mentions) {
				t.Errorf("%v, want an error naming -key that mentions %q", err, row.mentions)
			}
			if after, _ := os.ReadFile(row.path); !bytes.Equal(before, after) {
				t.Error("the key file was replaced")
			}
		})
	}
}

func TestFlagsRefused(t *testing.T) {
	for _, args := range [][]string{{"-no-such-flag"}, {"serve"}, {"-ttl", "soon"}} {
		if err := runErr(t, args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	if err := runErr(t, "-h"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp (main exits 0)", err)
	}
}

func TestNoTokenInOutput(t *testing.T) {
	s := start(t)
	tok := token(t, s.url, "sub=alice")
	fetch(t, s.url+"/login?sub=alice")
	s.stop()
	if strings.Contains(s.out.String(), tok) || strings.Contains(s.out.String(), "eyJ") {
		t.Errorf("the output contains a token:\n%s", s.out)
	}
}

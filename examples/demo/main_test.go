package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// syncBuffer is written by the demo's logger while the test reads it.
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

// TestDemoInstructionsWork starts the demo stack on free loopback ports and
// performs every step it prints, as a user pasting them would.
func TestDemoInstructionsWork(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	ready := make(chan Stack, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", "127.0.0.1:0", out, func(s Stack) { ready <- s }) }()
	var st Stack
	select {
	case st = <-ready:
	case err := <-done:
		t.Fatalf("demo stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("demo did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo shutdown: %v", err)
		}
	})

	text := out.String()
	for _, want := range []string{st.IssuerURL + "/token?sub=alice", `-H "Authorization: Bearer $TOKEN" ` + st.APIURL + "/api/me", `--cookie "session=$TOKEN"`, "Bearer not-a-token", st.APIURL + "/login?sub=bob"} {
		if !strings.Contains(text, want) {
			t.Errorf("instructions lack %q:\n%s", want, text)
		}
	}

	// Step 1, including the sed expression the instructions use.
	body := get(t, st.IssuerURL+"/token?sub=alice", nil, 200)
	tok := regexp.MustCompile(`.*"token":"([^"]+)".*`).ReplaceAllString(strings.TrimSpace(body), "$1")
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("step 1 did not yield a JWT: %q", body)
	}
	expectSubject(t, get(t, st.APIURL+"/api/me", http.Header{"Authorization": {"Bearer " + tok}}, 200), "alice", "authorization")
	expectSubject(t, get(t, st.APIURL+"/api/me", http.Header{"Cookie": {"session=" + tok}}, 200), "alice", "cookie")
	get(t, st.APIURL+"/api/me", http.Header{"Authorization": {"Bearer not-a-token"}}, 401)
	get(t, st.APIURL+"/api/me", nil, 401)
	get(t, st.APIURL+"/healthz", nil, 200)

	// Step 6: a cookie set by the API's login, sent back from a jar.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(st.APIURL + "/login?sub=bob")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(st.APIURL + "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("step 6: status %d: %s", resp.StatusCode, b)
	}
	expectSubject(t, string(b), "bob", "cookie")
	if strings.Contains(out.String(), tok) {
		t.Error("the demo's output contains a token")
	}
}

func get(t *testing.T, url string, h http.Header, status int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: status %d, want %d: %s", url, resp.StatusCode, status, b)
	}
	return string(b)
}

func expectSubject(t *testing.T, body, sub, src string) {
	t.Helper()
	var got struct{ Subject, Source string }
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Subject != sub || got.Source != src {
		t.Errorf("body %q: want subject %q from %q", body, sub, src)
	}
}

// TestDemoRefusesNonLoopbackAddresses: both flags take loopback addresses
// only, since the issuer mints a token for anyone and the API's /login sets
// a session cookie for any subject.
func TestDemoRefusesNonLoopbackAddresses(t *testing.T) {
	rows := []struct {
		name, issuerAddr, apiAddr string
	}{
		{"-issuer-addr on every interface", ":0", "127.0.0.1:0"},
		{"-issuer-addr 0.0.0.0", "0.0.0.0:0", "127.0.0.1:0"},
		{"-api-addr on every interface", "127.0.0.1:0", ":0"},
		{"-api-addr 0.0.0.0", "127.0.0.1:0", "0.0.0.0:0"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- run(ctx, row.issuerAddr, row.apiAddr, io.Discard, func(Stack) { cancel() }) }()
			select {
			case err := <-done:
				if !errors.Is(err, devissuer.ErrNotLoopback) {
					t.Errorf("run: %v, want ErrNotLoopback", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("run neither refused nor returned")
			}
		})
	}
}

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// installDevIssuer installs the dev issuer command the way the adapter
// READMEs tell a user to run it (github.com/.../cmd/devissuer@VERSION, from
// the proxy), starts it on a free loopback port and returns its URL.
func installDevIssuer(t *testing.T, goBin string, env []string, version string) string {
	t.Helper()
	gobin := t.TempDir()
	cmd := exec.Command(goBin, "install", "github.com/sessiongate/sessiongate/core/devissuer/cmd/devissuer@"+version)
	cmd.Dir, cmd.Env = t.TempDir(), append(env, "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install .../cmd/devissuer@%s: %v\n%s", version, err, out)
	}
	iss := exec.Command(filepath.Join(gobin, "devissuer"), "-addr", "127.0.0.1:0", "-key", filepath.Join(t.TempDir(), "key.pem"))
	stdout, err := iss.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { iss.Process.Kill(); iss.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(20 * time.Second):
		t.Fatal("the dev issuer did not start")
	}
	return ""
}

// runQuickstart runs a built quickstart against the dev issuer and does
// what its README says: /healthz without a token, /me with a token from the
// issuer (the subject comes back as JSON) and without one (401).
func runQuickstart(t *testing.T, bin, issuer string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "-issuer", issuer, "-addr", addr)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	if status, _ := waitFor(base + "/healthz"); status != http.StatusOK {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("GET /healthz without a token: %d, want 200\n%s", status, logs.String())
	}
	_, body := call(t, issuer+"/token?sub=alice", "")
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.Token == "" {
		t.Fatalf("the dev issuer's /token: %q", body)
	}
	if status, body := call(t, base+"/me", tok.Token); status != http.StatusOK || strings.ReplaceAll(body, " ", "") != `{"subject":"alice"}` {
		t.Errorf("GET /me with a token: %d %q, want 200 {\"subject\":\"alice\"}", status, body)
	}
	if status, _ := call(t, base+"/me", ""); status != http.StatusUnauthorized {
		t.Errorf("GET /me without a token: %d, want 401", status)
	}
}

// waitFor polls url until it answers (the program may still be starting).
func waitFor(url string) (int, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return resp.StatusCode, nil
		}
		if time.Now().After(deadline) {
			return 0, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func call(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

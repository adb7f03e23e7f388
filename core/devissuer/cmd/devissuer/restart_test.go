package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestRestartKeepsTokensValid is the promise of -key, with real processes:
// a token minted by one process verifies against the JWKS of the next one
// started with the same key file, and Ctrl-C (SIGINT) stops a process
// cleanly.
func TestRestartKeepsTokensValid(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("go is not on PATH (CI=true)")
		}
		t.Skip("go is not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "devissuer")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	key := filepath.Join(t.TempDir(), "key.pem")

	first, base := startProcess(t, bin, "-addr", addr, "-key", key)
	tok := token(t, base, "sub=alice&ttl=1h")
	interrupt(t, first)

	_, base = startProcess(t, bin, "-addr", addr, "-key", key)
	if s, err := verify(t, base, base, tok); err != nil || s.Subject != "alice" {
		t.Fatalf("a token of the first process against the second's JWKS: %v", err)
	}
}

// startProcess starts bin with args and waits for its start line.
func startProcess(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("%s %q exited before starting", bin, args)
			}
			if m := startLine.FindStringSubmatch(l); m != nil {
				go func() {
					for range lines {
					}
				}()
				return cmd, m[1]
			}
		case <-timeout:
			t.Fatalf("%s %q did not start", bin, args)
		}
	}
}

// interrupt sends SIGINT, as Ctrl-C does, and expects exit status 0.
func interrupt(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after SIGINT: %v, want exit status 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not stop the process within 10s")
	}
}

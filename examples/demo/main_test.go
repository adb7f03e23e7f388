package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is written by the demo while the test reads it.
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

// needTool returns the path of name; a missing tool skips locally but fails
// under CI=true.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found on PATH (CI=true)", name)
		}
		t.Skipf("%s not found on PATH", name)
	}
	return p
}

// anyPorts are flags giving every port 0: free ports, so the test runs
// beside a demo on the default ports.
func anyPorts() []string {
	var args []string
	var p ports
	for _, f := range p.flags() {
		args = append(args, "-"+f.name, "0")
	}
	return args
}

// step is one pasted command and what its comment says it answers.
type step struct {
	command string
	status  string   // "" when the comment gives none
	expect  []string // quoted texts the answer contains
}

var (
	commentRe = regexp.MustCompile(`#\s*(\d{3})\b(.*)$`)
	quotedRe  = regexp.MustCompile(`"([^"]+)"`)
)

// steps reads the commands (lines indented by four spaces) and their comments.
func steps(text string) []step {
	var out []step
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "    ") {
			continue
		}
		s := step{command: strings.TrimSpace(line)}
		if i := strings.Index(line, "   # "); i >= 0 {
			if m := commentRe.FindStringSubmatch(line[i:]); m != nil {
				s.status = m[1]
				for _, q := range quotedRe.FindAllStringSubmatch(m[2], -1) {
					s.expect = append(s.expect, q[1])
				}
			}
		}
		out = append(out, s)
	}
	return out
}

// TestDemoInstructionsWork starts the demo on free ports and pastes every
// command it prints into one bash session, as a user would, checking each
// answer against the comment beside it. Then it stops the demo as Ctrl-C
// does and checks every port is free again.
func TestDemoInstructionsWork(t *testing.T) {
	bash := needTool(t, "bash")
	needTool(t, "curl")
	needTool(t, "go")
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ready := make(chan Stack, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, anyPorts(), out, errOut, func(s Stack) { ready <- s }) }()
	var st Stack
	select {
	case st = <-ready:
	case err := <-done:
		t.Fatalf("demo stopped: %v\n%s", err, errOut)
	case <-time.After(5 * time.Minute):
		cancel()
		t.Fatal("demo did not start within 5 minutes (building the examples)")
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cancel()
			<-done
		}
	})

	all := steps(st.Instructions)
	if len(all) < 15 {
		t.Fatalf("only %d commands in the instructions:\n%s", len(all), st.Instructions)
	}
	answers := paste(t, bash, all)
	for i, s := range all {
		checkAnswer(t, s, answers[i])
	}
	toks := regexp.MustCompile(`eyJ[\w-]+\.[\w-]+\.[\w-]+`).FindAllString(strings.Join(answers, ""), -1)
	if len(toks) == 0 {
		t.Error("no token in any answer: the no-token-in-the-output check below checks nothing")
	}
	for _, tok := range toks {
		if strings.Contains(out.String(), tok) || strings.Contains(errOut.String(), tok) {
			t.Error("the demo's output contains a token")
			break
		}
	}

	cancel() // what Ctrl-C does
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Fatalf("after Ctrl-C: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the demo did not stop within 20s of Ctrl-C")
	}
	for _, f := range st.Ports.flags() {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *f.port))
		if err != nil {
			t.Errorf("after Ctrl-C, -%s port %d is still taken: %v", f.name, *f.port, err)
			continue
		}
		ln.Close()
	}
}

// paste runs the commands in one bash session (so $TOKEN carries over) and
// returns each one's output. The cookie jars go to a temporary directory
// instead of /tmp.
func paste(t *testing.T, bash string, all []step) []string {
	t.Helper()
	jars := t.TempDir()
	var script strings.Builder
	for i, s := range all {
		cmd := strings.ReplaceAll(s.command, "/tmp/", jars+"/")
		fmt.Fprintf(&script, "printf '\\n@@step %d\\n'\n%s\n", i, cmd)
	}
	cmd := exec.Command(bash, "-c", script.String())
	cmd.Dir = t.TempDir()
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, b)
	}
	parts := regexp.MustCompile(`\n@@step \d+\n`).Split(string(b), -1)[1:]
	if len(parts) != len(all) {
		t.Fatalf("%d answers for %d commands:\n%s", len(parts), len(all), b)
	}
	return parts
}

var statusRe = regexp.MustCompile(`(?m)^HTTP/[\d.]+ (\d{3})`)

func checkAnswer(t *testing.T, s step, answer string) {
	t.Helper()
	if s.status == "" {
		return
	}
	got := statusRe.FindAllStringSubmatch(answer, -1)
	if len(got) == 0 || got[len(got)-1][1] != s.status {
		t.Errorf("%s\n  answered %q, want status %s", s.command, head(answer), s.status)
		return
	}
	for _, want := range s.expect {
		if !strings.Contains(strings.ToLower(answer), strings.ToLower(want)) {
			t.Errorf("%s\n  answer lacks %q:\n%s", s.command, want, head(answer))
		}
	}
}

// head is the start of an answer, with tokens cut short.
func head(s string) string {
	s = regexp.MustCompile(`(eyJ[\w-]{4})[\w-]*\.[\w-]+\.[\w-]+`).ReplaceAllString(s, "$1...")
	if len(s) > 800 {
		return s[:800] + "..."
	}
	return s
}

func TestDemoPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().(*net.TCPAddr).Port
	for _, name := range []string{"issuer-port", "scenario2-port", "scenario4-api2-port"} {
		t.Run("-"+name, func(t *testing.T) {
			args := append(anyPorts(), "-"+name, fmt.Sprint(busy))
			err := run(context.Background(), args, io.Discard, io.Discard, nil)
			want := fmt.Sprintf("port %d is in use; choose another with -%s", busy, name)
			if err == nil || err.Error() != want {
				t.Errorf("%v, want %q", err, want)
			}
		})
	}
	t.Run("two flags on one port", func(t *testing.T) {
		args := append(anyPorts(), "-scenario1-port", "0", "-scenario5-port", "0")
		p, _ := parseFlags(args, io.Discard)
		p.S5 = 0
		if err := claimPorts(&p); err != nil {
			t.Fatalf("free ports: %v", err)
		}
		p.S5 = p.S1
		ln, _ := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.S1))
		defer ln.Close()
		if err := claimPorts(&p); err == nil || !strings.Contains(err.Error(), "-scenario1-port") {
			t.Errorf("%v, want an error naming -scenario1-port", err)
		}
	})
}

func TestDemoFlags(t *testing.T) {
	if err := run(context.Background(), []string{"-h"}, io.Discard, io.Discard, nil); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp (exit 0)", err)
	}
	if err := run(context.Background(), []string{"serve"}, io.Discard, io.Discard, nil); err == nil {
		t.Error("a positional argument: no error")
	}
	p, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.flags() {
		if *f.port == 8080 || *f.port == 8081 {
			t.Errorf("-%s defaults to %d, the quickstarts' or make issuer's port", f.name, *f.port)
		}
	}
}

func TestExamplesAreInTheWorkspace(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no repository root (CI=true): %v", err)
		}
		t.Skip(err)
	}
	for _, ex := range examples(defaultPorts, "http://127.0.0.1:9000") {
		if _, err := os.Stat(filepath.Join(root, "examples", ex.dir, "go.mod")); err != nil {
			t.Errorf("examples/%s: %v", ex.dir, err)
		}
	}
}

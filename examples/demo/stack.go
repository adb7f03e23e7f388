package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// example is one scenario program the demo runs.
type example struct {
	scenario string   // "scenario 2"
	dir      string   // its folder under examples/
	args     []string // its flags
	servers  int      // how many "listening on" lines it prints once ready
}

// examples returns the six programs with their flags for p.
func examples(p ports, issuer string) []example {
	a := func(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
	return []example{
		{"scenario 1", "samehost", []string{"-addr", a(p.S1), "-issuer", issuer}, 1},
		{"scenario 2", "crossorigin", []string{"-addr", a(p.S2), "-www-addr", a(p.S2WWW), "-issuer", issuer,
			"-www-origin", fmt.Sprintf("http://www.example.test:%d,http://127.0.0.1:%d", p.S2WWW, p.S2WWW),
			"-api-url", fmt.Sprintf("http://api.example.test:%d", p.S2)}, 2},
		{"scenario 3", "forwarding", []string{"-shop-addr", a(p.S3), "-payment-addr", a(p.S3Payment), "-issuer", issuer,
			"-payment-url", "http://" + a(p.S3Payment)}, 2},
		{"scenario 4", "sharedcookie", []string{"-api-addr", a(p.S4), "-api2-addr", a(p.S4API2), "-issuer", issuer}, 2},
		{"scenario 5", "cookiemigration", []string{"-addr", a(p.S5), "-issuer", issuer}, 1},
		// A short grace window and deny-list poll, so the printed walk
		// through reuse detection takes seconds, not half a minute. Its
		// SQLite file lives in a temporary directory removed at exit.
		{"own sessions", "ownsession", []string{"-addr", a(p.S6), "-issuer", issuer, "-grace", "2s", "-deny-poll", "250ms"}, 1},
	}
}

// startIssuer starts the dev issuer for every scenario: /login sets
// scenario 1's cbo_session_token for the host it is reached on, and the
// pages of scenarios 2, 4 and 5 and of the own-sessions example may fetch
// /token.
func startIssuer(p ports) (*devissuer.Server, error) {
	cookies, err := devissuer.PlainHTTPCookies("cbo_session_token", "")
	if err != nil {
		return nil, err
	}
	return devissuer.Start(fmt.Sprintf("127.0.0.1:%d", p.Issuer), devissuer.Config{
		Cookies: cookies, CookieName: "cbo_session_token",
		AllowedHosts: []string{"www.example.test", "api.example.test", "api2.example.test"},
		CORSOrigins: []string{
			fmt.Sprintf("http://www.example.test:%d", p.S2WWW), fmt.Sprintf("http://127.0.0.1:%d", p.S2WWW),
			fmt.Sprintf("http://api.example.test:%d", p.S4), fmt.Sprintf("http://api.example.test:%d", p.S5),
			fmt.Sprintf("http://127.0.0.1:%d", p.S6),
		},
	})
}

// repoRoot is the folder of the go.work the go command uses here.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOWORK").Output()
	work := strings.TrimSpace(string(out))
	if err != nil || work == "" || work == "off" {
		return "", errors.New("run the demo from the sessiongate repository (make demo): it builds the examples from there")
	}
	return filepath.Dir(work), nil
}

// build compiles every example into dir, in one go build so the go command
// compiles them in parallel and from its cache.
func build(ctx context.Context, exs []example, dir string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, ex := range exs {
		args = append(args, "./examples/"+ex.dir)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the examples: %v\n%s", err, out)
	}
	return nil
}

// exit is how a started example ended.
type exit struct {
	scenario string
	err      error
}

// start runs ex's binary from dir. Cancelling ctx sends it SIGINT, as
// Ctrl-C would, and kills it if it has not exited 5s later. ready receives
// ex's scenario once it has printed all its "listening on" lines, exited
// how it ended.
func start(ctx context.Context, ex example, dir string, stderr io.Writer, ready chan<- string, exited chan<- exit) error {
	cmd := exec.CommandContext(ctx, filepath.Join(dir, ex.dir), ex.args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stderr = &prefixWriter{w: stderr, prefix: "[" + ex.scenario + "] "}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", ex.scenario, err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for n := 0; sc.Scan(); {
			if strings.Contains(sc.Text(), "listening on") {
				if n++; n == ex.servers {
					ready <- ex.scenario
				}
			}
		}
		exited <- exit{ex.scenario, cmd.Wait()}
	}()
	return nil
}

// startAll starts every example and waits until all are listening. It
// returns how many are running (to wait for after cancelling ctx), and an
// error when one did not start.
func startAll(ctx context.Context, exs []example, dir string, stderr io.Writer, exited chan exit) (int, error) {
	ready := make(chan string, len(exs))
	started := 0
	for _, ex := range exs {
		if err := start(ctx, ex, dir, stderr, ready, exited); err != nil {
			return started, err
		}
		started++
	}
	timeout := time.After(time.Minute)
	for n := 0; n < len(exs); n++ {
		select {
		case <-ready:
		case e := <-exited:
			return started - 1, fmt.Errorf("%s stopped before listening (%v); its messages are above", e.scenario, e.err)
		case <-timeout:
			return started, errors.New("the examples did not start within a minute")
		case <-ctx.Done():
			return started, ctx.Err()
		}
	}
	return started, nil
}

// prefixWriter writes each line with a prefix, so an example's warnings
// say which scenario they come from.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexByte(string(p.buf), '\n')
		if i < 0 {
			return len(b), nil
		}
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
}

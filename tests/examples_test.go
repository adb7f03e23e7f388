package tests

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

// The browser tests run the example programs users copy, built once per
// test binary (the go command's cache makes later builds quick).
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// exampleBinary returns the built program of examples/<name>.
func exampleBinary(t *testing.T, name string) string {
	t.Helper()
	goBin := needTool(t, "go")
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "sessiongate-examples-"); buildErr != nil {
			return
		}
		cmd := exec.Command(goBin, "build", "-o", binDir+string(filepath.Separator),
			"../examples/samehost", "../examples/crossorigin", "../examples/sharedcookie", "../examples/cookiemigration",
			"../examples/ownsession")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("building the examples: %v", buildErr)
	}
	return filepath.Join(binDir, name)
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

var listeningRe = regexp.MustCompile(`listening on (http://\S+)`)

// startExample runs examples/<name> with args until the test ends, waits
// for its servers to listen, and returns their URLs in the order printed.
func startExample(t *testing.T, name string, servers int, args ...string) []string {
	t.Helper()
	cmd := exec.Command(exampleBinary(t, name), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT) // as Ctrl-C
		waitOrKill(cmd)
	})
	urls := make(chan string, servers)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listeningRe.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	var out []string
	for len(out) < servers {
		select {
		case u := <-urls:
			out = append(out, u)
		case <-time.After(15 * time.Second):
			t.Fatalf("examples/%s did not start:\n%s", name, logs)
		}
	}
	return out
}

// waitOrKill waits for a process asked to stop, and kills it after 5s.
func waitOrKill(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// freePort returns a loopback port free right now, for a program that must
// be told its port before it starts (a CORS origin names it).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startIssuer(t *testing.T, cfg devissuer.Config) *devissuer.Server {
	t.Helper()
	iss, err := devissuer.Start("", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { iss.Close() })
	return iss
}

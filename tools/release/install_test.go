package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInstallFromProxy proves `go get` works the day the modules are tagged:
// it writes the working tree's published modules into an on-disk module
// proxy at VERSION, then, for every adapter, makes a fresh module outside
// the repository (no go.work, no replace), runs `go get <adapter>@VERSION`
// and builds the adapter README's quickstart exactly as printed. Then it
// does what the README says next: it runs the quickstart against the dev
// issuer installed as `go install .../cmd/devissuer@VERSION`, and calls
// /healthz and /me with and without a token.
func TestInstallFromProxy(t *testing.T) {
	goBin := goCommand(t)
	if testing.Short() {
		t.Skip("builds every adapter quickstart from scratch; skipped with -short")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := loadWorkspace(root)
	if err != nil {
		t.Fatal(err)
	}
	proxy := t.TempDir()
	if err := writeProxy(ws, proxy); err != nil {
		t.Fatal(err)
	}
	env := installEnv(t, goBin, proxy)
	issuer := installDevIssuer(t, goBin, env, ws.Version)
	adapters := 0
	for _, m := range ws.Modules {
		if !m.Published() || !strings.HasPrefix(m.Dir, "adapters/") {
			continue
		}
		adapters++
		t.Run(m.Dir, func(t *testing.T) {
			prog := quickstart(t, filepath.Join(root, filepath.FromSlash(m.Dir), "README.md"))
			if m.Dir == "adapters/sessionfasthttp" {
				// Not middleware but the request view adapters share: its
				// README shows a fragment, so build a program that uses it.
				prog = fasthttpProgram
			}
			dir := t.TempDir() // outside the repository: no go.work above it
			if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(prog), 0o644); err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(dir, "quickstart")
			for _, args := range [][]string{
				{"mod", "init", "example.test/quickstart"},
				{"get", m.Path + "@" + ws.Version},
				{"mod", "tidy"},
				{"build", "-o", bin, "."},
			} {
				cmd := exec.Command(goBin, args...)
				cmd.Dir, cmd.Env = dir, env
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
			if !strings.Contains(string(gomod), m.Path+" "+ws.Version) {
				t.Fatalf("go.mod does not require %s %s:\n%s", m.Path, ws.Version, gomod)
			}
			if m.Dir != "adapters/sessionfasthttp" {
				runQuickstart(t, bin, issuer)
			}
		})
	}
	if adapters == 0 {
		t.Fatal("the workspace lists no adapter module")
	}
}

const fasthttpProgram = `package main

import (
	"github.com/valyala/fasthttp"

	"github.com/sessiongate/sessiongate/adapters/sessionfasthttp"
)

func main() {
	var r fasthttp.Request
	_ = sessionfasthttp.Request(&r).Method()
}
`

// installEnv is the environment of a user outside the repository: modules
// of ours come only from the on-disk proxy; others from the local module
// cache (itself in proxy layout) or the configured proxy. A private module
// cache keeps a stale v0.1.0 of ours from an earlier run out of the build.
func installEnv(t *testing.T, goBin, proxy string) []string {
	t.Helper()
	out, err := exec.Command(goBin, "env", "GOMODCACHE", "GOPROXY").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	chain := "file://" + filepath.ToSlash(proxy) + ",file://" + filepath.ToSlash(filepath.Join(lines[0], "cache", "download"))
	if len(lines) > 1 && lines[1] != "" && lines[1] != "off" {
		chain += "," + lines[1]
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOWORK=") && !strings.HasPrefix(kv, "GOFLAGS=") && !strings.HasPrefix(kv, "GOPROXY=") {
			env = append(env, kv)
		}
	}
	return append(env,
		"GOWORK=off", "GOFLAGS=-modcacherw", "GOPROXY="+chain,
		"GOMODCACHE="+t.TempDir(),
		// Our modules are not in the public checksum database before they
		// are tagged; the others were verified when they entered the cache.
		"GONOSUMDB=github.com/sessiongate/sessiongate", "GOSUMDB=off",
	)
}

// quickstart returns the first ```go block of the README that is a whole
// program (package main).
func quickstart(t *testing.T, readme string) string {
	t.Helper()
	if strings.HasSuffix(filepath.ToSlash(readme), "adapters/sessionfasthttp/README.md") {
		return ""
	}
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		if strings.HasPrefix(m[1], "package main") {
			return m[1]
		}
	}
	t.Fatalf("%s has no ```go block with a whole program (package main)", readme)
	return ""
}

// goCommand returns the go command; a missing one skips locally and fails
// under CI=true.
func goCommand(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("go is not on PATH (CI=true)")
		}
		t.Skip("go is not on PATH")
	}
	return p
}

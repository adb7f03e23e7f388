package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tree writes files (slash paths relative to a new temp dir) and returns the dir.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	coreMod = "module github.com/sessiongate/sessiongate/core\n\ngo 1.25.0\n"
	work    = "go 1.25.0\n\nuse (\n\t./adapters/sessionx\n\t./core\n\t./examples\n)\n"
)

func adapterMod(version, replace string) string {
	s := "module github.com/sessiongate/sessiongate/adapters/sessionx\n\ngo 1.25.0\n\n" +
		"require github.com/sessiongate/sessiongate/core " + version + "\n"
	if replace != "" {
		s += "\nreplace github.com/sessiongate/sessiongate/core => " + replace + "\n"
	}
	return s
}

func TestCheckRequires(t *testing.T) {
	examples := "module github.com/sessiongate/sessiongate/examples\n\ngo 1.25.0\n\n" +
		"require github.com/sessiongate/sessiongate/core v0.1.0\n\n" +
		"replace github.com/sessiongate/sessiongate/core => ../core\n"
	cases := []struct {
		name    string
		adapter string
		want    []string // substrings of the problems, in order; none means agreement
	}{
		{"siblings required at VERSION with local replaces agree", adapterMod("v0.1.0", "../../core"), nil},
		{"a sibling at another version is reported", adapterMod("v0.0.0", "../../core"),
			[]string{"adapters/sessionx: requires github.com/sessiongate/sessiongate/core v0.0.0, want v0.1.0"}},
		{"a missing replace is reported", adapterMod("v0.1.0", ""), []string{`replace github.com/sessiongate/sessiongate/core => "", want "../../core"`}},
		{"a replace to the wrong folder is reported", adapterMod("v0.1.0", "../core"), []string{`=> "../core", want "../../core"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := tree(t, map[string]string{
				"VERSION": "v0.1.0\n", "go.work": work, "core/go.mod": coreMod,
				"adapters/sessionx/go.mod": tc.adapter, "examples/go.mod": examples,
			})
			ws, err := loadWorkspace(root)
			if err != nil {
				t.Fatal(err)
			}
			got := ws.checkRequires()
			if len(got) != len(tc.want) {
				t.Fatalf("problems = %q, want %d like %q", got, len(tc.want), tc.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestPublishedModules(t *testing.T) {
	for dir, want := range map[string]bool{
		"core": true, "adapters/sessiongin": true, "sessions": true, "stores/pgstore": true,
		"examples": false, "tests": false, "tools": false, "bench": false,
	} {
		if got := (wsModule{Dir: dir}).Published(); got != want {
			t.Errorf("Published(%s) = %v, want %v", dir, got, want)
		}
	}
}

func TestVersionMustBeCanonical(t *testing.T) {
	for _, v := range []string{"0.1.0", "v0.1", "v1.0.0+build", "latest"} {
		root := tree(t, map[string]string{"VERSION": v + "\n", "go.work": work, "core/go.mod": coreMod})
		if _, err := loadWorkspace(root); err == nil {
			t.Errorf("VERSION %q was accepted", v)
		}
	}
}

// TestTags: tagging is all or nothing, and tags of one version point at
// one commit.
func TestTags(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	root := tree(t, map[string]string{
		"VERSION": "v0.1.0\n", "go.work": work, "core/go.mod": coreMod,
		"adapters/sessionx/go.mod": adapterMod("v0.1.0", "../../core"),
		"examples/go.mod":          "module github.com/sessiongate/sessiongate/examples\n\ngo 1.25.0\n",
	})
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.test",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.test", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitIn("init", "-q")
	gitIn("add", ".")
	gitIn("commit", "-qm", "one")
	ws, err := loadWorkspace(root)
	if err != nil {
		t.Fatal(err)
	}
	if p := ws.checkTags(); len(p) != 0 {
		t.Fatalf("untagged tree: problems %q, want none", p)
	}
	gitIn("tag", "core/v0.1.0")
	if p := ws.checkTags(); len(p) != 1 || !strings.Contains(p[0], "adapters/sessionx/v0.1.0 is missing") {
		t.Fatalf("one module tagged: problems %q, want the missing adapter tag", p)
	}
	gitIn("commit", "-q", "--allow-empty", "-m", "two")
	gitIn("tag", "adapters/sessionx/v0.1.0")
	if p := ws.checkTags(); len(p) != 1 || !strings.Contains(p[0], "different commits") {
		t.Fatalf("tags on two commits: problems %q, want 'different commits'", p)
	}
	gitIn("tag", "-d", "core/v0.1.0")
	gitIn("tag", "core/v0.1.0")
	if p := ws.checkTags(); len(p) != 0 {
		t.Fatalf("all tagged on one commit: problems %q, want none", p)
	}
	if err := tag(ws); err == nil || !strings.Contains(err.Error(), "already tagged") {
		t.Fatalf("tag on a tagged version = %v, want 'already tagged'", err)
	}
}

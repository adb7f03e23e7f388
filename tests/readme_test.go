package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeQuickstartCompiles builds the README's quickstart program exactly
// as printed, so the README cannot drift from the API.
func TestReadmeQuickstartCompiles(t *testing.T) {
	goBin := needTool(t, "go")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var prog string
	for _, m := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		if strings.HasPrefix(m[1], "package main") {
			prog = m[1]
			break
		}
	}
	if prog == "" {
		t.Fatal("README.md has no ```go block with a complete program (package main)")
	}
	// Inside this module, so its imports resolve through go.mod and go.work.
	dir, err := os.MkdirTemp(".", "_readme_quickstart")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "build", "-o", os.DevNull, "./"+filepath.Base(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README quickstart does not compile: %v\n%s", err, out)
	}
}

package tests

import (
	"os"
	"os/exec"
	"testing"
)

// needTool returns the path of the first of names on PATH. A missing tool
// skips the test locally but fails it under CI=true, where .ci/run installs it.
func needTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%v not found on PATH; CI must install it (see .ci/run)", names)
	}
	t.Skipf("%v not found on PATH; install it to run this test", names)
	return ""
}

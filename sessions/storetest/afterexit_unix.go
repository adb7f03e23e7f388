//go:build unix

package storetest

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// AfterExit runs the shell command once this process has ended, however it
// ends: a test binary killed by go test's -timeout, or by Ctrl-C, never
// gets to stop the server it started, and the server would outlive it.
// Stopping a server that is already stopped must be harmless in cmd.
func AfterExit(cmd string) error {
	script := fmt.Sprintf("while kill -0 %d 2>/dev/null; do sleep 1; done; %s", os.Getpid(), cmd)
	c := exec.Command("sh", "-c", script)
	c.Dir = "/"
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // a Ctrl-C to the tests must not reach it
	return c.Start()
}

package storetest

import (
	"net"
	"os"
	"testing"
)

// Server is the state of the database server a driver's tests run against,
// for drivers that start one per test binary (in TestMain) from the
// machine's packages. Its zero value is a server that is there.
type Server struct {
	// Missing says why there is no server to test with (its binaries are
	// not installed): tests skip, or fail when CI=true, since CI installs
	// every server and must test every store.
	Missing string
	// Broken is why an installed server did not start: tests fail.
	Broken error
}

// Need skips or fails tb unless the server is there.
func (s Server) Need(tb testing.TB) {
	tb.Helper()
	switch {
	case s.Broken != nil:
		tb.Fatalf("the test server did not start: %v", s.Broken)
	case s.Missing != "" && os.Getenv("CI") == "true":
		tb.Fatalf("%s (CI=true: every store must be tested)", s.Missing)
	case s.Missing != "":
		tb.Skip(s.Missing)
	}
}

// FreePort returns a loopback TCP port that nothing listened on a moment
// ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

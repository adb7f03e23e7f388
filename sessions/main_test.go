package sessions_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine (a manager's key
// rotation, a gate's) outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

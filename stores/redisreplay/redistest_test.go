package redisreplay_test

import (
	"os"
	"testing"

	"github.com/sessiongate/sessiongate/stores/redisstore/redistest"
)

// The tests run against real redis-server processes on loopback, started
// once per test binary by redistest (a standalone server and a one-node
// Cluster). Each test gets a key prefix of its own.
var server *redistest.Servers

func TestMain(m *testing.M) {
	var stop func()
	server, stop = redistest.Start()
	code := m.Run()
	stop()
	os.Exit(code)
}

package redisreplay_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/sessions/storetest"
)

// The tests run against real redis-server processes on loopback, started
// once per test binary by TestMain from the machine's package (.ci/run
// installs redis-server), as stores/redisstore does: a standalone server
// and a one-node Cluster holding every slot, so that a ClusterClient
// (which routes each key to its slot's node) is tested too. Each test gets
// a key prefix of its own. Without redis-server the tests skip, or fail
// under CI=true.

var server struct {
	storetest.Server
	standalone string // host:port
	cluster    string // host:port of the one Cluster node
}

func TestMain(m *testing.M) {
	stop, err := startRedis()
	var missing *exec.Error
	switch {
	case errors.As(err, &missing):
		server.Missing = "no redis-server to test with: " + missing.Error() + " (apt-get install redis-server)"
	case err != nil:
		server.Broken = err
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// startRedis starts both servers and returns how to stop them.
func startRedis() (stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return func() {}, err
	}
	var stops []func()
	stop = func() {
		for _, f := range stops {
			f()
		}
	}
	var s func()
	if server.standalone, s, err = runRedis(bin); err != nil {
		return stop, err
	}
	stops = append(stops, s)
	if server.cluster, s, err = runRedis(bin, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"); err != nil {
		return stop, err
	}
	stops = append(stops, s)
	return stop, makeCluster(server.cluster)
}

// runRedis starts redis-server with args on a free loopback port in a temp
// dir and waits until it answers.
func runRedis(bin string, args ...string) (addr string, stop func(), err error) {
	port, err := storetest.FreePort()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "sessiongate-redis-")
	if err != nil {
		return "", nil, err
	}
	args = append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir,
		"--daemonize", "no", "--logfile", filepath.Join(dir, "log")}, args...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	storetest.AfterExit(fmt.Sprintf("kill -9 %d; rm -rf %s", cmd.Process.Pid, dir))
	stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	}
	addr = fmt.Sprint("127.0.0.1:", port)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	if !waitFor(func() bool { return c.Ping(context.Background()).Err() == nil }) {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		stop()
		return "", nil, fmt.Errorf("redis-server %s: no answer on %s\n%s", strings.Join(args, " "), addr, log)
	}
	return addr, stop, nil
}

// makeCluster gives the one node every slot and waits for the Cluster to
// say it is ok.
func makeCluster(addr string) error {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		return err
	}
	if !waitFor(func() bool {
		info, err := c.ClusterInfo(ctx).Result()
		return err == nil && strings.Contains(info, "cluster_state:ok")
	}) {
		return errors.New("the one-node Redis Cluster never reached cluster_state:ok")
	}
	return nil
}

func waitFor(cond func() bool) bool {
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

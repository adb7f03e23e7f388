// Package redistest starts real redis-server processes on loopback for the
// tests of modules that use Redis (stores/redisstore, stores/redisreplay,
// bench): once per test binary, from the machine's package (.ci/run
// installs redis-server), a standalone server and a one-node Cluster holding
// every slot, so a ClusterClient (which routes each key to its slot's node)
// is tested too. Without redis-server, tests skip, or fail under CI=true
// (storetest.Server.Need).
package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/sessions/storetest"
)

// Servers are the running servers, or why there are none (Need says).
type Servers struct {
	storetest.Server
	Standalone string // host:port of the standalone server
	Cluster    string // host:port of the one Cluster node
}

// Start starts the standalone server, with args added to its command line
// (e.g. "--appendonly", "yes"), and the Cluster node. It does not fail: a
// missing redis-server sets Missing, a server that would not start sets
// Broken. stop stops whatever started.
func Start(args ...string) (s *Servers, stop func()) {
	s = &Servers{}
	stop, err := start(s, args)
	var missing *exec.Error
	switch {
	case errors.As(err, &missing):
		s.Missing = "no redis-server to test with: " + missing.Error() + " (apt-get install redis-server)"
	case err != nil:
		s.Broken = err
	}
	return s, stop
}

// start starts both servers and returns how to stop them.
func start(s *Servers, args []string) (stop func(), err error) {
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
	var f func()
	if s.Standalone, f, err = runRedis(bin, args...); err != nil {
		return stop, err
	}
	stops = append(stops, f)
	if s.Cluster, f, err = runRedis(bin, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"); err != nil {
		return stop, err
	}
	stops = append(stops, f)
	return stop, makeCluster(s.Cluster)
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

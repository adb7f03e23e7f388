package pgstore_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongate/sessiongate/sessions/storetest"
)

// The tests run against a real PostgreSQL cluster on loopback, started once
// per test binary by TestMain from the distribution's binaries (Debian:
// /usr/lib/postgresql/<version>/bin; .ci/run installs the package). Each
// test gets a schema of its own. Without the binaries the tests skip, or
// fail under CI=true.

// server is the cluster TestMain started.
var server struct {
	storetest.Server
	url   string // postgres://postgres@127.0.0.1:<port>/postgres
	admin *pgxpool.Pool
}

func TestMain(m *testing.M) {
	flag.Parse()
	// Tests run without fsync, for speed; benchmarks measure the settings
	// a production server has.
	durable := flag.Lookup("test.bench").Value.String() != ""
	stop, err := startPostgres(durable)
	var missing *missingError
	switch {
	case errors.As(err, &missing):
		server.Missing = missing.Error()
	case err != nil:
		server.Broken = err
	}
	code := m.Run()
	if server.admin != nil {
		server.admin.Close()
	}
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// needServer returns the server's URL, or skips (fails under CI=true).
func needServer(tb testing.TB) string {
	tb.Helper()
	server.Need(tb)
	return server.url
}

type missingError struct{ what string }

func (e *missingError) Error() string { return "no PostgreSQL to test with: " + e.what }

// startPostgres runs initdb and pg_ctl start in a temp dir on a free
// loopback port and returns how to stop and remove it.
func startPostgres(durable bool) (stop func(), err error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	runAs, owner, err := postgresUser()
	if err != nil {
		return nil, err
	}
	port, err := storetest.FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sessiongate-pg-")
	if err != nil {
		return nil, err
	}
	if owner != nil {
		if err := os.Chown(dir, owner[0], owner[1]); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	pgCtl := append(slices.Clone(runAs), filepath.Join(bin, "pg_ctl"), "-D", data)
	stop = func() {
		exec.Command(pgCtl[0], append(pgCtl[1:], "stop", "-m", "immediate")...).Run()
		os.RemoveAll(dir)
	}
	initdb := append(slices.Clone(runAs), filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories=%s -c max_connections=300", port, dir)
	if !durable {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	start := append(slices.Clone(pgCtl), "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "-o", opts, "start")
	for _, args := range [][]string{initdb, start} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			stop()
			return nil, fmt.Errorf("%s: %v\n%s%s", strings.Join(args, " "), err, out, log)
		}
	}
	storetest.AfterExit(strings.Join(append(pgCtl, "stop", "-m", "immediate"), " ") + " ; rm -rf " + dir)
	server.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	server.admin, err = pgxpool.New(context.Background(), server.url)
	return stop, err
}

// postgresBin finds the directory of initdb and pg_ctl: the newest
// /usr/lib/postgresql/<version>/bin, else PATH.
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", &missingError{"initdb and pg_ctl not found under /usr/lib/postgresql/*/bin nor on PATH (apt-get install postgresql)"}
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// postgresUser: initdb refuses to run as root, so root runs it as the
// postgres user (runuser) in a directory that user owns.
func postgresUser() (runAs []string, owner []int, err error) {
	if os.Geteuid() != 0 {
		return nil, nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, nil, &missingError{"running as root and there is no postgres user to run the server as"}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return []string{"runuser", "-u", "postgres", "--"}, []int{uid, gid}, nil
}

// freePort is a loopback port nothing listens on.
func freePort(tb testing.TB) int {
	tb.Helper()
	port, err := storetest.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	return port
}

var schemas atomic.Int64

// newSchema creates an empty schema and returns a pool configuration whose
// connections use it.
func newSchema(tb testing.TB) *pgxpool.Config {
	tb.Helper()
	url := needServer(tb)
	name := fmt.Sprintf("t%d", schemas.Add(1))
	if _, err := server.admin.Exec(context.Background(), "CREATE SCHEMA "+name); err != nil {
		tb.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = name
	return cfg
}

// newPool opens a pool with cfg, closed when the test ends.
func newPool(tb testing.TB, cfg *pgxpool.Config) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg.Copy())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// Command demo is `make demo`: it starts the dev issuer, the five scenario
// examples (examples/samehost, crossorigin, forwarding, sharedcookie,
// cookiemigration) and the own-sessions example (examples/ownsession) on
// loopback, and prints for each what to open and curl lines to paste.
// Ctrl-C stops everything.
//
//	make demo            (or: go run ./examples/demo from the repository root)
//
// Every port is a flag (-issuer-port, -scenario1-port, ...); 0 picks a free
// one. The examples are built from this checkout with go build first, so
// the first run takes a minute or two.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// ports are where the demo listens, all on 127.0.0.1. The defaults keep
// clear of 8080 (the adapter quickstarts) and 8081 (make issuer), so the
// demo runs beside them.
type ports struct {
	Issuer, S1, S2, S2WWW, S3, S3Payment, S4, S4API2, S5, S6 int
}

// portFlag is one port and the flag that sets it.
type portFlag struct {
	name string
	port *int
}

func (p *ports) flags() []portFlag {
	return []portFlag{
		{"issuer-port", &p.Issuer}, {"scenario1-port", &p.S1},
		{"scenario2-port", &p.S2}, {"scenario2-www-port", &p.S2WWW},
		{"scenario3-port", &p.S3}, {"scenario3-payment-port", &p.S3Payment},
		{"scenario4-port", &p.S4}, {"scenario4-api2-port", &p.S4API2},
		{"scenario5-port", &p.S5}, {"ownsession-port", &p.S6},
	}
}

var defaultPorts = ports{Issuer: 9000, S1: 9001, S2: 9002, S2WWW: 9012, S3: 9003, S3Payment: 9013, S4: 9004, S4API2: 9014, S5: 9005, S6: 9006}

var portUsage = map[string]string{
	"issuer-port":            "port of the dev issuer",
	"scenario1-port":         "port of scenario 1, same host (net/http)",
	"scenario2-port":         "port of scenario 2's API (Gin)",
	"scenario2-www-port":     "port of scenario 2's frontend page",
	"scenario3-port":         "port of scenario 3's shop (Echo)",
	"scenario3-payment-port": "port of scenario 3's payment backend (Echo)",
	"scenario4-port":         "port of scenario 4's api (Fiber v2)",
	"scenario4-api2-port":    "port of scenario 4's api2 (Fiber v2)",
	"scenario5-port":         "port of scenario 5 (Fiber v3)",
	"ownsession-port":        "port of the own-sessions example (net/http, SQLite)",
}

func parseFlags(args []string, stderr io.Writer) (ports, error) {
	p := defaultPorts
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, f := range p.flags() {
		fs.IntVar(f.port, f.name, *f.port, portUsage[f.name]+" (0: any free port)")
	}
	if err := fs.Parse(args); err != nil {
		return p, err
	}
	if fs.NArg() > 0 {
		return p, fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	return p, nil
}

// claimPorts checks that every port is free and picks one for each 0, so a
// busy port is reported by its flag before anything starts. (Another
// program could still take a port in the moment between; the example that
// then fails to listen says so.)
func claimPorts(p *ports) error {
	seen := map[int]string{}
	for _, f := range p.flags() {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *f.port))
		if err != nil {
			return fmt.Errorf("port %d is in use; choose another with -%s", *f.port, f.name)
		}
		*f.port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if other, dup := seen[*f.port]; dup {
			return fmt.Errorf("-%s and -%s are both %d; choose another", other, f.name, *f.port)
		}
		seen[*f.port] = f.name
	}
	return nil
}

// Stack is what run started, handed to ready once everything listens.
type Stack struct {
	Ports        ports
	IssuerURL    string
	Instructions string
}

// run starts the issuer and the examples, prints the instructions, calls
// ready (when non-nil) and serves until ctx ends or an example stops.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(Stack)) error {
	p, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := claimPorts(&p); err != nil {
		return err
	}
	iss, err := startIssuer(p)
	if err != nil {
		return fmt.Errorf("-issuer-port: %w", err)
	}
	defer iss.Close()
	exs := examples(p, iss.URL())
	dir, err := os.MkdirTemp("", "sessiongate-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(stdout, "building the six examples (the first run takes a minute or two) ...")
	if err := build(ctx, exs, dir); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	exited := make(chan exit, len(exs))
	running, err := startAll(ctx, exs, dir, stderr, exited)
	defer func() {
		cancel() // SIGINT to every example still running
		for ; running > 0; running-- {
			<-exited
		}
	}()
	if err != nil {
		return err
	}
	st := Stack{Ports: p, IssuerURL: iss.URL(), Instructions: instructions(p, iss.URL())}
	io.WriteString(stdout, st.Instructions)
	if ready != nil {
		ready(st)
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "stopping ...")
		return nil
	case e := <-exited:
		running--
		return fmt.Errorf("%s stopped (%v); stopping the others", e.scenario, e.err)
	}
}

// Command devissuer runs sessiongate's dev issuer on loopback: a real ES256
// token signer for local development and the examples. It is NOT an
// identity provider: there is no login, and anyone who reaches it can mint
// a token for any subject, so it listens on loopback only and answers only
// to loopback names and the hosts given with -allow-host.
//
//	make issuer
//	go run github.com/sessiongate/sessiongate/core/devissuer/cmd/devissuer@v0.1.0 [flags]
//
// Its signing key lives in a key file (-key) that it creates once and
// reuses, so tokens it minted keep verifying after a restart.
//
//	GET /token?sub=alice&aud=orders&ttl=1h&claims={"role":"admin"}   a token as JSON
//	GET /login?sub=alice&redirect=http://127.0.0.1:9001/            sets the session cookie (-cookie-name)
//	GET /.well-known/jwks, /.well-known/openid-configuration          its keys
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
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "devissuer:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	addr, issuer, keyFile     string
	audiences, hosts, origins list
	ttl                       time.Duration
	cookieName, cookieDomain  string
}

// list is a flag that may be repeated; each use adds one value.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("devissuer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8081", "loopback `address` to listen on (8080 is left to the quickstarts)")
	fs.StringVar(&o.issuer, "issuer", "", "the iss claim and base `URL` (default http://<addr>)")
	fs.StringVar(&o.keyFile, "key", defaultKeyFile(), "PEM EC P-256 private key `file`; created (mode 0600) when missing, reused otherwise")
	fs.Var(&o.audiences, "aud", "default `audience` of minted tokens (repeat for several; /token?aud= overrides)")
	fs.DurationVar(&o.ttl, "ttl", 15*time.Minute, "default `lifetime` of minted tokens (/token?ttl= overrides)")
	fs.StringVar(&o.cookieName, "cookie-name", "session", "session cookie `name` that /login sets")
	fs.StringVar(&o.cookieDomain, "cookie-domain", "", "`domain` of that cookie, e.g. example.test (default host-only)")
	fs.Var(&o.hosts, "allow-host", "a `host` name mapped to loopback to answer on besides localhost and loopback IPs, e.g. www.example.test (repeatable)")
	fs.Var(&o.origins, "cors-origin", "a web `origin` whose pages may fetch /token, e.g. http://www.example.test:9012 (repeatable)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: devissuer [flags]\n\nA dev token issuer on loopback. NOT an identity provider: anyone who reaches it\ncan mint a token for any subject.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	return o, nil
}

// defaultKeyFile is in the user's config directory, so every checkout and
// `go run ...@version` shares one key.
func defaultKeyFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "sessiongate", "devissuer-key.pem")
}

// run starts the issuer with args, prints where it is and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	key, created, err := loadOrCreateKey(o.keyFile)
	if err != nil {
		return fmt.Errorf("-key: %w", err)
	}
	cfg := devissuer.Config{
		Issuer: o.issuer, Key: key, TTL: o.ttl, Audience: o.audiences,
		AllowedHosts: o.hosts, CORSOrigins: o.origins, CookieName: o.cookieName,
	}
	if cfg.Cookies, err = devissuer.PlainHTTPCookies(o.cookieName, o.cookieDomain); err != nil {
		return fmt.Errorf("-cookie-name/-cookie-domain: %w", err)
	}
	srv, err := devissuer.Start(o.addr, cfg)
	var opErr *net.OpError
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("-addr %s: the port is in use (another dev issuer?); stop it or choose another with -addr: %w", o.addr, err)
	case errors.Is(err, devissuer.ErrNotLoopback) || errors.As(err, &opErr):
		return fmt.Errorf("-addr %s: %w", o.addr, err)
	case err != nil:
		return err
	}
	defer srv.Close()
	printStart(stdout, srv, o, created)
	<-ctx.Done()
	fmt.Fprintln(stdout, "dev issuer stopped")
	return nil
}

func printStart(w io.Writer, srv *devissuer.Server, o options, created bool) {
	base := "http://" + srv.Addr().String()
	state := "reused"
	if created {
		state = "created"
	}
	domain := o.cookieDomain
	if domain == "" {
		domain = "host-only"
	}
	fmt.Fprintf(w, "sessiongate dev issuer listening on %s (Ctrl-C stops it)\n", base)
	fmt.Fprintln(w, "  NOT an identity provider: anyone who reaches it can mint a token for any subject.")
	fmt.Fprintf(w, "  iss     %s\n", srv.URL())
	fmt.Fprintf(w, "  key     %s (%s; kid %s; tokens survive a restart)\n", o.keyFile, state, srv.KeyID())
	fmt.Fprintf(w, "  JWKS    %s/.well-known/jwks\n", base)
	fmt.Fprintf(w, "  token   curl -s '%s/token?sub=alice'\n", base)
	fmt.Fprintf(w, "  cookie  %s/login?sub=alice sets %q (%s, no Secure: plain HTTP)\n", base, o.cookieName, domain)
}

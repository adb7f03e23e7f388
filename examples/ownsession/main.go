// Command ownsession runs sessiongate's own sessions (seeds 002 and 003)
// end to end: a provider signs the user in (here the dev issuer stands in
// for Corbado, SuperTokens or any OIDC issuer), the app exchanges the
// provider's token for a session of its own (a 5-minute access JWT and a
// rotating refresh token kept in SQLite), verifies the access token locally
// on every API call, refreshes it with rotation and reuse detection, lists
// and revokes sessions, and refuses a revoked session's token at once
// through the deny-list.
//
//	go run . [-addr 127.0.0.1:9006] [-issuer http://127.0.0.1:8081] [-store sqlite|memory] [-data DIR]
//
// Start a dev issuer first, allowing this page to fetch its tokens (make
// issuer ISSUER_FLAGS='-cors-origin http://127.0.0.1:9006'). Each flag can
// also be set by the environment variable in its help text. The secret the
// refresh tokens and the sealed signing keys derive from comes from
// SESSION_SECRET; without it, a random one is kept in <data>/secret.
package main

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
	"github.com/sessiongate/sessiongate/stores/sqlitestore"
)

//go:embed index.html
var files embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ownsession:", err)
		os.Exit(1)
	}
}

// options are the program's flags.
type options struct {
	addr, issuer, publicURL string
	store, data             string
	accessTTL, grace, poll  time.Duration
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envDuration is envOr for a duration; a value that does not parse is an
// error naming the variable.
func envDuration(name string, def time.Duration) (time.Duration, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("ownsession", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", envOr("ADDR", "127.0.0.1:9006"), "`address` to listen on (env ADDR)")
	fs.StringVar(&o.issuer, "issuer", envOr("ISSUER_URL", "http://127.0.0.1:8081"), "the provider's issuer `URL`: the dev issuer, or your Corbado or OIDC issuer (env ISSUER_URL)")
	fs.StringVar(&o.publicURL, "public-url", envOr("PUBLIC_URL", ""), "this app's own `URL`, the iss of its access tokens; https behind TLS (env PUBLIC_URL; default http://<addr>)")
	fs.StringVar(&o.store, "store", envOr("STORE", "sqlite"), "session `store`: sqlite (a file in -data) or memory (env STORE)")
	fs.StringVar(&o.data, "data", envOr("DATA_DIR", ""), "`directory` for sessions.db and the dev secret (env DATA_DIR; default a temporary one, removed at exit)")
	for _, d := range []struct {
		p         *time.Duration
		flag, env string
		def       time.Duration
		usage     string
	}{
		{&o.accessTTL, "access-ttl", "ACCESS_TTL", sessions.DefaultAccessTTL, "access-token `lifetime`, 30s to 1h"},
		{&o.grace, "grace", "GRACE", sessions.DefaultGrace, "how long a rotated refresh token still gets its successor"},
		{&o.poll, "deny-poll", "DENY_POLL", time.Second, "how often the deny-list reads the revocation feed"},
	} {
		def, err := envDuration(d.env, d.def)
		if err != nil {
			return o, err
		}
		fs.DurationVar(d.p, d.flag, def, d.usage+" (env "+d.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	if o.store != "sqlite" && o.store != "memory" {
		return o, fmt.Errorf("-store %q: want sqlite or memory", o.store)
	}
	return o, nil
}

// run starts the app and serves until ctx ends.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags(args, io.Discard)
	if errors.Is(err, flag.ErrHelp) {
		_, err = parseFlags(args, stdout)
	}
	if err != nil {
		return err
	}
	// Listen first: the app's URL (its tokens' iss) includes the port.
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	defer ln.Close()
	if o.publicURL == "" {
		o.publicURL = "http://" + ln.Addr().String()
	}
	a, err := build(ctx, o, stdout)
	if err != nil {
		return err
	}
	defer a.close()
	h, err := a.routes()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "own sessions (exchange, refresh, revoke) listening on %s\n", o.publicURL)
	return serve(ctx, ln, h)
}

// app is everything run builds, closed in reverse order.
type app struct {
	opts     options
	store    sessions.Store
	provider *core.Gate // verifies the provider's tokens at /auth/exchange
	manager  *sessions.Manager
	deny     *sessions.DenyList
	gate     *core.Gate // verifies the app's own access tokens
	ep       *sessions.Endpoints
	closers  []func()
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// build opens the store and wires the provider gate, the manager, the
// deny-list, the app's gate and the endpoints. On error it closes what it
// opened.
func build(ctx context.Context, o options, stdout io.Writer) (_ *app, err error) {
	a := &app{opts: o}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	dir, err := a.dataDir()
	if err != nil {
		return nil, err
	}
	secret, err := loadSecret(dir)
	if err != nil {
		return nil, err
	}
	if err := a.openStore(dir, stdout); err != nil {
		return nil, err
	}
	// The provider: its tokens are verified with its JWKS, like any gate's.
	// With Corbado: core.New(core.CorbadoConfig(frontendAPI)); with an OIDC
	// issuer: core.New(core.OIDCConfig(issuer, clientID)).
	a.provider, err = core.New(core.Config{
		Issuers:  []core.Issuer{{Name: o.issuer, JWKSURL: o.issuer + "/.well-known/jwks"}},
		Transfer: core.TransferHeader,
	})
	if err != nil {
		return nil, fmt.Errorf("-issuer: %w\n(is the provider running? make issuer ISSUER_FLAGS='-cors-origin %s', or set -issuer)", err, origin(o.publicURL))
	}
	a.closers = append(a.closers, func() { a.provider.Close() })
	if err := a.session(ctx, secret); err != nil {
		return nil, err
	}
	a.ep, err = sessions.NewEndpoints(a.manager, sessions.EndpointsConfig{Gate: a.gate, ProviderGate: a.provider, MapUser: mapUser})
	if err != nil {
		return nil, err
	}
	a.sweep(ctx)
	return a, nil
}

// session builds the manager, the deny-list and the gate that checks the
// manager's access tokens against it.
func (a *app) session(ctx context.Context, secret []byte) error {
	o := a.opts
	var err error
	a.manager, err = sessions.New(ctx, sessions.Config{
		Issuer: o.publicURL, Store: a.store, Secret: [][]byte{secret},
		AccessTTL: o.accessTTL, Grace: o.grace,
		// A stolen refresh token came back: the store has revoked the whole
		// session already and the manager has logged it. Here an app tells
		// the user ("was this you?") or its security team.
		OnReuse: func(_ context.Context, e sessions.ReuseEvent) {
			slog.Warn("security alert: a refresh token was used twice; the session is revoked, the user must sign in again",
				"subject", e.Subject, "ip", e.IP, "user_agent", e.UserAgent)
		},
	})
	if err != nil {
		return sessionFlagError(err)
	}
	a.closers = append(a.closers, func() { a.manager.Close() })
	// The deny-list holds sessions revoked within Keep: as long as a token
	// minted before the revocation can still pass (its lifetime plus the
	// most leeway a gate allows). SQLite is polled; memstore, Postgres and
	// Redis push.
	a.deny, err = sessions.NewDenyList(ctx, a.store, sessions.DenyListConfig{
		Keep: o.accessTTL + 5*time.Minute, PollInterval: o.poll, Issuer: o.publicURL,
	})
	if err != nil {
		return fmt.Errorf("-deny-poll: %w", err)
	}
	a.closers = append(a.closers, func() { a.deny.Close() })
	a.gate, err = core.New(core.Config{
		Issuers:     []core.Issuer{a.manager.Issuer()}, // the keys, read in process
		Audiences:   []string{o.publicURL},
		CookieNames: []string{sessions.DefaultCookies().Access},
		// Browsers keep Secure cookies only from https (and localhost).
		Cookie:      core.CookieAttributes{Insecure: plainHTTP(o.publicURL)},
		Revocations: a.deny,
	})
	if err != nil {
		return fmt.Errorf("-public-url: %w", err)
	}
	a.closers = append(a.closers, func() { a.gate.Close() })
	return nil
}

// sessionFlagError names the flag behind a sessions.Config field the
// manager refused.
func sessionFlagError(err error) error {
	var ce *core.ConfigError
	if errors.As(err, &ce) {
		flags := map[string]string{"Issuer": "-public-url", "AccessTTL": "-access-ttl", "Grace": "-grace"}
		if f, ok := flags[ce.Field]; ok {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return err
}

// dataDir is -data, created when missing, or a temporary directory removed
// at exit.
func (a *app) dataDir() (string, error) {
	if a.opts.data != "" {
		if err := os.MkdirAll(a.opts.data, 0o700); err != nil {
			return "", fmt.Errorf("-data: %w", err)
		}
		return a.opts.data, nil
	}
	dir, err := os.MkdirTemp("", "ownsession-")
	if err != nil {
		return "", err
	}
	a.closers = append(a.closers, func() { os.RemoveAll(dir) })
	return dir, nil
}

// openStore opens the session store -store names.
func (a *app) openStore(dir string, stdout io.Writer) error {
	if a.opts.store == "memory" {
		// One process, lost at exit: for tests and demos.
		a.store = memstore.New()
		fmt.Fprintln(stdout, "store: memory (sessions end when the program does)")
	} else {
		path := filepath.Join(dir, "sessions.db")
		s, err := sqlitestore.Open(path)
		if err != nil {
			return fmt.Errorf("-data: %w", err)
		}
		a.store = s
		fmt.Fprintf(stdout, "store: SQLite %s\n", path)
	}
	a.closers = append(a.closers, func() { a.store.Close() })
	return nil
}

// sweep deletes ended sessions, old feed entries and used provider-token
// keys every ten minutes until ctx ends. It keeps the feed for the
// deny-list's Keep, so a deny-list started later still learns of every
// revocation whose tokens can live.
func (a *app) sweep(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	keep := a.opts.accessTTL + 5*time.Minute
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := a.store.Sweep(ctx, time.Now(), keep, 1000); err != nil {
					slog.Warn("sweep failed", "err", err)
				}
			}
		}
	}()
	a.closers = append(a.closers, func() { cancel(); <-done })
}

// secretFile is where a dev secret is kept when SESSION_SECRET is unset.
const secretFile = "secret"

// loadSecret returns SESSION_SECRET, or the secret in dir, created (mode
// 0600) when missing. In production set SESSION_SECRET from a secret
// manager, the same on every instance sharing the store.
func loadSecret(dir string) ([]byte, error) {
	if s, ok := os.LookupEnv("SESSION_SECRET"); ok {
		if len(s) < 32 {
			return nil, errors.New("SESSION_SECRET: must be at least 32 bytes")
		}
		return []byte(s), nil
	}
	path := filepath.Join(dir, secretFile)
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	b := []byte(rand.Text() + rand.Text()) // 2 × 128 bits, printable
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("-data: %w", err)
	}
	return b, nil
}

// blocked are users the app refuses to sign in, to show MapUser's 403.
var blocked = map[string]bool{"mallory": true}

// mapUser maps the provider's user to the app's: here the provider's sub is
// the app's user ID and the access tokens carry which provider signed the
// user in. An app would look the user up (or create it) in its database.
func mapUser(_ context.Context, p *core.Session) (sessions.Identity, error) {
	if blocked[p.Subject] {
		return sessions.Identity{}, errors.New("blocked user")
	}
	return sessions.Identity{Subject: p.Subject, Claims: map[string]any{"idp": p.Issuer}}, nil
}

// plainHTTP reports whether u is served without TLS.
func plainHTTP(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "http"
}

// origin is the scheme and host of u.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Scheme + "://" + p.Host
}

// serve serves h on ln until ctx ends.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

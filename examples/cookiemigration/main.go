// Command cookiemigration is scenario 5: the session cookie moves from
// host-only on api (how it was set before) to the parent domain (so that
// other API hosts get it too). Until the old cookies expire the browser
// sends sid twice. The gate takes the newest valid token and answers with a
// Set-Cookie that clears the host-only copy, so the browser ends up holding
// only the new cookie and the user stays signed in. The API is Fiber v3.
//
//	go run . [-addr 127.0.0.1:9005] [-cookie-domain example.test] [-issuer http://127.0.0.1:8081]
//
// Each flag can also be set by the environment variable in its help text.
package main

import (
	"bytes"
	"context"
	"embed"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/gofiber/fiber/v3"

	"github.com/sessiongate/sessiongate/adapters/sessionfiberv3"
	"github.com/sessiongate/sessiongate/core"
)

//go:embed index.html
var files embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cookiemigration:", err)
		os.Exit(1)
	}
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

type config struct {
	addr, apiHost, cookieDomain, issuer string
	plainHTTP                           bool
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("cookiemigration", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", envOr("ADDR", "127.0.0.1:9005"), "`address` of the API (env ADDR)")
	fs.StringVar(&c.apiHost, "api-host", envOr("API_HOST", "api.example.test"), "public `host` name of the API (env API_HOST)")
	fs.StringVar(&c.cookieDomain, "cookie-domain", envOr("COOKIE_DOMAIN", "example.test"), "the `domain` the cookie moves to; it used to be host-only (env COOKIE_DOMAIN)")
	fs.StringVar(&c.issuer, "issuer", envOr("ISSUER_URL", "http://127.0.0.1:8081"), "token issuer `URL`, an OpenID Connect issuer (env ISSUER_URL)")
	plain, _ := strconv.ParseBool(envOr("PLAIN_HTTP", "true"))
	fs.BoolVar(&c.plainHTTP, "plain-http", plain, "the API is reached over plain HTTP (development): cookies without Secure; false in production (env PLAIN_HTTP)")
	return c, fs.Parse(args)
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	gate, err := core.New(core.Config{
		Issuers:      []core.Issuer{{Name: c.issuer, Discovery: true}},
		CookieNames:  []string{"sid"},
		CookieDomain: c.cookieDomain, // where the cookie lives now
		// Where it lived before: host-only. When both arrive, the newest
		// valid token wins and the host-only copy is cleared. Keep this for
		// as long as the old cookies can live.
		OlderCookieHostOnly: true,
		APIDomains:          []string{c.apiHost},
		Cookie:              core.CookieAttributes{Insecure: c.plainHTTP},
	})
	if err != nil {
		return fmt.Errorf("%w\n(is the issuer running? make issuer, or set -issuer)", err)
	}
	defer gate.Close()
	app, err := newApp(gate, c.issuer)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	fmt.Fprintf(stdout, "scenario 5 (Fiber v3) listening on http://%s\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	err = app.Shutdown()
	<-done
	return err
}

func newApp(gate *core.Gate, issuer string) (*fiber.App, error) {
	protect, err := sessionfiberv3.New(gate, sessionfiberv3.Config{})
	if err != nil {
		return nil, err
	}
	page, err := renderPage(issuer)
	if err != nil {
		return nil, err
	}
	// Tokens of several KB exceed fasthttp's default 4 KB header buffer.
	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10})
	app.Get("/", func(c fiber.Ctx) error { return c.Type("html", "utf-8").Send(page) })
	app.Get("/healthz", func(c fiber.Ctx) error { return c.SendString("ok\n") })
	app.Get("/me", protect, func(c fiber.Ctx) error {
		s, _ := sessionfiberv3.FromContext(c)
		return c.JSON(fiber.Map{"subject": s.Subject, "source": s.Source})
	})
	// Sign-in: the provider's token, as a bearer header, becomes the
	// session cookie on the new domain through the gate's cookie writer.
	app.Post("/session", protect, func(c fiber.Ctx) error {
		s, _ := sessionfiberv3.FromContext(c)
		cookie := gate.Cookies().Set(gate.CookieName(), string(s.Token), s.ExpiresAt)
		c.Response().Header.Add(fiber.HeaderSetCookie, cookie.String())
		return c.JSON(fiber.Map{"subject": s.Subject, "cookie_domain": gate.Cookies().Domain()})
	})
	return app, nil
}

func renderPage(issuer string) ([]byte, error) {
	t, err := template.ParseFS(files, "index.html")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = t.Execute(&b, map[string]string{"Issuer": issuer})
	return b.Bytes(), err
}

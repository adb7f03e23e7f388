// Command sharedcookie is scenario 4: two API hosts, api and api2, share one
// session cookie set on their parent domain. core.CommonCookieDomain works
// the domain out from the two host names (api.example.test and
// api2.example.test give .example.test); the gate sets the cookie there, and
// the browser sends it to both. Both APIs are Fiber v2 apps, each with its
// own gate configured alike, as two services would be.
//
//	go run . [-api-addr 127.0.0.1:9004] [-api2-addr 127.0.0.1:9014] [-issuer http://127.0.0.1:8081]
//
// api's POST /session turns a bearer token (from the provider) into the
// shared cookie. Each flag can also be set by the environment variable in
// its help text.
package main

import (
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

	"github.com/gofiber/fiber/v2"

	"github.com/sessiongate/sessiongate/adapters/sessionfiber"
	"github.com/sessiongate/sessiongate/core"
)

//go:embed index.html
var files embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sharedcookie:", err)
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
	apiAddr, api2Addr, apiHost, api2Host, issuer string
	plainHTTP                                    bool
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("sharedcookie", flag.ContinueOnError)
	fs.StringVar(&c.apiAddr, "api-addr", envOr("API_ADDR", "127.0.0.1:9004"), "`address` of api (env API_ADDR)")
	fs.StringVar(&c.api2Addr, "api2-addr", envOr("API2_ADDR", "127.0.0.1:9014"), "`address` of api2 (env API2_ADDR)")
	fs.StringVar(&c.apiHost, "api-host", envOr("API_HOST", "api.example.test"), "public `host` name of api (env API_HOST)")
	fs.StringVar(&c.api2Host, "api2-host", envOr("API2_HOST", "api2.example.test"), "public `host` name of api2 (env API2_HOST)")
	fs.StringVar(&c.issuer, "issuer", envOr("ISSUER_URL", "http://127.0.0.1:8081"), "token issuer `URL`, an OpenID Connect issuer (env ISSUER_URL)")
	plain, _ := strconv.ParseBool(envOr("PLAIN_HTTP", "true"))
	fs.BoolVar(&c.plainHTTP, "plain-http", plain, "the APIs are reached over plain HTTP (development): cookies without Secure; false in production (env PLAIN_HTTP)")
	return c, fs.Parse(args)
}

// gateConfig is the configuration both APIs share.
func gateConfig(c config) (core.Config, error) {
	domain, err := core.CommonCookieDomain(c.apiHost, c.api2Host)
	if err != nil {
		return core.Config{}, fmt.Errorf("-api-host/-api2-host: %w", err)
	}
	return core.Config{
		Issuers:      []core.Issuer{{Name: c.issuer, Discovery: true}},
		CookieNames:  []string{"sid"},
		CookieDomain: domain, // ".example.test": sent to api and api2
		APIDomains:   []string{c.apiHost, c.api2Host},
		Cookie:       core.CookieAttributes{Insecure: c.plainHTTP},
	}, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	cfg, err := gateConfig(c)
	if err != nil {
		return err
	}
	apiLn, err := net.Listen("tcp", c.apiAddr)
	if err != nil {
		return fmt.Errorf("-api-addr: %w", err)
	}
	defer apiLn.Close()
	api2Ln, err := net.Listen("tcp", c.api2Addr)
	if err != nil {
		return fmt.Errorf("-api2-addr: %w", err)
	}
	defer api2Ln.Close()
	// The page links to api2 under its public name, on the port it got.
	api2URL := "http://" + net.JoinHostPort(c.api2Host, strconv.Itoa(api2Ln.Addr().(*net.TCPAddr).Port))
	api, closeAPI, err := newAPI(cfg, "api", map[string]string{"Issuer": c.issuer, "API2": api2URL})
	if err != nil {
		return err
	}
	defer closeAPI()
	api2, closeAPI2, err := newAPI(cfg, "api2", nil)
	if err != nil {
		return err
	}
	defer closeAPI2()
	fmt.Fprintf(stdout, "scenario 4 api (Fiber v2) listening on http://%s\n", apiLn.Addr())
	fmt.Fprintf(stdout, "scenario 4 api2 (Fiber v2) listening on http://%s\n", api2Ln.Addr())
	return serve(ctx, map[*fiber.App]net.Listener{api: apiLn, api2: api2Ln})
}

// newAPI builds one API with its own gate. With page data it also serves
// the page and POST /session.
func newAPI(cfg core.Config, name string, page map[string]string) (*fiber.App, func() error, error) {
	gate, err := core.New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w\n(is the issuer running? make issuer, or set -issuer)", name, err)
	}
	protect, err := sessionfiber.New(gate, sessionfiber.Config{})
	if err != nil {
		gate.Close()
		return nil, nil, err
	}
	// Tokens of several KB exceed fasthttp's default 4 KB header buffer.
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadBufferSize: 16 << 10})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok\n") })
	app.Get("/me", protect, func(c *fiber.Ctx) error {
		s, _ := sessionfiber.FromContext(c)
		return c.JSON(fiber.Map{"subject": s.Subject, "source": s.Source, "api": name})
	})
	if page != nil {
		if err := addSession(app, gate, protect, page); err != nil {
			gate.Close()
			return nil, nil, err
		}
	}
	return app, gate.Close, nil
}

// addSession adds the page and POST /session, which sets the verified
// token as the session cookie through the gate's cookie writer: on the
// shared domain, with the gate's attributes.
func addSession(app *fiber.App, gate *core.Gate, protect fiber.Handler, data map[string]string) error {
	page, err := template.ParseFS(files, "index.html")
	if err != nil {
		return err
	}
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html", "utf-8")
		return page.Execute(c, data)
	})
	app.Post("/session", protect, func(c *fiber.Ctx) error {
		s, _ := sessionfiber.FromContext(c)
		cookie := gate.Cookies().Set(gate.CookieName(), string(s.Token), s.ExpiresAt)
		c.Response().Header.Add(fiber.HeaderSetCookie, cookie.String())
		return c.JSON(fiber.Map{"subject": s.Subject, "cookie_domain": gate.Cookies().Domain()})
	})
	return nil
}

// serve serves each app on its listener until ctx ends or one fails, then
// shuts them all down and waits for them.
func serve(ctx context.Context, apps map[*fiber.App]net.Listener) error {
	done := make(chan error, len(apps))
	for app, ln := range apps {
		go func() { done <- app.Listener(ln) }()
	}
	var err error
	pending := len(apps)
	select {
	case <-ctx.Done():
	case err = <-done:
		pending--
	}
	for app := range apps {
		app.Shutdown()
	}
	for ; pending > 0; pending-- {
		<-done
	}
	return err
}

// Command crossorigin is scenario 2: the page on www, the API on api, the
// session token sent by the page's JavaScript as "Authorization: Bearer".
// The API is Gin with gin-contrib/cors in front of the gate, so the
// browser's preflight gets its CORS answer and the 401's WWW-Authenticate
// is readable by the page.
//
//	go run . [-addr 127.0.0.1:9002] [-www-addr 127.0.0.1:9012] [-issuer http://127.0.0.1:8081]
//
// It also serves the frontend page (www/index.html) on -www-addr, a
// stand-in for your own frontend. Each flag can also be set by the
// environment variable in its help text.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"github.com/sessiongate/sessiongate/adapters/sessiongin"
	"github.com/sessiongate/sessiongate/core"
)

//go:embed www/index.html
var files embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "crossorigin:", err)
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
	addr, wwwAddr, issuer, apiURL string
	origins                       []string
}

func parseFlags(args []string) (config, error) {
	var c config
	var origins string
	fs := flag.NewFlagSet("crossorigin", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", envOr("ADDR", "127.0.0.1:9002"), "`address` of the API (env ADDR)")
	fs.StringVar(&c.wwwAddr, "www-addr", envOr("WWW_ADDR", "127.0.0.1:9012"), "`address` of the frontend page; empty: no page (env WWW_ADDR)")
	fs.StringVar(&c.issuer, "issuer", envOr("ISSUER_URL", "http://127.0.0.1:8081"), "token issuer `URL`, an OpenID Connect issuer (env ISSUER_URL)")
	fs.StringVar(&origins, "www-origin", envOr("WWW_ORIGIN", "http://127.0.0.1:9012"), "comma-separated frontend `origins` the API answers CORS requests from (env WWW_ORIGIN)")
	fs.StringVar(&c.apiURL, "api-url", envOr("API_URL", "http://127.0.0.1:9002"), "the API's `URL` as the page calls it (env API_URL)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.origins = strings.Split(origins, ",")
	return c, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	// Header only, keys found through the issuer's discovery document.
	gate, err := core.New(core.OIDCConfig(c.issuer))
	if err != nil {
		return fmt.Errorf("%w\n(is the issuer running? make issuer, or set -issuer)", err)
	}
	defer gate.Close()
	api, err := newAPI(gate, c.origins)
	if err != nil {
		return err
	}
	page, err := newPage(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 2)
	go func() { done <- serve(ctx, "API (Gin)", c.addr, api, stdout) }()
	servers := 1
	if c.wwwAddr != "" {
		servers++
		go func() { done <- serve(ctx, "frontend page", c.wwwAddr, page, stdout) }()
	}
	var first error
	for range servers {
		if err := <-done; err != nil && first == nil {
			first = err
			cancel() // one server failed: stop the other
		}
	}
	return first
}

// newAPI is the API: CORS first, so a preflight is answered before the
// gate runs, then the gate on the routes it protects.
func newAPI(gate *core.Gate, origins []string) (http.Handler, error) {
	corsCfg := cors.Config{
		AllowOrigins:  origins,
		AllowMethods:  []string{http.MethodGet},
		AllowHeaders:  []string{"Authorization"},
		ExposeHeaders: []string{"WWW-Authenticate"}, // lets the page read the 401's challenge
		MaxAge:        10 * time.Minute,
	}
	if err := corsCfg.Validate(); err != nil {
		return nil, fmt.Errorf("-www-origin: %w", err)
	}
	protect, err := sessiongin.New(gate, sessiongin.Config{})
	if err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), cors.New(corsCfg))
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	authed := r.Group("/", protect)
	authed.GET("/me", func(c *gin.Context) {
		s, _ := sessiongin.FromContext(c)
		c.JSON(http.StatusOK, gin.H{"subject": s.Subject, "source": s.Source})
	})
	return r, nil
}

// newPage serves www/index.html with the URLs it calls.
func newPage(c config) (http.Handler, error) {
	page, err := template.ParseFS(files, "www/index.html")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, map[string]string{"API": c.apiURL, "Issuer": c.issuer})
	})
	return mux, nil
}

// serve listens on addr, says where, and serves h until ctx ends.
func serve(ctx context.Context, name, addr string, h http.Handler, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "scenario 2 %s listening on http://%s\n", name, ln.Addr())
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

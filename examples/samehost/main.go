// Command samehost is scenario 1: the page and the API on the same host,
// the session token in the provider's cookie. Corbado's UI component
// stores it as cbo_session_token (formerly cbo_short_session) on the host
// the page is on, and the browser sends it back to the API on that host.
//
//	go run . [-addr 127.0.0.1:9001] [-issuer http://127.0.0.1:8081]
//
// Start a dev issuer first (make issuer, with -cookie-name
// cbo_session_token) or point -issuer at your Corbado project's Frontend
// API URL. Each flag can also be set by the environment variable in its
// help text.
package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
)

//go:embed index.html
var files embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "samehost:", err)
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

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("samehost", flag.ContinueOnError)
	addr := fs.String("addr", envOr("ADDR", "127.0.0.1:9001"), "`address` to listen on (env ADDR)")
	issuer := fs.String("issuer", envOr("ISSUER_URL", "http://127.0.0.1:8081"), "token issuer `URL`: the dev issuer or your Corbado Frontend API URL (env ISSUER_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	// The Corbado preset: the issuer, its JWKS at <issuer>/.well-known/jwks
	// and the cookie names cbo_session_token, then cbo_short_session.
	gate, err := core.New(core.CorbadoConfig(*issuer))
	if err != nil {
		return fmt.Errorf("%w\n(is the issuer running? make issuer ISSUER_FLAGS='-cookie-name cbo_session_token', or set -issuer)", err)
	}
	defer gate.Close()
	protect, err := sessionhttp.New(gate, sessionhttp.Config{})
	if err != nil {
		return err
	}
	page, err := template.ParseFS(files, "index.html")
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, map[string]string{"Issuer": *issuer})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.Handle("GET /me", protect(http.HandlerFunc(me)))
	// A state-changing call: with a cookie token the gate refuses it from
	// another origin (403), so a page elsewhere cannot post as the user.
	mux.Handle("POST /notes", protect(http.HandlerFunc(saveNote)))
	return serve(ctx, *addr, mux, stdout)
}

func me(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionhttp.FromRequest(r)
	writeJSON(w, map[string]string{"subject": s.Subject, "source": string(s.Source), "cookie": s.CookieName})
}

func saveNote(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionhttp.FromRequest(r)
	writeJSON(w, map[string]string{"saved_for": s.Subject})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// serve listens on addr, says where, and serves h until ctx ends.
func serve(ctx context.Context, addr string, h http.Handler, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "scenario 1 (same host, cookie) listening on http://%s\n", ln.Addr())
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

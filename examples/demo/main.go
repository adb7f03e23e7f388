// Command demo runs the sessiongate quickstart stack on loopback: the
// built-in dev issuer and a small net/http API protected by sessionhttp.
// It prints curl commands that get a token and call the API with a bearer
// header, with a cookie, and with a bad token. No provider account needed.
//
//	make demo            (or: go run ./examples/demo)
//
// Flags: -issuer-addr and -api-addr choose the loopback addresses; any other
// address is refused.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

func main() {
	issuerAddr := flag.String("issuer-addr", "127.0.0.1:8081", "loopback address of the dev issuer")
	apiAddr := flag.String("api-addr", "127.0.0.1:8080", "loopback address of the API")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *issuerAddr, *apiAddr, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// Stack is what run started, handed to ready (tests use it).
type Stack struct {
	IssuerURL, APIURL string
}

// run starts the issuer and the API, prints the instructions, calls ready
// (when non-nil) and serves until ctx ends.
func run(ctx context.Context, issuerAddr, apiAddr string, out io.Writer, ready func(Stack)) error {
	iss, err := devissuer.Start(issuerAddr, devissuer.Config{})
	if err != nil {
		return fmt.Errorf("starting the dev issuer on %s (use -issuer-addr with a free loopback port): %w", issuerAddr, err)
	}
	defer iss.Close()

	gate, err := core.New(core.Config{
		Issuers:     []core.Issuer{iss.CoreIssuer()},
		CookieNames: []string{"session"},
		// The demo speaks plain HTTP on 127.0.0.1, where a Secure cookie
		// would not be sent back by curl's cookie jar. Never in production.
		Cookie: core.CookieAttributes{Insecure: true},
		Logger: slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	defer gate.Close()

	protect, err := sessionhttp.New(gate, sessionhttp.Config{
		Skipper: func(r *http.Request) bool { return r.URL.Path == "/healthz" },
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/api/me", func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionhttp.FromRequest(r)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"subject": s.Subject, "source": s.Source, "expires_at": s.ExpiresAt.UTC().Format(time.RFC3339)})
	})
	api := http.NewServeMux()
	api.Handle("/", protect(mux))
	// The dev issuer's login sets the session cookie on the API's own host,
	// with the gate's cookie rules.
	api.Handle("/login", iss.LoginHandler(gate.Cookies(), gate.CookieName()))

	// Loopback only, like the issuer: /login hands out a session for any
	// subject to whoever reaches it.
	ln, err := devissuer.ListenLoopback(apiAddr)
	if err != nil {
		return fmt.Errorf("starting the API on %s (use -api-addr with a free loopback port): %w", apiAddr, err)
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	st := Stack{IssuerURL: iss.URL(), APIURL: "http://" + ln.Addr().String()}
	printInstructions(out, st)
	if ready != nil {
		ready(st)
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func printInstructions(out io.Writer, st Stack) {
	fmt.Fprintf(out, `sessiongate demo is running (Ctrl-C to stop)
  dev issuer: %[1]s   (JWKS at %[1]s/.well-known/jwks; NOT a production identity provider)
  API:        %[2]s   (GET /api/me is protected; /healthz is skipped)

1. Get a token from the dev issuer:
   TOKEN=$(curl -s '%[1]s/token?sub=alice' | sed -E 's/.*"token":"([^"]+)".*/\1/')

2. Call the API with a bearer header (200):
   curl -i -H "Authorization: Bearer $TOKEN" %[2]s/api/me

3. Call it with the session cookie instead (200):
   curl -i --cookie "session=$TOKEN" %[2]s/api/me

4. Call it with a bad token (401, WWW-Authenticate: Bearer error="invalid_token"):
   curl -i -H "Authorization: Bearer not-a-token" %[2]s/api/me

5. Call it with no token (401):
   curl -i %[2]s/api/me

6. Sign in through a cookie set by the API, then call it with the cookie jar:
   curl -s -c /tmp/sessiongate-jar '%[2]s/login?sub=bob' && curl -i -b /tmp/sessiongate-jar %[2]s/api/me

`, st.IssuerURL, st.APIURL)
}

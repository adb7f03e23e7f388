// Command forwarding is scenario 3: the browser calls the shop backend
// with a bearer token, and the shop calls the payment backend on the
// user's behalf with the same token. Both are Echo apps with their own
// gate; the shop's outgoing client is core/forward's, which adds the token
// of the request being served, and only for the origins it is given. In
// the DPoP variant (dpop.go) the shop calls payment with a token bound to
// its own key, through core/dpop's Transport.
//
//	go run . [-shop-addr 127.0.0.1:9003] [-payment-addr 127.0.0.1:9013] [-issuer http://127.0.0.1:8081]
//
// Each flag can also be set by the environment variable in its help text.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/adapters/sessionecho"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/forward"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "forwarding:", err)
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
	shopAddr, paymentAddr, issuer, paymentURL string
	forwardTo                                 []string
}

func parseFlags(args []string) (config, error) {
	var c config
	var forwardTo string
	fs := flag.NewFlagSet("forwarding", flag.ContinueOnError)
	fs.StringVar(&c.shopAddr, "shop-addr", envOr("SHOP_ADDR", "127.0.0.1:9003"), "`address` of the shop backend (env SHOP_ADDR)")
	fs.StringVar(&c.paymentAddr, "payment-addr", envOr("PAYMENT_ADDR", "127.0.0.1:9013"), "`address` of the payment backend (env PAYMENT_ADDR)")
	fs.StringVar(&c.issuer, "issuer", envOr("ISSUER_URL", "http://127.0.0.1:8081"), "token issuer `URL`, an OpenID Connect issuer (env ISSUER_URL)")
	fs.StringVar(&c.paymentURL, "payment-url", envOr("PAYMENT_URL", "http://127.0.0.1:9013"), "base `URL` the shop calls the payment backend at (env PAYMENT_URL)")
	fs.StringVar(&forwardTo, "forward-to", envOr("FORWARD_TO", ""), "comma-separated `origins` the shop may send the user's token to (env FORWARD_TO; default the origin of -payment-url)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if forwardTo == "" {
		u, err := url.Parse(c.paymentURL)
		if err != nil {
			return c, fmt.Errorf("-payment-url: %w", err)
		}
		forwardTo = u.Scheme + "://" + u.Host
	}
	c.forwardTo = strings.Split(forwardTo, ",")
	return c, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	// Two services, two gates: each backend verifies the token itself.
	shopGate, err := core.New(core.OIDCConfig(c.issuer))
	if err != nil {
		return fmt.Errorf("%w\n(is the issuer running? make issuer, or set -issuer)", err)
	}
	defer shopGate.Close()
	paymentGate, err := core.New(core.OIDCConfig(c.issuer))
	if err != nil {
		return err
	}
	defer paymentGate.Close()
	// Tokens go to these origins only: never to a third party through a
	// mistyped URL, a redirect or a URL from user input.
	client, err := forward.Client(c.forwardTo...)
	if err != nil {
		return fmt.Errorf("-forward-to: %w", err)
	}
	// The DPoP variant: payment's /dpop/ routes take only DPoP-bound
	// tokens with proofs; the shop holds a key and a token bound to it.
	paymentDPoP, err := core.New(dpopGateConfig(c.issuer, c.paymentURL))
	if err != nil {
		return fmt.Errorf("-payment-url: %w", err)
	}
	defer paymentDPoP.Close()
	g, dpopClient, err := newDPoPClient(c.issuer)
	if err != nil {
		return err
	}
	shop, err := newShop(shopGate, client, c.paymentURL, g, dpopClient)
	if err != nil {
		return err
	}
	payment, err := newPayment(paymentGate, paymentDPoP)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 2)
	go func() { done <- serve(ctx, "shop (Echo)", c.shopAddr, shop, stdout) }()
	go func() { done <- serve(ctx, "payment (Echo)", c.paymentAddr, payment, stdout) }()
	var first error
	for range 2 {
		if err := <-done; err != nil && first == nil {
			first = err
			cancel() // one server failed: stop the other
		}
	}
	return first
}

// newBackend is what shop and payment have in common: an Echo app with
// its own gate, a public /healthz and a protected /me. It returns the
// middleware for the backend's other protected routes.
func newBackend(gate *core.Gate) (*echo.Echo, echo.MiddlewareFunc, error) {
	protect, err := sessionecho.New(gate, sessionecho.Config{})
	if err != nil {
		return nil, nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/me", func(c echo.Context) error {
		s, _ := sessionecho.FromContext(c)
		return c.JSON(http.StatusOK, echo.Map{"subject": s.Subject, "source": s.Source})
	}, protect)
	return e, protect, nil
}

func newShop(gate *core.Gate, client *http.Client, paymentURL string, g *grant, dpopClient *http.Client) (*echo.Echo, error) {
	e, protect, err := newBackend(gate)
	if err != nil {
		return nil, err
	}
	e.POST("/checkout", func(c echo.Context) error {
		s, _ := sessionecho.FromContext(c)
		// The request's context carries the session: the client adds its token.
		req, err := http.NewRequestWithContext(c.Request().Context(), http.MethodPost, paymentURL+"/charge", nil)
		if err != nil {
			return err
		}
		return relay(c, client, req, s.Subject)
	}, protect)
	e.POST("/checkout/dpop", dpopCheckout(g, dpopClient, paymentURL), protect)
	return e, nil
}

func newPayment(gate, dpopGate *core.Gate) (*echo.Echo, error) {
	e, protect, err := newBackend(gate)
	if err != nil {
		return nil, err
	}
	e.POST("/charge", func(c echo.Context) error {
		s, _ := sessionecho.FromContext(c)
		return c.JSON(http.StatusOK, echo.Map{"charged": s.Subject})
	}, protect)
	requireDPoP, err := sessionecho.New(dpopGate, sessionecho.Config{})
	if err != nil {
		return nil, err
	}
	e.POST("/dpop/charge", dpopCharge, requireDPoP)
	return e, nil
}

// serve listens on addr, says where, and serves h until ctx ends.
func serve(ctx context.Context, name, addr string, h http.Handler, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "scenario 3 %s listening on http://%s\n", name, ln.Addr())
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

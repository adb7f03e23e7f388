package main

// The DPoP variant of scenario 3: the shop calls the payment backend with a
// token granted to the shop and bound to the shop's own key (cnf.jkt). A
// copy of that token is useless without the key: every call carries a
// fresh proof signed with it (core/dpop's Transport), and the payment
// backend's route requires one (DPoPRequired), with server nonces, and
// refuses a proof it has seen before.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/adapters/sessionecho"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/dpop"
)

// grant is the token the shop was granted for calling payment, bound to
// the shop's DPoP key, kept until a minute before it expires. Here the dev
// issuer mints it (its /token endpoint, with cnf.jkt among the claims);
// with a real authorization server it is a client-credentials or
// token-exchange grant sent through the same DPoP client, and the server
// binds the token to the key the proof shows.
type grant struct {
	tokenURL string // the issuer's token endpoint
	key      *dpop.Key
	client   *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// Token returns the granted token, fetching a new one when it is missing or
// about to expire.
func (g *grant) Token(ctx context.Context) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.token != "" && time.Until(g.expires) > time.Minute {
		return g.token, nil
	}
	cnf, _ := json.Marshal(map[string]any{"cnf": map[string]string{"jkt": g.key.Thumbprint()}})
	q := url.Values{"sub": {"shop"}, "claims": {string(cnf)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.tokenURL, bytes.NewBufferString(q.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := g.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("token grant: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Token     string `json:"token"`
		ExpiresAt int64  `json:"expires_at"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&out) != nil || out.Token == "" {
		return "", fmt.Errorf("token grant: %s answered %d", g.tokenURL, resp.StatusCode)
	}
	g.token, g.expires = out.Token, time.Unix(out.ExpiresAt, 0)
	return g.token, nil
}

// newDPoPClient returns the shop's DPoP key, its granted token and the
// client that signs a proof for every call (and retries once with the
// payment backend's nonce when asked).
func newDPoPClient(issuer string) (*grant, *http.Client, error) {
	key, err := dpop.NewKey() // in production: a key kept across restarts (KeyFromSigner)
	if err != nil {
		return nil, nil, err
	}
	tr, err := dpop.NewTransport(dpop.TransportConfig{Key: key})
	if err != nil {
		return nil, nil, err
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	return &grant{tokenURL: issuer + "/token", key: key, client: client}, client, nil
}

// dpopCheckout is the shop's POST /checkout/dpop: the user is verified as
// for /checkout, then the shop asks payment to charge them, with its own
// DPoP-bound token.
func dpopCheckout(g *grant, client *http.Client, paymentURL string) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, _ := sessionecho.FromContext(c)
		ctx := c.Request().Context()
		tok, err := g.Token(ctx)
		if err != nil {
			return c.JSON(http.StatusBadGateway, echo.Map{"error": "no token for payment"})
		}
		body, _ := json.Marshal(map[string]string{"user": s.Subject})
		// A bytes.Reader body can be sent again: the Transport retries
		// once with the server's nonce.
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, paymentURL+"/dpop/charge", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "DPoP "+tok)
		return relay(c, client, req, s.Subject)
	}
}

// relay sends req to payment and answers with its JSON under "payment".
func relay(c echo.Context, client *http.Client, req *http.Request, subject string) error {
	resp, err := client.Do(req)
	if err != nil {
		return c.JSON(http.StatusBadGateway, echo.Map{"error": "payment unreachable"})
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return c.JSON(http.StatusBadGateway, echo.Map{"error": "payment refused", "payment_status": resp.StatusCode})
	}
	if !json.Valid(body) {
		return c.JSON(http.StatusBadGateway, echo.Map{"error": "payment answered something other than JSON"})
	}
	return c.JSON(http.StatusOK, echo.Map{"subject": subject, "payment": json.RawMessage(body)})
}

// dpopGateConfig is the payment backend's gate for /dpop/...: only
// DPoP-bound tokens with a proof, for the URL the shop calls it at (a
// proof's htu must name it), with server nonces. Several payment instances
// would share a replay cache (stores/redisreplay, or sessions.ReplayCache
// over their store) and a NonceSecret.
func dpopGateConfig(issuer, paymentURL string) core.Config {
	cfg := core.OIDCConfig(issuer)
	cfg.DPoP = core.DPoPConfig{Mode: core.DPoPRequired, URLs: []string{paymentURL}, RequireNonce: true}
	return cfg
}

// dpopCharge is payment's POST /dpop/charge: the caller (the shop, by its
// bound token) charges the user it names.
func dpopCharge(c echo.Context) error {
	s, _ := sessionecho.FromContext(c)
	var in struct {
		User string `json:"user"`
	}
	if err := json.NewDecoder(io.LimitReader(c.Request().Body, 1<<10)).Decode(&in); err != nil || in.User == "" {
		return c.JSON(http.StatusBadRequest, echo.Map{"error": `want {"user": ...}`})
	}
	return c.JSON(http.StatusOK, echo.Map{"charged": in.User, "caller": s.Subject})
}

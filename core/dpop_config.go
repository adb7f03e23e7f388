package core

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DPoPMode says whether the gate accepts, requires or ignores DPoP
// (RFC 9449) sender-constrained tokens.
type DPoPMode int

const (
	// DPoPAllowed (default): a request may carry "Authorization: DPoP
	// <token>" with a proof, or a bearer token without cnf as before. It
	// takes effect once DPoPConfig.URLs names where clients reach the
	// service: without them no proof's htu can be checked, and the DPoP
	// scheme is read as another scheme, as with DPoPDisabled.
	DPoPAllowed DPoPMode = iota
	// DPoPRequired: only "Authorization: DPoP <token>" with a valid proof
	// passes; a bearer token, a cookie, the custom header and the query
	// parameter are refused (ErrDPoPRequired). Needs DPoPConfig.URLs.
	DPoPRequired
	// DPoPDisabled: the DPoP scheme is another scheme and carries no token,
	// as before DPoP support.
	DPoPDisabled
)

// String returns "allowed", "required" or "disabled".
func (m DPoPMode) String() string {
	switch m {
	case DPoPAllowed:
		return "allowed"
	case DPoPRequired:
		return "required"
	case DPoPDisabled:
		return "disabled"
	}
	return "invalid"
}

// DPoPConfig configures DPoP (RFC 9449) proof checking. The zero value, with
// URLs set, accepts DPoP-bound tokens beside bearer tokens, with an
// in-memory replay cache and no server nonces. A token bound to a key (cnf
// with jkt) is never accepted without a proof of that key, in any mode and
// even with no URLs configured.
type DPoPConfig struct {
	// Mode: DPoPAllowed (default), DPoPRequired or DPoPDisabled.
	Mode DPoPMode
	// URLs are the external base URLs clients reach this service at, such
	// as "https://api.example.com", or "https://example.com/api" when a
	// proxy strips /api before the request arrives here. A proof's htu must
	// be one of them followed by the request's path. The gate never builds
	// htu from the request's Host header alone: a client controls it.
	URLs []string
	// Algorithms allowed for proofs. Asymmetric only: HS* and none are
	// refused. Default ES256, EdDSA, RS256, PS256.
	Algorithms []string
	// MaxAge is how old a proof's iat may be. Default 60s; at most 10m.
	// The replay cache remembers a proof's jti for MaxAge plus Leeway.
	MaxAge time.Duration
	// Leeway is how far a proof's iat may lie in the future (client clocks
	// run ahead), and how much older than MaxAge it may be. Default 10s;
	// at most 5m.
	Leeway time.Duration
	// Replay remembers the jti of every accepted proof for as long as the
	// proof would pass, so that a proof is used once. Default: an in-memory
	// cache of at most DefaultReplayEntries proofs, which holds for one
	// instance; several instances must share one (the Redis module's).
	Replay ReplayCache
	// RequireNonce makes every proof carry a nonce this server issued
	// (RFC 9449 §8): a proof without one, or with a stale one, is refused
	// with use_dpop_nonce and a fresh nonce in the DPoP-Nonce header.
	RequireNonce bool
	// NonceSecret (at least 32 bytes) keys the nonces. Give every instance
	// the same secret so that one's nonce is good at all. Default: random
	// per gate.
	NonceSecret []byte
	// NoncePeriod: a new nonce is issued every period, and a nonce is
	// accepted during the period it was issued in and the next (then the
	// answer carries the new one). Default 5m; between 10s and 24h.
	NoncePeriod time.Duration
}

// DefaultDPoPAlgorithms are allowed for proofs when DPoPConfig.Algorithms
// is empty.
func DefaultDPoPAlgorithms() []string { return []string{"ES256", "EdDSA", "RS256", "PS256"} }

// DefaultReplayEntries bounds the default in-memory replay cache: 56 MB
// when full (measured: 53 bytes a key), and room for 15,000 proofs a
// second with the default MaxAge and Leeway (a key is kept 70s).
const DefaultReplayEntries = 1 << 20

// dpopAlgorithms are the asymmetric signature algorithms a proof may use.
var dpopAlgorithms = []string{"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}

// baseURL is one of DPoPConfig.URLs, normalised as htu is compared: origin
// ("https://api.example.com", default port dropped) and path ("" or
// "/api", no trailing slash).
type baseURL struct {
	origin, path string
}

// on reports whether DPoP proofs are checked at all.
func (c *DPoPConfig) on() bool { return c.Mode != DPoPDisabled && len(c.URLs) > 0 }

// defaults validates c and fills its defaults; transfer is the gate's.
func (c *DPoPConfig) defaults(transfer Transfer, clock func() time.Time) ([]baseURL, error) {
	if c.Mode < DPoPAllowed || c.Mode > DPoPDisabled {
		return nil, configErr("DPoP.Mode", strconv.Itoa(int(c.Mode)), "must be DPoPAllowed, DPoPRequired or DPoPDisabled")
	}
	if c.Mode == DPoPRequired && len(c.URLs) == 0 {
		return nil, configErr("DPoP.URLs", "", "DPoPRequired needs the URLs clients reach this service at, to check a proof's htu")
	}
	if c.on() && transfer == TransferCookie {
		return nil, configErr("DPoP.URLs", c.URLs[0], "DPoP proofs come with the Authorization header, which TransferCookie does not read (set DPoP.Mode to DPoPDisabled)")
	}
	bases, err := parseBaseURLs(c.URLs)
	if err != nil {
		return nil, err
	}
	if err := c.checkAlgorithms(); err != nil {
		return nil, err
	}
	if err := c.checkTimes(); err != nil {
		return nil, err
	}
	if err := c.checkNonce(); err != nil {
		return nil, err
	}
	if c.Replay == nil && c.on() {
		c.Replay = NewMemoryReplayCache(DefaultReplayEntries, clock)
	}
	return bases, nil
}

func (c *DPoPConfig) checkAlgorithms() error {
	if len(c.Algorithms) == 0 {
		c.Algorithms = DefaultDPoPAlgorithms()
	}
	for i, a := range c.Algorithms {
		if !slices.Contains(dpopAlgorithms, a) {
			return configErr(fmt.Sprintf("DPoP.Algorithms[%d]", i), a, "is not an asymmetric signature algorithm (one of %s)", strings.Join(dpopAlgorithms, ", "))
		}
	}
	return nil
}

func (c *DPoPConfig) checkTimes() error {
	if c.MaxAge == 0 {
		c.MaxAge = 60 * time.Second
	}
	if c.MaxAge < 0 || c.MaxAge > 10*time.Minute {
		return configErr("DPoP.MaxAge", c.MaxAge.String(), "must be between 0 and 10m")
	}
	if c.Leeway == 0 {
		c.Leeway = 10 * time.Second
	}
	if c.Leeway < 0 || c.Leeway > 5*time.Minute {
		return configErr("DPoP.Leeway", c.Leeway.String(), "must be between 0 and 5m")
	}
	return nil
}

func (c *DPoPConfig) checkNonce() error {
	if c.NoncePeriod == 0 {
		c.NoncePeriod = 5 * time.Minute
	}
	if c.NoncePeriod < 10*time.Second || c.NoncePeriod > 24*time.Hour {
		return configErr("DPoP.NoncePeriod", c.NoncePeriod.String(), "must be between 10s and 24h")
	}
	if c.NonceSecret == nil {
		c.NonceSecret = make([]byte, 32)
		rand.Read(c.NonceSecret)
	}
	if len(c.NonceSecret) < 32 {
		// The value is a secret: the error names its length only.
		return configErr("DPoP.NonceSecret", "", "is %d bytes; at least 32 are required", len(c.NonceSecret))
	}
	return nil
}

// parseBaseURLs validates DPoPConfig.URLs and writes each as htu is compared.
func parseBaseURLs(raw []string) ([]baseURL, error) {
	out := make([]baseURL, 0, len(raw))
	for i, s := range raw {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
			return nil, configErr(fmt.Sprintf("DPoP.URLs[%d]", i), s, "must be an http or https URL such as https://api.example.com, with no query or fragment")
		}
		b := baseURL{origin: htuOrigin(u), path: strings.TrimSuffix(normalizePath(u.EscapedPath()), "/")}
		out = append(out, b)
	}
	return out, nil
}

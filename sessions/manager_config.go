package sessions

import (
	"context"
	"crypto"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// Config configures a Manager. Store, Issuer and Secret are required; every
// other field has a documented default (the zero value means the default).
// New validates all of it and names the first bad field in a
// *core.ConfigError (errors.Is(err, core.ErrConfig)).
type Config struct {
	// Issuer is the iss of access tokens: an absolute https URL (http only
	// for a loopback host, for local development), e.g.
	// "https://api.example.com". Gates list it as an issuer.
	Issuer string
	// Audience is the aud of access tokens. Default []string{Issuer}.
	Audience []string
	// Store keeps sessions and signing keys. Required. The manager never
	// closes it.
	Store Store
	// Secret holds one or more secrets of at least 32 bytes each. Secret[0]
	// derives (HKDF-SHA256) the key that makes refresh tokens and the key
	// that seals signing keys in the store; later entries are still
	// accepted for refresh tokens and sealed keys made under them, so a
	// secret is rotated by putting the new one first and dropping the old
	// one once nothing made under it is needed: after MaxLifetime (refresh
	// tokens) and two RotateEvery (signing keys; a key the manager cannot
	// unseal is skipped, and a slot without a usable key answers
	// ErrStoreUnavailable). Every instance sharing a store needs the same
	// list (at least the same Secret[0]).
	Secret [][]byte
	// AccessTTL is how long an access token lives. Default 5m; 30s to 1h.
	// It is also how long a revoked session's tokens can still pass a gate
	// without a deny-list.
	AccessTTL time.Duration
	// IdleTimeout ends a session not refreshed for this long. Default 14
	// days.
	IdleTimeout time.Duration
	// MaxLifetime ends a session this long after creation, however active.
	// Default 30 days; at least IdleTimeout.
	MaxLifetime time.Duration
	// Grace is how long after a rotation the previous refresh token still
	// gets the same successor (parallel tabs, a lost response) instead of
	// counting as reuse. Default 30s; more than 0, at most AccessTTL.
	Grace time.Duration
	// Keys says how access-token signing keys are made and rotated.
	Keys KeyPolicy
	// OnReuse, when set, is called once per detected refresh-token reuse
	// (RFC 9700 §4.14.2): by the instance whose rotation the store judged
	// to be the reuse, after the store revoked the session, on the
	// refreshing goroutine and before Refresh returns ErrRefreshReused. Keep
	// it quick (hand slow work to another goroutine). A panic in it is
	// recovered and logged: the session is revoked either way.
	OnReuse func(ctx context.Context, e ReuseEvent)
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
	// Logger receives warnings (a key that cannot be unsealed, a failed
	// key refresh, a panicking OnReuse). Default slog.Default(). Tokens
	// and key material are never logged.
	Logger *slog.Logger
}

// KeyPolicy says how access tokens are signed.
//
// Without a Signer, the manager generates one key per slot (slot =
// floor(unix time / RotateEvery)), seals it under Secret[0] and stores it
// with Store.PutKey, so every instance sharing the store signs with the
// same key in a slot. A slot's key is in the JWKS from Prepublish before
// its slot starts, signs during its slot, and stays in the JWKS until
// AccessTTL plus 5 minutes (the largest leeway a gate allows) after its
// slot ends, when no token it signed can still pass.
type KeyPolicy struct {
	// Alg of generated keys: "ES256" (default, P-256) or "EdDSA"
	// (Ed25519). With a Signer, Alg is the Signer's (ES256 for a P-256
	// key, EdDSA for Ed25519, RS256 for RSA of 2048 bits or more); a
	// different non-empty Alg is refused.
	Alg string
	// RotateEvery is the slot length. Default 7 days. At least 1 minute,
	// so that tests can watch keys rotate; in production keep days.
	RotateEvery time.Duration
	// Prepublish is how long a key is in the JWKS before it signs. It must
	// exceed the JWKS refresh interval of every remote gate (core's
	// JWKSOptions), or a remote gate meets a token whose kid it does not
	// know yet. Default 10 minutes, or RotateEvery/2 when that is shorter;
	// less than RotateEvery.
	Prepublish time.Duration
	// Signer, when set, is a caller-held key (a KMS or HSM key, or one
	// from a file) that signs every access token: then nothing is
	// generated, stored or rotated, and the JWKS holds this one key with
	// its RFC 7638 thumbprint as kid. Its public key must be P-256 ECDSA,
	// Ed25519 or RSA of at least 2048 bits.
	Signer crypto.Signer
}

// Defaults and limits of Config and KeyPolicy.
const (
	DefaultAccessTTL   = 5 * time.Minute
	DefaultIdleTimeout = 14 * 24 * time.Hour
	DefaultMaxLifetime = 30 * 24 * time.Hour
	DefaultGrace       = 30 * time.Second
	DefaultRotateEvery = 7 * 24 * time.Hour
	DefaultPrepublish  = 10 * time.Minute

	minAccessTTL   = 30 * time.Second
	maxAccessTTL   = time.Hour
	minRotateEvery = time.Minute
	minSecretLen   = 32
)

// configErr is a *core.ConfigError: every constructor in the project names
// the bad field the same way.
func configErr(field, value, reason string, args ...any) error {
	return &core.ConfigError{Field: field, Value: value, Reason: fmt.Sprintf(reason, args...)}
}

// validate fills the defaults and checks every field. It works on the
// caller's copy (New passes a copy) and clones the slices it keeps.
func (c *Config) validate() error {
	if err := c.checkIssuer(); err != nil {
		return err
	}
	if c.Store == nil {
		return configErr("Store", "", "is required (memstore.New() for tests and one process)")
	}
	if err := c.checkSecrets(); err != nil {
		return err
	}
	if err := c.checkDurations(); err != nil {
		return err
	}
	if err := c.Keys.validate(); err != nil {
		return err
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

func (c *Config) checkIssuer() error {
	if c.Issuer == "" {
		return configErr("Issuer", "", "is required: the iss of access tokens, e.g. https://api.example.com")
	}
	if reason := issuerProblem(c.Issuer); reason != "" {
		return configErr("Issuer", c.Issuer, "%s", reason)
	}
	if len(c.Audience) == 0 {
		c.Audience = []string{c.Issuer}
	}
	c.Audience = append([]string(nil), c.Audience...)
	for i, a := range c.Audience {
		if strings.TrimSpace(a) == "" {
			return configErr(fmt.Sprintf("Audience[%d]", i), a, "must not be empty")
		}
	}
	return nil
}

// issuerProblem says what is wrong with an issuer URL, "" when nothing.
func issuerProblem(iss string) string {
	u, err := url.Parse(iss)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "must be an absolute URL with a host and no user, query or fragment"
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return "must use https (http only for a loopback host)"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must use https"
	}
	return ""
}

// loopback reports whether host is localhost or a loopback address.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Config) checkSecrets() error {
	if len(c.Secret) == 0 {
		return configErr("Secret", "", "at least one secret of %d bytes or more is required", minSecretLen)
	}
	out := make([][]byte, len(c.Secret))
	for i, s := range c.Secret {
		if len(s) < minSecretLen {
			// Never the value: it is a secret.
			return configErr(fmt.Sprintf("Secret[%d]", i), "", "has %d bytes, want at least %d", len(s), minSecretLen)
		}
		out[i] = append([]byte(nil), s...)
	}
	c.Secret = out
	return nil
}

// orDefault gives def for zero and refuses a negative d.
func orDefault(field string, d, def time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return def, nil
	case d < 0:
		return 0, configErr(field, d.String(), "must not be negative")
	}
	return d, nil
}

func (c *Config) checkDurations() error {
	var err error
	if c.AccessTTL, err = orDefault("AccessTTL", c.AccessTTL, DefaultAccessTTL); err != nil {
		return err
	}
	if c.AccessTTL < minAccessTTL || c.AccessTTL > maxAccessTTL {
		return configErr("AccessTTL", c.AccessTTL.String(), "must be between %v and %v", minAccessTTL, maxAccessTTL)
	}
	if c.IdleTimeout, err = orDefault("IdleTimeout", c.IdleTimeout, DefaultIdleTimeout); err != nil {
		return err
	}
	if c.MaxLifetime, err = orDefault("MaxLifetime", c.MaxLifetime, DefaultMaxLifetime); err != nil {
		return err
	}
	if c.MaxLifetime < c.IdleTimeout {
		return configErr("MaxLifetime", c.MaxLifetime.String(), "must be at least IdleTimeout (%v)", c.IdleTimeout)
	}
	if c.Grace, err = orDefault("Grace", c.Grace, DefaultGrace); err != nil {
		return err
	}
	if c.Grace > c.AccessTTL {
		return configErr("Grace", c.Grace.String(), "must be at most AccessTTL (%v)", c.AccessTTL)
	}
	return nil
}

func (k *KeyPolicy) validate() error {
	if k.Signer != nil {
		return k.checkSigner()
	}
	switch k.Alg {
	case "":
		k.Alg = "ES256"
	case "ES256", "EdDSA":
	default:
		return configErr("Keys.Alg", k.Alg, "must be ES256 or EdDSA (RS256 only with Keys.Signer)")
	}
	var err error
	if k.RotateEvery, err = orDefault("Keys.RotateEvery", k.RotateEvery, DefaultRotateEvery); err != nil {
		return err
	}
	if k.RotateEvery < minRotateEvery {
		return configErr("Keys.RotateEvery", k.RotateEvery.String(), "must be at least %v", minRotateEvery)
	}
	if k.Prepublish, err = orDefault("Keys.Prepublish", k.Prepublish, min(DefaultPrepublish, k.RotateEvery/2)); err != nil {
		return err
	}
	if k.Prepublish >= k.RotateEvery {
		return configErr("Keys.Prepublish", k.Prepublish.String(), "must be less than Keys.RotateEvery (%v)", k.RotateEvery)
	}
	return nil
}

func (k *KeyPolicy) checkSigner() error {
	alg, err := signerAlg(k.Signer.Public())
	if err != nil {
		return configErr("Keys.Signer", "", "%v", err)
	}
	if k.Alg != "" && k.Alg != alg {
		return configErr("Keys.Alg", k.Alg, "does not fit Keys.Signer, whose algorithm is %s", alg)
	}
	if k.RotateEvery != 0 || k.Prepublish != 0 {
		return configErr("Keys.RotateEvery", k.RotateEvery.String(), "has no meaning with Keys.Signer (a caller-held key is never rotated): leave RotateEvery and Prepublish zero")
	}
	k.Alg = alg
	return nil
}

package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// JWKSOptions tune how keys are fetched from JWKS URLs and OIDC discovery.
// Zero values take the defaults named on each field.
type JWKSOptions struct {
	// HTTPClient used for fetches. Default: a client of the gate's own,
	// whose idle connections Close releases. A client you pass stays yours:
	// the gate fetches through a copy whose CheckRedirect first refuses any
	// redirect from https to another scheme and then asks yours, and Close
	// leaves its connections alone. Redirects to another host over https
	// are followed: TLS still vouches for what the configured host names.
	HTTPClient *http.Client
	// Timeout of one fetch (discovery and JWKS together). Default 5s.
	Timeout time.Duration
	// MaxResponseBytes bounds a discovery or JWKS response. Default 1 MiB.
	MaxResponseBytes int64
	// RefreshInterval between background refreshes when the JWKS response
	// has no Cache-Control max-age. Default 10m.
	RefreshInterval time.Duration
	// MinRefreshInterval and MaxRefreshInterval bound a max-age the server
	// asks for. Defaults 1m and 1h.
	MinRefreshInterval time.Duration
	MaxRefreshInterval time.Duration
	// UnknownKeyBurst and UnknownKeyCooldown limit the fetches that tokens
	// naming a kid missing from the cached keys may trigger, per issuer: a
	// burst of UnknownKeyBurst fetches, then one per UnknownKeyCooldown (a
	// token bucket). Defaults 3 and 5s. A flood of made-up kids thus costs
	// the key server at most UnknownKeyBurst + t/UnknownKeyCooldown fetches
	// over a time t (3, then 12 a minute, by default), and since any fetch
	// brings the whole key set, a key the issuer rotates in verifies at most
	// one UnknownKeyCooldown (plus the fetch's own time) after it is
	// published, flood or not. A kid is answered as unknown (ErrUnknownKey,
	// 401) once checked against a key set fetched after it was first seen,
	// or when the limit refused the fetch; while the key server is failing,
	// a kid it could not check gets ErrKeysUnavailable (503, retry).
	UnknownKeyBurst    int
	UnknownKeyCooldown time.Duration
	// AllowStartWithoutKeys lets New succeed when an issuer's keys cannot be
	// fetched at start (or the key set holds no usable key): requests then
	// get 503 (ErrKeysUnavailable) until a background or on-demand fetch
	// brings keys. Default false: New fails.
	AllowStartWithoutKeys bool
	// OnFetch, when set, is called after every fetch attempt of every
	// issuer, and for every on-demand fetch the limit refused, to export
	// metrics or count fetches. It is called synchronously on the goroutine
	// that fetched (a request's or the background refresher's), so it must
	// be fast and must not block. Its event never holds a token.
	OnFetch func(JWKSEvent)
}

// JWKSEvent describes one attempt to fetch an issuer's keys (see
// JWKSOptions.OnFetch). It holds no token and no kid: a kid comes from the
// token, and as a metric label it would let anyone grow your metrics.
type JWKSEvent struct {
	// Issuer is the configured issuer name.
	Issuer string
	// URL is the JWKS URL; empty when OIDC discovery has not found it yet.
	URL     string
	Trigger JWKSTrigger
	Outcome JWKSOutcome
	// Keys is the number of usable signature keys in the fetched set.
	Keys int
	// Duration of the fetch, by Config.Clock; 0 when nothing was fetched.
	Duration time.Duration
	// Err says why the fetch failed (JWKSFetchFailed only).
	Err error
}

// JWKSTrigger says why a fetch happened.
type JWKSTrigger int

// The triggers of a fetch.
const (
	// JWKSAtStart: New's first fetch.
	JWKSAtStart JWKSTrigger = iota + 1
	// JWKSScheduled: the background refresher.
	JWKSScheduled
	// JWKSUnknownKid: a token named a kid the cached keys lack (or no keys
	// are cached yet).
	JWKSUnknownKid
)

// String returns the trigger as a metric label: start, scheduled or
// unknown_kid.
func (t JWKSTrigger) String() string {
	return enumLabel("JWKSTrigger", int(t), "start", "scheduled", "unknown_kid")
}

// JWKSOutcome is what a fetch attempt came to.
type JWKSOutcome int

// The outcomes of a fetch attempt.
const (
	// JWKSFetched: a key set with usable keys replaced the cached one.
	JWKSFetched JWKSOutcome = iota + 1
	// JWKSNoUsableKeys: the key set holds no usable signature key. It
	// withdraws the cached keys; before any keys were loaded it leaves the
	// cache empty.
	JWKSNoUsableKeys
	// JWKSFetchFailed: network, status, size, or a body that is not a key
	// set; the cached keys are kept.
	JWKSFetchFailed
	// JWKSFetchLimited: an unknown kid was refused a fetch by
	// UnknownKeyBurst and UnknownKeyCooldown; nothing was fetched.
	JWKSFetchLimited
)

// String returns the outcome as a metric label: fetched, no_usable_keys,
// failed or limited.
func (o JWKSOutcome) String() string {
	return enumLabel("JWKSOutcome", int(o), "fetched", "no_usable_keys", "failed", "limited")
}

// enumLabel names value v of an enumeration that counts from 1; a value
// outside it is written as typ(v).
func enumLabel(typ string, v int, names ...string) string {
	if v >= 1 && v <= len(names) {
		return names[v-1]
	}
	return typ + "(" + strconv.Itoa(v) + ")"
}

func (o *JWKSOptions) defaults() error {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.Timeout, 5*time.Second)
	def(&o.RefreshInterval, 10*time.Minute)
	def(&o.MinRefreshInterval, time.Minute)
	def(&o.MaxRefreshInterval, time.Hour)
	def(&o.UnknownKeyCooldown, 5*time.Second)
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = 1 << 20
	}
	if o.UnknownKeyBurst == 0 {
		o.UnknownKeyBurst = 3
	}
	if o.UnknownKeyBurst < 0 {
		return configErr("JWKS.UnknownKeyBurst", strconv.Itoa(o.UnknownKeyBurst), "must not be negative")
	}
	for name, d := range map[string]time.Duration{
		"JWKS.Timeout": o.Timeout, "JWKS.RefreshInterval": o.RefreshInterval, "JWKS.MinRefreshInterval": o.MinRefreshInterval,
		"JWKS.MaxRefreshInterval": o.MaxRefreshInterval, "JWKS.UnknownKeyCooldown": o.UnknownKeyCooldown,
	} {
		if d < 0 {
			return configErr(name, d.String(), "must not be negative")
		}
	}
	if o.MaxResponseBytes < 0 {
		return configErr("JWKS.MaxResponseBytes", strconv.FormatInt(o.MaxResponseBytes, 10), "must not be negative")
	}
	if o.MinRefreshInterval > o.MaxRefreshInterval {
		return configErr("JWKS.MinRefreshInterval", o.MinRefreshInterval.String(), "is above JWKS.MaxRefreshInterval %s", o.MaxRefreshInterval)
	}
	return nil
}

// httpClient returns the client a cache fetches with, and whether the cache
// owns it. An owned client has a transport of its own (not
// http.DefaultTransport, which other code shares), so that close can drop
// its keep-alive connections and leave no goroutine behind. The user's
// client is copied rather than changed: it may serve other code, and the
// redirect rule is the gate's, so it holds for every client.
func (o *JWKSOptions) httpClient() (client *http.Client, owned bool) {
	if o.HTTPClient != nil {
		c := *o.HTTPClient
		c.CheckRedirect = noDowngrade(o.HTTPClient.CheckRedirect)
		return &c, false
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment}
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	}
	return &http.Client{Timeout: o.Timeout, Transport: tr, CheckRedirect: noDowngrade(nil)}, true
}

// noDowngrade refuses a redirect that leaves https once a request of the
// chain used it: otherwise a network attacker answering the plain-HTTP hop
// supplies the keys. Other redirects go to next, or to net/http's default
// limit of 10 when next is nil.
func noDowngrade(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		for _, v := range via {
			if v.URL.Scheme == "https" && req.URL.Scheme != "https" {
				return fmt.Errorf("refusing a redirect from %s to %s: it leaves https", v.URL.Redacted(), req.URL.Redacted())
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// maxUnknownKids bounds the memory of kids seen missing from the key set,
// so a flood of random kids cannot grow it; kids beyond it are still
// answered, only not remembered.
const maxUnknownKids = 1024

// maxRememberedKid is the longest kid remembered as unknown: kids are chosen
// by whoever sends the token, and 1024 kids of up to MaxTokenSize bytes each
// would hold megabytes. A longer kid is answered the same, only not
// remembered; the fetch limit still bounds what it can cost.
const maxRememberedKid = 256

// jwksCache holds the keys of one issuer's JWKS URL. It is owned by a Gate,
// refreshes in the background until Close, and is safe for concurrent use.
//
// Every fetch gets a sequence number when it starts, and its key set keeps
// it: a kid is answered as unknown only against a key set whose fetch
// started after the kid was first seen (firstSeen), and a fetch that lands
// after a newer one changes nothing.
type jwksCache struct {
	issuer    string
	discovery bool
	opts      JWKSOptions
	now       func() time.Time
	log       *slog.Logger
	client    *http.Client
	ownClient bool

	keys    atomic.Pointer[keySet]
	demands singleflight.Group // on-demand fetches only: a scheduled fetch never joins one
	started atomic.Bool

	mu          sync.Mutex
	url         string // JWKS URL; found by discovery when empty
	fetches     uint64 // fetches started so far; the last one's sequence number
	lastDone    uint64 // sequence number of the newest fetch that finished
	lastFailed  bool   // whether that fetch failed
	budgetFull  time.Time
	firstSeen   map[string]uint64 // kid missing from the key set -> fetches started when first seen
	nextRefresh time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

func newJWKSCache(issuer, url string, discovery bool, opts JWKSOptions, now func() time.Time, log *slog.Logger) *jwksCache {
	ctx, cancel := context.WithCancel(context.Background())
	client, owned := opts.httpClient()
	return &jwksCache{
		issuer: issuer, url: url, discovery: discovery, opts: opts, now: now, log: log,
		client: client, ownClient: owned,
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
}

// start runs the background refresher until close.
func (c *jwksCache) start() {
	c.started.Store(true)
	go func() {
		defer close(c.done)
		failures := 0
		for {
			wait := c.interval()
			if c.keys.Load() == nil || failures > 0 {
				// Retry sooner while keys are missing or stale: 1s, 2s, 4s... up to the interval.
				wait = min(time.Second<<min(failures, 10), wait)
			}
			t := time.NewTimer(wait)
			select {
			case <-c.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			if err := c.refresh(false); err != nil {
				failures++
			} else {
				failures = 0
			}
		}
	}()
}

// close stops the refresher, cancels fetches under way and waits for the
// refresher to exit; then it drops the idle connections of its own client.
func (c *jwksCache) close() {
	c.cancel()
	if c.started.Load() {
		<-c.done
	}
	if c.ownClient {
		c.client.CloseIdleConnections()
	}
}

func (c *jwksCache) interval() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nextRefresh > 0 {
		return c.nextRefresh
	}
	return c.opts.RefreshInterval
}

// refresh fetches the key set now, for New (atStart) or the background
// refresher. It always fetches, on its own: it never joins an on-demand
// fetch, so it never gets the unknown-key limit's refusal. A failed fetch
// keeps the last good keys; a set without usable keys replaces them (see
// store).
func (c *jwksCache) refresh(atStart bool) error {
	trigger := JWKSScheduled
	if atStart {
		trigger = JWKSAtStart
	}
	return c.fetchAndStore(trigger)
}

var errLimited = errors.New("unknown-key fetch refused by JWKS.UnknownKeyBurst and UnknownKeyCooldown")

// demand fetches for a request that saw a kid missing when seen fetches had
// started. Concurrent callers share one fetch; the caller that starts it
// fetches only when no fetch started after seen has landed already, and
// only when the budget allows (allow).
func (c *jwksCache) demand(seen uint64) error {
	_, err, _ := c.demands.Do("fetch", func() (any, error) {
		if ks := c.keys.Load(); ks != nil && ks.seq > seen {
			return nil, nil
		}
		if !c.allow() {
			c.report(JWKSEvent{Trigger: JWKSUnknownKid, Outcome: JWKSFetchLimited})
			return nil, errLimited
		}
		return nil, c.fetchAndStore(JWKSUnknownKid)
	})
	return err
}

// allow takes one on-demand fetch from the issuer's budget, a token bucket
// holding UnknownKeyBurst fetches and refilled by one every
// UnknownKeyCooldown. budgetFull is when the bucket would be full again; a
// fetch is allowed while it is at least one fetch short of that.
func (c *jwksCache) allow() bool {
	now := c.now() // before the lock: the clock is the user's code
	c.mu.Lock()
	defer c.mu.Unlock()
	full := c.budgetFull
	if full.Before(now) {
		full = now
	}
	if full.Sub(now) > time.Duration(c.opts.UnknownKeyBurst-1)*c.opts.UnknownKeyCooldown {
		return false
	}
	c.budgetFull = full.Add(c.opts.UnknownKeyCooldown)
	return true
}

// fetchAndStore runs one fetch under the next sequence number, stores its
// key set and reports it.
func (c *jwksCache) fetchAndStore(trigger JWKSTrigger) error {
	c.mu.Lock()
	c.fetches++
	seq := c.fetches
	c.mu.Unlock()
	begin := c.now()
	ks, maxAge, err := c.fetch()
	if err != nil {
		c.logFailure(err)
	} else {
		ks.seq = seq
		err = c.store(ks, maxAge)
	}
	c.mu.Lock()
	if seq > c.lastDone {
		c.lastDone, c.lastFailed = seq, err != nil
	}
	c.mu.Unlock()
	c.report(fetchEvent(trigger, ks, err, c.now().Sub(begin)))
	return err
}

// store makes ks the cached key set, unless a fetch that started later has
// landed already. A set without usable keys is the issuer withdrawing its
// keys (RFC 7517 5 allows an empty set), so it replaces the cached keys like
// any other answer, and tokens they signed are refused from now on. Only
// while no keys were ever loaded does it leave the cache empty, with
// errNoUsableKey: New then fails, or with AllowStartWithoutKeys requests get
// 503 until keys are published.
func (c *jwksCache) store(ks *keySet, maxAge time.Duration) error {
	c.mu.Lock()
	cur := c.keys.Load()
	newer := cur == nil || ks.seq > cur.seq
	if newer && (cur != nil || len(ks.keys) > 0) {
		ks.gen = nextGeneration(cur, ks)
		c.keys.Store(ks)
		c.nextRefresh = maxAge
		c.forget(cur)
	}
	c.mu.Unlock()
	switch {
	case len(ks.keys) > 0 || !newer:
		return nil
	case cur == nil:
		c.log.Warn("sessiongate: JWKS holds no usable signature key and no keys were loaded before; tokens of this issuer get 503 until it publishes one", "issuer", c.issuer)
		return errNoUsableKey
	}
	c.log.Warn("sessiongate: JWKS holds no usable signature key: the issuer's keys are withdrawn, and its tokens are refused until it publishes one", "issuer", c.issuer)
	return nil
}

// forget drops the kids already proven unknown against replaced, the key
// set a new one replaces: each gets one fresh check against a later set.
// Kids first seen since replaced was fetched are now proven unknown by the
// new set, and stay remembered. The caller holds c.mu.
func (c *jwksCache) forget(replaced *keySet) {
	if replaced == nil {
		return
	}
	for kid, seen := range c.firstSeen {
		if seen < replaced.seq {
			delete(c.firstSeen, kid)
		}
	}
}

// logFailure logs a failed fetch, saying whether keys are still cached.
func (c *jwksCache) logFailure(err error) {
	if ks := c.keys.Load(); ks != nil && len(ks.keys) > 0 {
		c.log.Warn("sessiongate: fetching JWKS failed; keeping the last good keys", "issuer", c.issuer, "error", err)
		return
	}
	c.log.Warn("sessiongate: fetching JWKS failed; no keys are cached", "issuer", c.issuer, "error", err)
}

// fetchEvent describes a fetch that brought ks (nil when it failed) or err.
func fetchEvent(trigger JWKSTrigger, ks *keySet, err error, took time.Duration) JWKSEvent {
	ev := JWKSEvent{Trigger: trigger, Duration: took, Outcome: JWKSFetchFailed, Err: err}
	if ks != nil {
		ev.Outcome, ev.Keys, ev.Err = JWKSNoUsableKeys, len(ks.keys), nil
		if len(ks.keys) > 0 {
			ev.Outcome = JWKSFetched
		}
	}
	return ev
}

// report hands ev to OnFetch, if set, with the issuer and JWKS URL.
func (c *jwksCache) report(ev JWKSEvent) {
	if c.opts.OnFetch == nil {
		return
	}
	c.mu.Lock()
	ev.Issuer, ev.URL = c.issuer, c.url
	c.mu.Unlock()
	c.opts.OnFetch(ev)
}

// lookup returns the keys that may verify a token with kid and alg. A kid
// the cached set lacks is answered as unknown only once it was checked
// against a key set fetched after the kid was first seen; until then it
// may trigger a fetch (demand). When it could not be checked, the answer
// is ErrKeysUnavailable (503: retry) if the key server is failing, and
// ErrUnknownKey if only the budget refused the fetch.
func (c *jwksCache) lookup(kid, alg string) ([]any, *Error) {
	ks := c.keys.Load()
	if keys, e, done := ks.decide(kid, alg); done {
		return keys, e
	}
	seen := c.observe(kid)
	if ks != nil && ks.seq > seen {
		return nil, newError(ErrUnknownKey, nil) // remembered
	}
	// A fetch this request joins may have started before the kid was
	// first seen; the next one cannot have, so two rounds suffice.
	for range 2 {
		err := c.demand(seen)
		ks = c.keys.Load()
		if keys, e, done := ks.decide(kid, alg); done {
			return keys, e
		}
		switch {
		case ks == nil:
			return nil, newError(ErrKeysUnavailable, nil)
		case ks.seq > seen:
			return nil, newError(ErrUnknownKey, nil)
		case errors.Is(err, errLimited) && !c.failing():
			return nil, newError(ErrUnknownKey, nil)
		case err != nil:
			return nil, newError(ErrKeysUnavailable, nil)
		}
	}
	return nil, newError(ErrUnknownKey, nil)
}

// observe returns how many fetches had started when kid was first seen
// missing, remembering it if there is room.
func (c *jwksCache) observe(kid string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seen, ok := c.firstSeen[kid]; ok {
		return seen
	}
	if c.firstSeen == nil {
		c.firstSeen = make(map[string]uint64)
	}
	if len(c.firstSeen) < maxUnknownKids && len(kid) <= maxRememberedKid {
		c.firstSeen[kid] = c.fetches
	}
	return c.fetches
}

// failing reports whether the newest fetch that finished failed.
func (c *jwksCache) failing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastFailed
}

// fetch downloads and parses the key set, resolving the JWKS URL through
// OIDC discovery first when needed. It returns the refresh interval the
// response's Cache-Control max-age asks for (bounded), or 0.
func (c *jwksCache) fetch() (*keySet, time.Duration, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.Timeout)
	defer cancel()
	c.mu.Lock()
	jwksURL := c.url
	c.mu.Unlock()
	if jwksURL == "" {
		var err error
		if jwksURL, err = c.discover(ctx); err != nil {
			return nil, 0, err
		}
		c.mu.Lock()
		c.url = jwksURL
		c.mu.Unlock()
	}
	body, h, err := c.get(ctx, jwksURL)
	if err != nil {
		return nil, 0, err
	}
	ks, refused, err := parseJWKS(body)
	for _, r := range refused {
		c.log.Warn("sessiongate: JWKS key refused", "issuer", c.issuer, "reason", r)
	}
	if err != nil {
		return nil, 0, err
	}
	return ks, c.maxAge(h.Get("Cache-Control")), nil
}

// discover reads the JWKS URL from the issuer's OIDC discovery document.
// An https issuer must name an https jwks_uri: a plain-HTTP one would let a
// network attacker supply the keys of an issuer whose document TLS vouched for.
func (c *jwksCache) discover(ctx context.Context) (string, error) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	body, _, err := c.get(ctx, strings.TrimSuffix(c.issuer, "/")+"/.well-known/openid-configuration")
	if err != nil {
		return "", fmt.Errorf("OIDC discovery: %w", err)
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("OIDC discovery document is not JSON: %w", err)
	}
	if doc.Issuer != c.issuer {
		return "", fmt.Errorf("OIDC discovery document names issuer %q, want %q", doc.Issuer, c.issuer)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", errors.New("OIDC discovery document has no usable jwks_uri")
	}
	if iss, err := url.Parse(c.issuer); err == nil && iss.Scheme == "https" && u.Scheme != "https" {
		return "", fmt.Errorf("OIDC discovery document of an https issuer names a jwks_uri that is not https: %s", u.Redacted())
	}
	return doc.JWKSURI, nil
}

func (c *jwksCache) get(ctx context.Context, target string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: status %d", target, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxResponseBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(body)) > c.opts.MaxResponseBytes {
		return nil, nil, fmt.Errorf("GET %s: response larger than %d bytes", target, c.opts.MaxResponseBytes)
	}
	return body, resp.Header, nil
}

// maxAge reads max-age from a Cache-Control value, bounded by the options;
// 0 when absent or unusable.
func (c *jwksCache) maxAge(cc string) time.Duration {
	for _, d := range strings.Split(cc, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(d), "=")
		if !ok || !strings.EqualFold(k, "max-age") {
			continue
		}
		n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
		if errors.Is(err, strconv.ErrRange) && n > 0 {
			return c.opts.MaxRefreshInterval // RFC 9111 1.2.2: overflow means "very large"
		}
		if err != nil || n < 0 {
			return 0
		}
		age := time.Duration(min(n, int64(365*24*3600))) * time.Second
		return min(max(age, c.opts.MinRefreshInterval), c.opts.MaxRefreshInterval)
	}
	return 0
}

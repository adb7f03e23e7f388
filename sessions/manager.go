package sessions

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sessiongate/sessiongate/core"
)

// Manager issues, renews, lists and revokes sessions: a short-lived access
// token (a JWT every core.Gate verifies) and a rotating refresh token kept
// in a Store. It is safe for concurrent use, and several instances (one per
// process) may share one store: they agree on signing keys and on every
// rotation.
type Manager struct {
	cfg     Config
	macKeys [][]byte      // refresh-token HMAC keys, one per Secret
	aeads   []cipher.AEAD // key-sealing ciphers, one per Secret
	static  *signingKey   // KeyPolicy.Signer, when set

	ring    atomic.Pointer[[]*signingKey] // usable keys, oldest first
	view    atomic.Pointer[keyView]
	viewMu  sync.Mutex // one rebuild at a time
	version uint64     // of the JWKS; under viewMu

	refreshMu sync.Mutex      // one key refresh at a time
	badKeys   map[string]bool // keys already logged as unusable; under refreshMu

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// Identity is who a new session is for.
type Identity struct {
	// Subject is the sub of the session's access tokens: the app's user
	// ID. Required; valid UTF-8 without control characters, at most 1024
	// bytes.
	Subject string
	// Claims are extra access-token claims (e.g. roles), fixed for the
	// session's life. The names the manager sets (iss, sub, aud, exp,
	// nbf, iat, jti, sid, cnf) are refused; at most 2048 bytes as JSON.
	Claims map[string]any
}

// Meta describes the client of a Create or Refresh.
type Meta struct {
	// UserAgent and IP are recorded for List (what a user sees in "your
	// sessions"). Control characters are dropped, and they are cut to 512
	// and 64 bytes.
	UserAgent, IP string
	// KeyBinding is the RFC 7638 SHA-256 thumbprint (base64url) of the
	// DPoP key the client proved, "" if none. At Create it binds the
	// session: its access tokens carry cnf.jkt, and Refresh then demands
	// the same thumbprint (else ErrKeyBinding, which is ErrRefreshInvalid
	// too). At Refresh of an unbound session it is ignored: a session is
	// bound from its start or never.
	KeyBinding string
}

// Issued is what Create and Refresh hand to the client.
type Issued struct {
	AccessToken     string
	AccessExpiresAt time.Time
	// RefreshToken renews the session until RefreshExpiresAt, the earlier
	// of the idle timeout and the absolute lifetime.
	RefreshToken     string
	RefreshExpiresAt time.Time
	Session          SessionInfo
}

// SessionInfo describes a session without its secrets.
type SessionInfo struct {
	ID        string // the access tokens' sid
	Subject   string
	CreatedAt time.Time
	LastUsed  time.Time // creation or the last refresh
	// ExpiresAt is when the session ends unless refreshed: the earlier of
	// its idle expiry and its absolute lifetime.
	ExpiresAt time.Time
	UserAgent string // as of the last refresh
	IP        string
	KeyBound  bool      // bound to a DPoP key
	RevokedAt time.Time // zero unless revoked (Get only: List shows live sessions)
	// RevokeReason is the reason given to Revoke, or ReasonReuse.
	RevokeReason string
}

// ReuseEvent describes a detected refresh-token reuse, for Config.OnReuse.
type ReuseEvent struct {
	SessionID, Subject string
	Generation         uint64    // the generation of the token presented
	At                 time.Time // the manager's clock
	UserAgent, IP      string    // of the request that presented it
}

// New validates cfg, loads the signing keys (creating the current and the
// next slot's when the store has none; with KeyPolicy.Signer, none), and
// starts one goroutine that keeps them rotated, which Close stops. A store
// that cannot be reached fails New (an error wrapping ErrStoreUnavailable);
// ctx bounds only this first load.
func New(ctx context.Context, cfg Config) (*Manager, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m := &Manager{cfg: cfg, badKeys: map[string]bool{}}
	for _, s := range cfg.Secret {
		m.macKeys = append(m.macKeys, derive(s, infoRefresh))
		m.aeads = append(m.aeads, newAEAD(s))
	}
	m.ring.Store(&[]*signingKey{})
	if cfg.Keys.Signer != nil {
		sk, err := newSigningKey(cfg.Keys.Signer, KeyRecord{})
		if err != nil {
			return nil, configErr("Keys.Signer", "", "%v", err)
		}
		m.static = sk
		m.ring.Store(&[]*signingKey{sk})
		m.rebuild(cfg.Clock())
		return m, nil
	}
	if err := m.refreshKeys(ctx); err != nil {
		return nil, err
	}
	bg, stop := context.WithCancel(context.Background())
	m.stop, m.done = stop, make(chan struct{})
	go m.rotate(bg)
	return m, nil
}

// Close stops the key-rotation goroutine and waits for it to exit; the
// manager can still issue tokens with the keys it holds, but no longer
// rotates them. It does not close the Store. A second Close does nothing.
func (m *Manager) Close() error {
	m.closeOnce.Do(func() {
		if m.stop != nil {
			m.stop()
			<-m.done
		}
	})
	return nil
}

// Issuer returns the core.Issuer a gate in the same process verifies this
// manager's access tokens with: its name and its keys, read through JWKS
// without an HTTP round trip.
func (m *Manager) Issuer() core.Issuer {
	return core.Issuer{Name: m.cfg.Issuer, Keys: m.JWKS}
}

// now is the manager's clock at the microsecond stores keep, so a record
// the manager holds equals the one it stored.
func (m *Manager) now() time.Time { return m.cfg.Clock().Truncate(time.Microsecond) }

// Create starts a new session for id, always with a new random 128-bit
// session ID (never one the client chose: no session fixation), and issues
// its first access and refresh tokens.
func (m *Manager) Create(ctx context.Context, id Identity, meta Meta) (*Issued, error) {
	claims, err := checkIdentity(id)
	if err != nil {
		return nil, err
	}
	if err := checkKeyBinding(meta.KeyBinding); err != nil {
		return nil, err
	}
	meta = meta.clean()
	now := m.now()
	key, err := m.signer(ctx, now)
	if err != nil {
		return nil, err
	}
	r := Record{
		Subject: id.Subject, Generation: 1,
		CreatedAt: now, LastUsed: now,
		IdleExpiresAt: now.Add(min(m.cfg.IdleTimeout, m.cfg.MaxLifetime)), ExpiresAt: now.Add(m.cfg.MaxLifetime),
		UserAgent: meta.UserAgent, IP: meta.IP, Claims: claims, KeyBinding: meta.KeyBinding,
	}
	rand.Read(r.Seed[:])
	for range 3 { // a taken 128-bit random ID is all but impossible; retry anyway
		r.ID = randomID(16)
		if err = m.cfg.Store.Create(ctx, r); !errors.Is(err, ErrExists) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sessions: create session: %w", err)
	}
	return m.issue(key, &r, now)
}

// Refresh renews a session with a refresh token and returns new tokens.
// The token is checked before the store is asked to change anything: a
// malformed or forged token, or one for an unknown session, gives
// ErrRefreshInvalid without any write, so guessing cannot revoke sessions.
// Then the store's one atomic step decides: the current token rotates to
// its successor; the previous one within Config.Grace gets the same
// successor again; an older one (or the previous after the grace window) is
// reuse: the session is revoked, OnReuse called, ErrRefreshReused returned;
// a generation ahead of the store gives ErrRefreshAhead; a revoked or
// expired session ErrSessionEnded.
func (m *Manager) Refresh(ctx context.Context, refreshToken string, meta Meta) (*Issued, error) {
	t, err := parseRefresh(refreshToken)
	if err != nil {
		return nil, err
	}
	r, err := m.cfg.Store.Get(ctx, t.sid)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("%w: unknown session", ErrRefreshInvalid)
	case err != nil:
		return nil, fmt.Errorf("sessions: refresh: %w", err)
	case !m.genuine(t, sessionDigest(&r)):
		return nil, fmt.Errorf("%w: secret does not verify", ErrRefreshInvalid)
	case r.KeyBinding != "" && meta.KeyBinding != r.KeyBinding:
		return nil, fmt.Errorf("%w: %w", ErrRefreshInvalid, ErrKeyBinding)
	}
	meta = meta.clean()
	now := m.now()
	if !r.Live(now) {
		return nil, ErrSessionEnded
	}
	key, err := m.signer(ctx, now) // before rotating: a rotation is not spent on a failure
	if err != nil {
		return nil, err
	}
	res, err := m.cfg.Store.Rotate(ctx, RotateRequest{
		ID: t.sid, Generation: t.gen, Now: now, Grace: m.cfg.Grace, IdleTimeout: m.cfg.IdleTimeout,
		UserAgent: meta.UserAgent, IP: meta.IP,
	})
	switch {
	case errors.Is(err, ErrNotFound): // swept since Get
		return nil, ErrSessionEnded
	case err != nil:
		return nil, fmt.Errorf("sessions: refresh: %w", err)
	}
	switch res.Outcome {
	case OutcomeRotated, OutcomeRepeated:
		return m.issue(key, &res.Record, now)
	case OutcomeReused:
		m.reused(ctx, ReuseEvent{SessionID: r.ID, Subject: r.Subject, Generation: t.gen, At: now, UserAgent: meta.UserAgent, IP: meta.IP})
		return nil, ErrRefreshReused
	case OutcomeAhead:
		return nil, ErrRefreshAhead
	case OutcomeEnded:
		return nil, ErrSessionEnded
	}
	return nil, fmt.Errorf("%w: store returned unknown rotation outcome %d", ErrStoreUnavailable, res.Outcome)
}

// genuine reports whether t's secret verifies under any configured secret
// (constant time per secret; a token made under an older Secret still
// works).
func (m *Manager) genuine(t refreshToken, digest Hash) bool {
	ok := false
	for _, k := range m.macKeys {
		want := refreshMAC(k, t.sid, t.gen, digest)
		ok = hmac.Equal(want[:], t.mac[:]) || ok
	}
	return ok
}

// reused calls OnReuse, recovering a panic: the session is revoked either
// way, and one broken alert must not take the refresh endpoint down.
func (m *Manager) reused(ctx context.Context, e ReuseEvent) {
	m.cfg.Logger.Warn("sessions: refresh token reused; session revoked", "sid", e.SessionID, "generation", e.Generation)
	if m.cfg.OnReuse == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			m.cfg.Logger.Error("sessions: OnReuse panicked", "sid", e.SessionID, "panic", fmt.Sprint(p))
		}
	}()
	m.cfg.OnReuse(ctx, e)
}

// issue mints the access token and the refresh token of r's current
// generation (made under Secret[0]).
func (m *Manager) issue(key *signingKey, r *Record, now time.Time) (*Issued, error) {
	at, exp, err := key.mint(&m.cfg, r, now)
	if err != nil {
		return nil, err
	}
	info := infoOf(r)
	return &Issued{
		AccessToken: at, AccessExpiresAt: exp,
		RefreshToken: formatRefresh(m.macKeys[0], r.ID, r.Generation, sessionDigest(r)), RefreshExpiresAt: info.ExpiresAt,
		Session: info,
	}, nil
}

func infoOf(r *Record) SessionInfo {
	return SessionInfo{
		ID: r.ID, Subject: r.Subject, CreatedAt: r.CreatedAt, LastUsed: r.LastUsed,
		ExpiresAt: minTime(r.IdleExpiresAt, r.ExpiresAt),
		UserAgent: r.UserAgent, IP: r.IP, KeyBound: r.KeyBinding != "",
		RevokedAt: r.RevokedAt, RevokeReason: r.RevokeReason,
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Revoke ends session sid with reason (default "revoked"). Revoking an
// unknown or already ended session does nothing and is no error, so logout
// is idempotent.
func (m *Manager) Revoke(ctx context.Context, sid, reason string) error {
	if sid == "" {
		return fmt.Errorf("%w: empty session ID", ErrInvalidArgument)
	}
	_, err := m.revoke(ctx, RevokeFilter{ID: sid}, reason)
	return err
}

// RevokeUser ends every live session of subject except exceptSID (""
// for none: e.g. "log out everywhere else" passes the current session) and
// returns how many it ended.
func (m *Manager) RevokeUser(ctx context.Context, subject, exceptSID, reason string) (int, error) {
	if subject == "" {
		return 0, fmt.Errorf("%w: empty subject", ErrInvalidArgument)
	}
	return m.revoke(ctx, RevokeFilter{Subject: subject, Except: exceptSID}, reason)
}

// RevokeAll ends every live session (e.g. after a secret leaked) and
// returns how many it ended.
func (m *Manager) RevokeAll(ctx context.Context, reason string) (int, error) {
	return m.revoke(ctx, RevokeFilter{All: true}, reason)
}

func (m *Manager) revoke(ctx context.Context, f RevokeFilter, reason string) (int, error) {
	reason = clean(reason, 256)
	if reason == "" {
		reason = "revoked"
	}
	n, err := m.cfg.Store.Revoke(ctx, f, reason, m.now())
	if err != nil {
		return 0, fmt.Errorf("sessions: revoke: %w", err)
	}
	return n, nil
}

// List returns subject's live sessions, newest first.
func (m *Manager) List(ctx context.Context, subject string) ([]SessionInfo, error) {
	rs, err := m.cfg.Store.ListByUser(ctx, subject, m.now())
	if err != nil {
		return nil, fmt.Errorf("sessions: list: %w", err)
	}
	out := make([]SessionInfo, len(rs))
	for i := range rs {
		out[i] = infoOf(&rs[i])
	}
	return out, nil
}

// Get returns session sid. A live session gives its info and nil. An ended
// one (revoked, idle or absolutely expired) gives its info and an error
// wrapping ErrSessionEnded, and an unknown one (never created, or swept)
// an error wrapping both ErrSessionEnded and ErrNotFound, so a strict check
// that only tests err == nil never lets an ended session through. A store
// outage wraps ErrStoreUnavailable.
func (m *Manager) Get(ctx context.Context, sid string) (SessionInfo, error) {
	r, err := m.cfg.Store.Get(ctx, sid)
	switch {
	case errors.Is(err, ErrNotFound):
		return SessionInfo{}, fmt.Errorf("%w: %w", ErrSessionEnded, err)
	case err != nil:
		return SessionInfo{}, fmt.Errorf("sessions: get: %w", err)
	}
	info := infoOf(&r)
	if !r.Live(m.now()) {
		return info, ErrSessionEnded
	}
	return info, nil
}

// checkIdentity validates id and returns its claims as a JSON object (nil
// for none).
func checkIdentity(id Identity) ([]byte, error) {
	if id.Subject == "" || len(id.Subject) > 1024 || clean(id.Subject, 1024) != id.Subject {
		return nil, fmt.Errorf("%w: Identity.Subject must be 1 to 1024 bytes of UTF-8 without control characters", ErrInvalidArgument)
	}
	if len(id.Claims) == 0 {
		return nil, nil
	}
	for name := range id.Claims {
		if registeredClaims[name] {
			return nil, fmt.Errorf("%w: Identity.Claims may not set %q: the manager sets it", ErrInvalidArgument, name)
		}
	}
	b, err := json.Marshal(id.Claims)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: Identity.Claims: %w", ErrInvalidArgument, err)
	case len(b) > maxClaimsSize:
		return nil, fmt.Errorf("%w: Identity.Claims are %d bytes as JSON, at most %d", ErrInvalidArgument, len(b), maxClaimsSize)
	}
	return b, nil
}

// checkKeyBinding accepts "" or a SHA-256 thumbprint in base64url.
func checkKeyBinding(jkt string) error {
	var buf [32]byte
	if jkt == "" {
		return nil
	}
	if n, err := b64.Decode(buf[:], []byte(jkt)); err != nil || n != 32 || len(jkt) != macLen {
		return fmt.Errorf("%w: Meta.KeyBinding is not an RFC 7638 SHA-256 thumbprint", ErrInvalidArgument)
	}
	return nil
}

// clean keeps what a store can hold and a person can read: valid UTF-8
// without control characters, at most max bytes (cut at a rune boundary).
func (meta Meta) clean() Meta {
	meta.UserAgent, meta.IP = clean(meta.UserAgent, 512), clean(meta.IP, 64)
	return meta
}

func clean(s string, max int) string {
	ok := len(s) <= max && utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
	if ok {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}

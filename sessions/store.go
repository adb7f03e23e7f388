package sessions

import (
	"context"
	"errors"
	"time"
)

// Store keeps long-term sessions, the revocation feed, one-time keys and
// signing-key records. Every driver (memstore in this module; sqlitestore,
// pgstore and redisstore in stores/) passes the same conformance suite,
// sessions/storetest. All methods are safe for concurrent use, also by
// several processes sharing one database.
//
// A store never holds a refresh token, nor anything from which one can be
// made without the manager's secret: a refresh token's secret part is an
// HMAC, under a key derived from Config.Secret, of the session ID, the
// generation, Record.Seed and what the session grants (subject, claims,
// key binding, creation, absolute expiry).
//
// Stores keep times to the microsecond (what Postgres keeps), judge them by
// the times the caller passes (never the database's clock), and give a zero
// time back as zero.
type Store interface {
	// Create stores a new session. ErrExists when the ID is taken.
	Create(ctx context.Context, r Record) error
	// Get returns the session with this ID, revoked or not; ErrNotFound
	// when there is none (never created, or swept).
	Get(ctx context.Context, id string) (Record, error)
	// Rotate decides, in one atomic step, what a genuine refresh token of
	// generation q.Generation does to session q.ID (see Outcome). The
	// manager has already proved the token genuine; the store decides only
	// by generation, time and state, so concurrent calls with the same
	// token see exactly one OutcomeRotated. ErrNotFound when there is no
	// such session. Decide (rules.go) is the rule written out.
	Rotate(ctx context.Context, q RotateRequest) (RotateResult, error)
	// ListByUser returns the subject's live sessions (not revoked, neither
	// idle- nor absolutely expired at now), newest (CreatedAt) first.
	ListByUser(ctx context.Context, subject string, now time.Time) ([]Record, error)
	// Revoke marks every live session the filter selects as revoked at
	// now with reason, appends one Revocation per session to the feed, and
	// returns how many it revoked. Revoking a revoked session is a no-op;
	// so is one that is not Live at now, or an unknown ID. A filter that
	// fails RevokeFilter.Check gives ErrInvalidFilter.
	Revoke(ctx context.Context, f RevokeFilter, reason string, now time.Time) (int, error)
	// Revocations returns up to limit feed entries with Seq > after, in
	// Seq order, for verifiers' deny-lists (the polling fallback). An entry
	// becomes visible no later than any entry with a higher Seq, so a
	// poller that passes the last Seq it read never misses one.
	Revocations(ctx context.Context, after uint64, limit int) ([]Revocation, error)
	// UseOnce records key until the given time and reports whether this
	// call was the first to do so (exchange replay protection: the key is
	// a hash of the provider token). A key seen before and not yet expired
	// (by the caller's clock, time.Now) gives false.
	UseOnce(ctx context.Context, key Hash, until time.Time) (first bool, err error)
	// PutKey inserts k unless a key for k.Slot exists, and returns the key
	// stored for that slot either way, so every instance sharing the store
	// agrees on one signing key per slot.
	PutKey(ctx context.Context, k KeyRecord) (KeyRecord, error)
	// Keys returns every key record, oldest slot first.
	Keys(ctx context.Context) ([]KeyRecord, error)
	// DeleteKeys removes key records whose RetireAt is before now.
	DeleteKeys(ctx context.Context, now time.Time) (int, error)
	// Sweep deletes up to limit sessions that ended (revoked, idle or
	// absolutely expired) before now minus keep, feed entries older than
	// now minus keep (a store may trim the feed from its oldest entry and
	// stop at the first one it keeps), and expired UseOnce keys; it returns
	// how many sessions it deleted.
	Sweep(ctx context.Context, now time.Time, keep time.Duration, limit int) (int, error)
	// Close releases the store's resources (not the database a caller
	// passed in) and closes every Notify channel; a second Close does
	// nothing.
	Close() error
}

// Notifier is implemented by stores that push revocations (Postgres
// LISTEN/NOTIFY, Redis pub/sub): the channel receives a value soon after any
// instance revokes, so verifiers read Revocations at once instead of at the
// next poll. The channel is closed when ctx ends or the store is closed.
type Notifier interface {
	Notify(ctx context.Context) (<-chan struct{}, error)
}

// Hash is a SHA-256 digest.
type Hash [32]byte

// Record is one long-term session.
type Record struct {
	ID         string // random, 128 bits, base64url; also the access tokens' sid
	Subject    string // the user
	Generation uint64 // of the current refresh token; 1 at creation
	Seed       Hash   // random per session; refresh secrets derive from it
	// RotatedAt is when Generation last advanced (the grace window of the
	// previous token starts here); zero before the first rotation.
	RotatedAt time.Time
	CreatedAt time.Time
	LastUsed  time.Time // creation or last rotation
	// IdleExpiresAt moves forward on every rotation (LastUsed + idle
	// timeout); ExpiresAt (absolute lifetime) never moves.
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
	UserAgent     string
	IP            string
	// Claims are extra access-token claims (JSON object) fixed at creation,
	// e.g. roles the app mapped at exchange; nil for none.
	Claims []byte
	// KeyBinding is the RFC 7638 thumbprint of the DPoP key the session is
	// bound to; "" when not bound.
	KeyBinding   string
	RevokedAt    time.Time // zero while not revoked
	RevokeReason string
}

// Live reports whether the session can still be refreshed at now.
func (r Record) Live(now time.Time) bool {
	return r.RevokedAt.IsZero() && now.Before(r.IdleExpiresAt) && now.Before(r.ExpiresAt)
}

// RotateRequest is a genuine refresh token presented for session ID.
type RotateRequest struct {
	ID          string
	Generation  uint64        // the generation the token carries
	Now         time.Time     // the manager's clock
	Grace       time.Duration // how long the previous token still repeats its successor
	IdleTimeout time.Duration // on rotation IdleExpiresAt becomes Now + IdleTimeout (capped by ExpiresAt)
	UserAgent   string        // recorded on rotation
	IP          string
}

// Outcome is what a store decided for a presented refresh token.
type Outcome int

const (
	// OutcomeRotated: the token was the current one (Generation equal);
	// the session advanced to Generation+1 at Now. Exactly one of any set of
	// concurrent calls with the same token gets it.
	OutcomeRotated Outcome = iota + 1
	// OutcomeRepeated: the token was the previous one (Generation one
	// behind) and Now is within Grace of RotatedAt: nothing changes, and the
	// manager hands out the same successor again (parallel tabs, a response
	// lost on the way).
	OutcomeRepeated
	// OutcomeReused: any older token, or the previous one after the grace
	// window: theft (RFC 9700 4.14.2). The store revoked the session with
	// reason "reuse" and appended it to the feed in the same atomic step.
	OutcomeReused
	// OutcomeAhead: a generation the store has not reached (a restored
	// backup, a lost write): refused, nothing changes, no alarm.
	OutcomeAhead
	// OutcomeEnded: the session is revoked, or idle or absolutely expired at
	// Now: refused, nothing changes.
	OutcomeEnded
)

// RotateResult is the outcome and the session as it is after the step.
type RotateResult struct {
	Outcome Outcome
	Record  Record
}

// RevokeFilter selects sessions: exactly one of ID, Subject or All.
type RevokeFilter struct {
	ID      string // one session
	Subject string // every session of a user ...
	Except  string // ... but this one (the current session), with Subject
	All     bool   // every session
}

// Revocation is one entry of the revocation feed.
type Revocation struct {
	Seq       uint64 // strictly increasing per store, never reused (not even after Sweep)
	SessionID string
	Subject   string
	At        time.Time
	Reason    string
}

// KeyRecord is one access-token signing key.
type KeyRecord struct {
	Slot      int64     // floor(unix time / rotation period) of the period it signs in
	KID       string    // the JWK kid
	Alg       string    // e.g. "ES256"
	Sealed    []byte    // the private key, sealed (AES-GCM) under a key derived from the manager's secret
	Public    []byte    // the public JWK as JSON
	PublishAt time.Time // published in the JWKS from here ...
	SignFrom  time.Time // ... signs from here (after PublishAt) ...
	SignUntil time.Time // ... until here ...
	RetireAt  time.Time // ... and stays published until here (tokens it signed can live that long)
}

// Errors a store returns.
var (
	ErrNotFound = errors.New("sessions: no such session")
	ErrExists   = errors.New("sessions: session ID already exists")
	// ErrStoreUnavailable wraps a store that cannot be reached; the
	// endpoints answer 503 and keep the cookies.
	ErrStoreUnavailable = errors.New("sessions: store unavailable")
)

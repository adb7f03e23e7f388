package sessions

import "errors"

// Errors the Manager returns, for errors.Is. None of their messages, nor
// those of the errors wrapping them, contain a token. The HTTP status each
// deserves (the endpoints answer so):
//
//	ErrRefreshInvalid, ErrSessionEnded, ErrRefreshReused, ErrRefreshAhead  401: clear the cookies, do not retry
//	ErrKeyBinding (also ErrRefreshInvalid)                                 401 with the DPoP challenge: prove the session's key
//	ErrStoreUnavailable                                                    503: keep the cookies, retry later
//	ErrInvalidArgument                                                     the caller's bug (400 when it came from a client)
//
// A context that ended (context.Canceled, context.DeadlineExceeded) is
// returned as it is: the caller gave up.
var (
	// ErrRefreshInvalid: the refresh token is malformed, forged (its
	// secret does not verify under any configured Secret), names an
	// unknown session, or the session is bound to a key (Meta.KeyBinding)
	// the request did not prove. Nothing was written to the store.
	ErrRefreshInvalid = errors.New("sessions: refresh token invalid")
	// ErrKeyBinding: the session is bound to a DPoP key and the refresh
	// did not prove it (Meta.KeyBinding empty or another key's). The error
	// is ErrRefreshInvalid too. It is not reuse: nothing was written and
	// the session lives on, since a bound refresh token is useless without
	// its key, and revoking would let whoever copied the token log the
	// user out.
	ErrKeyBinding = errors.New("sessions: the session is bound to a DPoP key the request did not prove")
	// ErrSessionEnded: the session was revoked, or reached its idle
	// timeout or absolute lifetime.
	ErrSessionEnded = errors.New("sessions: session ended")
	// ErrRefreshReused: an old refresh token came back (RFC 9700 §4.14.2):
	// the token was stolen or replayed, the store revoked the session and
	// OnReuse was called.
	ErrRefreshReused = errors.New("sessions: refresh token reused; session revoked")
	// ErrRefreshAhead: the token's generation is ahead of the store's (a
	// restored backup or a lost write): refused, nothing revoked, no alarm.
	ErrRefreshAhead = errors.New("sessions: refresh token generation ahead of the store")
	// ErrInvalidArgument: a Manager method got an argument it cannot use
	// (an empty subject, a registered claim name in Identity.Claims, a
	// malformed Meta.KeyBinding, an empty session ID).
	ErrInvalidArgument = errors.New("sessions: invalid argument")
)

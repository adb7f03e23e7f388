// Package sessions is sessiongate's own session issuer (seeds 002 and 003):
// a short-lived access JWT that every gate verifies locally, and a rotating
// long-term refresh session kept in a Store that renews it and can be listed
// and revoked.
//
// The Manager is the issuer. Create starts a session (always with a new
// random ID) and returns an access token (an RFC 9068 "at+jwt" with iss,
// sub, aud, exp, iat, jti, sid, the app's extra claims and, for a
// DPoP-bound session, cnf.jkt) and an opaque refresh token. Refresh renews
// it: the store decides in one atomic step whether the token is the current
// one (rotate), the previous one within the grace window (the same
// successor again), an older one (reuse: the session is revoked and
// Config.OnReuse fires) or one ahead of the store (refused, no alarm).
// Revoke, RevokeUser, RevokeAll, List and Get manage sessions. Errors are
// sentinels for errors.Is; manager_errors.go gives the HTTP status each
// deserves.
//
// Access tokens are signed with keys the manager generates per period,
// stores sealed (AES-GCM under a key derived from Config.Secret) and
// rotates, publishing each before it signs and keeping it while its tokens
// live; instances sharing a store agree on one key per period. A gate in
// the same process verifies them through Manager.Issuer; remote gates
// fetch Manager.JWKSHandler. A caller-held crypto.Signer (KMS, HSM) can
// sign instead.
//
// Endpoints (NewEndpoints) is the manager's HTTP face: POST refresh by
// cookie or bearer, exchange of a provider's token for a new session (POST,
// or GET with a redirect to a local path), list, revoke and logout
// authenticated through a gate, and the JWKS. It is a core.Endpoint, which
// every adapter mounts natively with its Endpoint function, and an
// http.Handler. A client that sends a DPoP proof at the exchange gets a
// session bound to its key (cnf.jkt in every access token, and a refresh
// needs a proof of the same key). ReplayCache lends a Store to the gates
// as their shared DPoP replay cache.
//
// DenyList (NewDenyList) follows a Store's revocation feed, every
// PollInterval and at once on each push where the store is a Notifier, and
// holds the sessions revoked within Keep. Set as core.Config.Revocations, it
// makes a gate refuse a revoked session's access tokens at once rather than
// when they expire; a route whose check is Strict asks the store instead.
// The repository's examples/ownsession runs all of it in one program.
//
// The module also holds the Store contract every driver implements, the
// rotation rule drivers share (Decide), memstore, the store conformance
// suite (storetest), which runs managers over each driver too, and the
// endpoints' suite (endpointtest), which every adapter runs.
package sessions

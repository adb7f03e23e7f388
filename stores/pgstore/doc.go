// Package pgstore is the sessions.Store on PostgreSQL (through
// github.com/jackc/pgx/v5), for an app on several machines.
//
// New creates the store's tables when they are missing (sg_sessions,
// sg_revocations, sg_once, sg_keys, in the pool's search_path). Rotate is
// one conditional UPDATE when the token is the current one of a live
// session (the common case, one round trip); otherwise one transaction that
// locks the row (SELECT ... FOR UPDATE), decides by sessions.Decide and
// writes. Of any concurrent calls with one token, from any number of
// instances, exactly one rotates. A revocation, its feed
// rows and a NOTIFY on channel sg_revocations commit together; feed writers
// take a lock on the feed table so that Seq order is commit order and a
// poller never skips an entry. UseOnce and PutKey are single
// INSERT ... ON CONFLICT statements.
//
// The store implements sessions.Notifier: Notify LISTENs on a connection of
// its own (taken from the pool, then detached from it) and reconnects when
// it breaks.
package pgstore

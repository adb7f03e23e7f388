// Package redisstore is the sessions.Store on Redis (7.0 or newer, through
// github.com/redis/go-redis/v9), for apps on several machines that want
// the fastest refresh.
//
// Every step the contract calls atomic is one Lua script: Rotate (decide and
// write, and on reuse revoke, append to the feed and publish), Revoke (every
// selected session with its feed entries), Create, Sweep, PutKey. All keys
// of one store share one hash tag, {<prefix>}, so they live in one Redis
// Cluster slot and every script runs atomically on a Cluster too; the
// scripts declare "#!lua" so that Redis itself refuses a key outside that
// slot.
//
// The store implements sessions.Notifier with pub/sub: every revocation
// publishes on {<prefix>}:revoked.
package redisstore

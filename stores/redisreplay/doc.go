// Package redisreplay is a DPoP replay cache in Redis (through
// github.com/redis/go-redis/v9): the core.ReplayCache that lets several
// instances of a service refuse a DPoP proof any of them has already
// accepted (RFC 9449 §11.1).
//
// Each proof is one key, written with SET NX and an expiry: Redis answers
// whether the key was new in one atomic step, and forgets the key by itself
// when the proof is too old to be accepted anyway. Keys of different proofs
// spread over a Redis Cluster's slots.
package redisreplay

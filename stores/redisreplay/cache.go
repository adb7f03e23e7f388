package redisreplay

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/core"
)

// DefaultPrefix starts every key when Options.Prefix is empty.
const DefaultPrefix = "sg:dpop:"

// minTTL is how long a key is kept at least, even when its time has already
// passed: two copies of one proof that both passed the gate's age check
// just before that time must still not both be first.
const minTTL = time.Second

// ErrUnavailable wraps every error from Redis (unreachable, timed out, out
// of memory, a Cluster without the key's slot): the gate refuses the
// request with 503 rather than let an unchecked proof through.
var ErrUnavailable = errors.New("redisreplay: replay cache unavailable")

// Options configure a Cache; the zero value is the default.
type Options struct {
	// Prefix starts every key: "<Prefix><43 characters of base64url>".
	// Default DefaultPrefix. Caches with different prefixes share a Redis
	// without seeing each other's proofs; give each service its own when
	// they must not share (they normally may: a proof is bound to one URL).
	Prefix string
}

// Cache is the DPoP replay cache in Redis. It is safe for concurrent use
// and holds no state of its own: any number of Caches, in any number of
// processes, on one Redis and prefix see the same proofs.
type Cache struct {
	client redis.UniversalClient
	prefix string
}

var _ core.ReplayCache = (*Cache)(nil)

// New returns a Cache on client. It does not contact Redis; the client
// stays the caller's (the Cache has no Close).
func New(client redis.UniversalClient, opts Options) (*Cache, error) {
	if client == nil {
		return nil, errors.New("redisreplay: New with a nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	return &Cache{client: client, prefix: opts.Prefix}, nil
}

// UseOnce records key until the given time and reports whether it was new:
// one SET NX with an expiry, atomic in Redis, so of any number of
// concurrent calls with one key, on any number of instances, exactly one
// gets true.
//
// The expiry is sent as a duration (PX, until minus now, rounded up to the
// millisecond), not as an instant (PXAT): an instant would be judged by
// Redis's clock, and a Redis clock ahead of the gate's would forget a proof
// the gate still accepts. A time already past is kept for one second. Any
// Redis error is returned wrapped with ErrUnavailable (or the context's
// error), and then first is false.
func (c *Cache) UseOnce(ctx context.Context, key [32]byte, until time.Time) (first bool, err error) {
	ttl := max(time.Until(until), minTTL)
	ttl = (ttl + time.Millisecond - 1).Truncate(time.Millisecond)
	first, err = c.client.SetNX(ctx, c.key(key), "1", ttl).Result()
	if err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("redisreplay: %w (%v)", ctx.Err(), err)
		}
		return false, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return first, nil
}

// key is the Redis key of a proof's key.
func (c *Cache) key(k [32]byte) string {
	return c.prefix + base64.RawURLEncoding.EncodeToString(k[:])
}

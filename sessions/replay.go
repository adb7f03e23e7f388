package sessions

import (
	"context"
	"time"

	"github.com/sessiongate/sessiongate/core"
)

// ReplayCache returns s as a core.ReplayCache (core.DPoPConfig.Replay): the
// DPoP proofs a gate accepts are recorded with s.UseOnce, so every instance
// sharing the store (Postgres, SQLite, Redis) refuses a proof any of them
// has seen, without a separate Redis. Its keys are hashes with their own
// prefix, apart from the exchange's, and Store.Sweep drops them once
// expired. Each proof costs one write to s: for many proofs a second, a
// Redis replay cache (stores/redisreplay) spares the database.
func ReplayCache(s Store) core.ReplayCache { return storeReplay{s} }

// storeReplay is a Store seen as a core.ReplayCache: the same method but
// for the key's named type.
type storeReplay struct{ s Store }

func (c storeReplay) UseOnce(ctx context.Context, key [32]byte, until time.Time) (bool, error) {
	return c.s.UseOnce(ctx, Hash(key), until)
}

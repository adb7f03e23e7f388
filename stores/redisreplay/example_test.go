package redisreplay_test

import (
	"context"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/stores/redisreplay"
)

// One replay cache for every instance of a service. (Needs a Redis server,
// so it is compiled, not run.) Pass it to the gate as the DPoP replay
// cache; the gate calls UseOnce once per accepted proof.
func Example() {
	client := redis.NewClient(&redis.Options{Addr: "redis.internal:6379"})
	// or redis.NewClusterClient / redis.NewFailoverClient: any UniversalClient
	defer client.Close()

	replay, err := redisreplay.New(client, redisreplay.Options{Prefix: "orders:dpop:"})
	if err != nil {
		log.Fatal(err)
	}

	// What the gate does with each proof: a SHA-256 of its jti (and key),
	// kept for as long as the proof could be accepted.
	var key [32]byte
	first, err := replay.UseOnce(context.Background(), key, time.Now().Add(5*time.Minute))
	switch {
	case err != nil:
		log.Print("replay cache unavailable: refuse with 503") // errors.Is(err, redisreplay.ErrUnavailable)
	case !first:
		log.Print("replayed proof: refuse with 401")
	}
}

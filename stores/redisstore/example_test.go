package redisstore_test

import (
	"context"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/stores/redisstore"
)

// Open the store on a client, and wake a deny-list whenever any instance
// revokes. (Needs a Redis server, so it is compiled, not run.)
func Example() {
	client := redis.NewClient(&redis.Options{Addr: "redis.internal:6379"})
	// or redis.NewClusterClient / redis.NewFailoverClient: any UniversalClient
	defer client.Close()

	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp"}) // keys "{myapp}:..."
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	ctx := context.Background()
	wake, err := store.Notify(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for range wake {
		feed, err := store.Revocations(ctx, 0, 100)
		if err != nil {
			continue
		}
		log.Printf("%d revocations in the feed", len(feed))
	}
}

package pgstore_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/stores/pgstore"
)

// Open the store on a pool, and wake a deny-list whenever any instance
// revokes. (Needs a PostgreSQL server, so it is compiled, not run.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://app@db.internal:5432/app")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	store, err := pgstore.New(ctx, pool) // creates its tables when missing
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	wake, err := store.Notify(ctx)
	if err != nil {
		log.Fatal(err)
	}
	var seen uint64
	for {
		select {
		case <-wake:
		case <-time.After(30 * time.Second): // the polling fallback
		}
		feed, err := store.Revocations(ctx, seen, 100)
		if errors.Is(err, sessions.ErrStoreUnavailable) {
			continue // keep the deny-list as it is; try again at the next wake
		}
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range feed {
			log.Printf("session %s of %s revoked (%s)", r.SessionID, r.Subject, r.Reason)
			seen = r.Seq
		}
	}
}

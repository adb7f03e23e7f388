package sqlitestore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/stores/sqlitestore"
)

// Open a file, store a session, rotate it, and list the user's sessions.
func Example() {
	dir, _ := os.MkdirTemp("", "sqlitestore-example")
	defer os.RemoveAll(dir)

	store, err := sqlitestore.Open(filepath.Join(dir, "sessions.db"))
	if err != nil {
		panic(err)
	}
	defer store.Close()

	ctx := context.Background()
	now := time.Now()
	err = store.Create(ctx, sessions.Record{
		ID: "sid-1", Subject: "user-42", Generation: 1, CreatedAt: now, LastUsed: now,
		IdleExpiresAt: now.Add(14 * 24 * time.Hour), ExpiresAt: now.Add(30 * 24 * time.Hour),
		UserAgent: "Firefox on Linux", IP: "192.0.2.1",
	})
	if err != nil {
		panic(err)
	}
	res, err := store.Rotate(ctx, sessions.RotateRequest{
		ID: "sid-1", Generation: 1, Now: now.Add(5 * time.Minute),
		Grace: 30 * time.Second, IdleTimeout: 14 * 24 * time.Hour,
		UserAgent: "Firefox on Android", IP: "198.51.100.4", // the device that refreshed
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Outcome == sessions.OutcomeRotated, res.Record.Generation)

	list, err := store.ListByUser(ctx, "user-42", now.Add(time.Hour))
	if err != nil {
		panic(err)
	}
	fmt.Println(len(list), list[0].UserAgent)
	// Output:
	// true 2
	// 1 Firefox on Android
}

package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
)

// Two tabs refresh with the same token at once: one rotates, the other gets
// the same successor; the token coming back after the grace window is theft.
func Example() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()

	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	err := s.Create(ctx, sessions.Record{
		ID: "sid-1", Subject: "user-42", Generation: 1,
		CreatedAt: now, LastUsed: now,
		IdleExpiresAt: now.Add(14 * 24 * time.Hour), ExpiresAt: now.Add(30 * 24 * time.Hour),
	})
	if err != nil {
		panic(err)
	}
	refresh := func(gen uint64, at time.Time) sessions.RotateResult {
		res, err := s.Rotate(ctx, sessions.RotateRequest{
			ID: "sid-1", Generation: gen, Now: at, Grace: 30 * time.Second, IdleTimeout: 14 * 24 * time.Hour,
		})
		if err != nil {
			panic(err)
		}
		return res
	}
	first := refresh(1, now.Add(5*time.Minute))
	second := refresh(1, now.Add(5*time.Minute+time.Second))
	fmt.Println(first.Outcome == sessions.OutcomeRotated, first.Record.Generation)
	fmt.Println(second.Outcome == sessions.OutcomeRepeated, second.Record.Generation)

	late := refresh(1, now.Add(time.Hour))
	fmt.Println(late.Outcome == sessions.OutcomeReused, late.Record.RevokeReason)
	feed, _ := s.Revocations(ctx, 0, 10)
	fmt.Println(len(feed), feed[0].SessionID)
	// Output:
	// true 2
	// true 2
	// true reuse
	// 1 sid-1
}

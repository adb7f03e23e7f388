package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// calls are every Store method, each called with ctx on a store holding the
// population.
var calls = []struct {
	name string
	call func(ctx context.Context, s sessions.Store) error
}{
	{"Create", func(ctx context.Context, s sessions.Store) error { return s.Create(ctx, session("new", "alice", 0)) }},
	{"Get", func(ctx context.Context, s sessions.Store) error { _, err := s.Get(ctx, "a1"); return err }},
	{"Rotate", func(ctx context.Context, s sessions.Store) error {
		_, err := s.Rotate(ctx, sessions.RotateRequest{ID: "a1", Generation: 1, Now: now, Grace: grace, IdleTimeout: idle})
		return err
	}},
	{"ListByUser", func(ctx context.Context, s sessions.Store) error {
		_, err := s.ListByUser(ctx, "alice", now)
		return err
	}},
	{"Revoke", func(ctx context.Context, s sessions.Store) error {
		_, err := s.Revoke(ctx, sessions.RevokeFilter{Subject: "alice"}, "admin", now)
		return err
	}},
	{"Revocations", func(ctx context.Context, s sessions.Store) error { _, err := s.Revocations(ctx, 0, 10); return err }},
	{"UseOnce", func(ctx context.Context, s sessions.Store) error {
		_, err := s.UseOnce(ctx, hashOf("k"), time.Now().Add(time.Hour))
		return err
	}},
	{"PutKey", func(ctx context.Context, s sessions.Store) error { _, err := s.PutKey(ctx, key(1, "k1")); return err }},
	{"Keys", func(ctx context.Context, s sessions.Store) error { _, err := s.Keys(ctx); return err }},
	{"DeleteKeys", func(ctx context.Context, s sessions.Store) error { _, err := s.DeleteKeys(ctx, now); return err }},
	{"Sweep", func(ctx context.Context, s sessions.Store) error { _, err := s.Sweep(ctx, now, keep, 10); return err }},
}

// promptly is how long a failing call may take: a store may retry a dial,
// but it must not wait for a server that is not coming back.
const promptly = 15 * time.Second

// everyCall calls every method with ctx and checks each error is want.
func everyCall(t *testing.T, s sessions.Store, ctx context.Context, want error) {
	for _, c := range calls {
		done := make(chan error, 1)
		go func() { done <- c.call(ctx, s) }()
		select {
		case err := <-done:
			if !errors.Is(err, want) {
				t.Errorf("%s: %v, want an error matching %v", c.name, err, want)
			}
		case <-time.After(promptly):
			t.Errorf("%s: no answer within %v", c.name, promptly)
		}
	}
}

func failureCases() []testCase {
	return []testCase{
		{name: "failure/a cancelled context: every method returns context.Canceled at once", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			mustCreate(t, s, population()...)
			ctx, cancel := context.WithCancel(bg)
			cancel()
			everyCall(t, s, ctx, context.Canceled)
		}},
		{name: "failure/a passed deadline: every method returns context.DeadlineExceeded at once", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			mustCreate(t, s, population()...)
			ctx, cancel := context.WithDeadline(bg, time.Now().Add(-time.Second))
			defer cancel()
			everyCall(t, s, ctx, context.DeadlineExceeded)
		}},
		{name: "failure/an unreachable server: every method fails promptly with ErrStoreUnavailable", unreachable: true, run: func(t *testing.T, h Harness) {
			s := h.Unreachable(t)
			defer s.Close()
			everyCall(t, s, bg, sessions.ErrStoreUnavailable)
		}},
	}
}

func notifyCases() []testCase {
	return []testCase{
		{name: "notify/a revocation on another handle wakes Notify", run: func(t *testing.T, h Harness) {
			ss := handles(t, h, 2)
			mustCreate(t, ss[0], session("a1", "alice", 0))
			wakes(t, ss[0], func() {
				if _, err := ss[1].Revoke(bg, sessions.RevokeFilter{ID: "a1"}, "admin", now); err != nil {
					t.Error(err)
				}
			})
		}},
		{name: "notify/a reused token on another handle wakes Notify", run: func(t *testing.T, h Harness) {
			ss := handles(t, h, 2)
			r := session("a1", "alice", 0)
			r.Generation, r.RotatedAt = 3, now.Add(-time.Hour)
			mustCreate(t, ss[0], r)
			wakes(t, ss[0], func() {
				res, err := ss[1].Rotate(bg, sessions.RotateRequest{ID: "a1", Generation: 1, Now: now, Grace: grace, IdleTimeout: idle})
				if err != nil || res.Outcome != sessions.OutcomeReused {
					t.Errorf("Rotate = %s, %v; want Reused", outcomeName(res.Outcome), err)
				}
			})
		}},
		{name: "notify/the channel closes when its context ends", run: func(t *testing.T, h Harness) {
			n := notifier(t, one(t, h))
			ctx, cancel := context.WithCancel(bg)
			ch, err := n.Notify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cancel()
			closes(t, ch, "its context ended")
		}},
		{name: "notify/the channel closes when the store is closed; a second Close does nothing", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			ch, err := notifier(t, s).Notify(bg)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			closes(t, ch, "Close")
		}},
	}
}

// closes waits for ch to close, draining it.
func closes(t *testing.T, ch <-chan struct{}, after string) {
	t.Helper()
	deadline := time.After(promptly)
	for {
		select {
		case _, open := <-ch:
			if !open {
				return
			}
		case <-deadline:
			t.Fatalf("the channel is still open %v after %s", promptly, after)
		}
	}
}

// notifier returns s as a sessions.Notifier, or skips the test.
func notifier(t *testing.T, s sessions.Store) sessions.Notifier {
	t.Helper()
	n, ok := s.(sessions.Notifier)
	if !ok {
		t.Skip("the store does not implement sessions.Notifier")
	}
	return n
}

// wakes subscribes on s, runs revoke, and waits for a value.
func wakes(t *testing.T, s sessions.Store, revoke func()) {
	t.Helper()
	n := notifier(t, s)
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	ch, err := n.Notify(ctx)
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	revoke()
	select {
	case <-ch:
	case <-time.After(promptly):
		t.Errorf("no notification %v after the revocation", promptly)
	}
}

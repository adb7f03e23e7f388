package redisstore

import (
	"context"
	"errors"
)

// errClosed: Notify on a closed store.
var errClosed = errors.New("redisstore: the store is closed")

// Notify subscribes to the store's revocation channel and returns a
// channel that receives a value soon after any instance revokes. It
// returns once Redis confirmed the subscription, so no revocation after it
// returns is missed while the connection holds (go-redis reconnects a
// broken one by itself; poll Revocations as well). The channel is closed
// when ctx ends or the store is closed.
func (s *Store) Notify(ctx context.Context) (<-chan struct{}, error) {
	sub := s.client.Subscribe(ctx, s.channel())
	if _, err := sub.Receive(ctx); err != nil {
		sub.Close()
		return nil, s.fail(ctx, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		sub.Close()
		return nil, errClosed
	}
	ch := make(chan struct{}, 1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(ch)
		defer sub.Close()
		msgs := sub.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.life.Done():
				return
			case _, ok := <-msgs:
				if !ok {
					return
				}
			}
			select {
			case ch <- struct{}{}:
			default: // a value is pending: it already says "read the feed"
			}
		}
	}()
	return ch, nil
}

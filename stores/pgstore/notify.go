package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notify LISTENs on a connection of its own and returns a channel that
// receives a value soon after any instance revokes (and after the
// connection was lost and restored, when a notification may have been
// missed). The channel is closed when ctx ends or the store is closed.
func (s *Store) Notify(ctx context.Context) (<-chan struct{}, error) {
	conn, err := s.listen(ctx)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		closeConn(conn)
		return nil, errClosed
	}
	ch := make(chan struct{}, 1)
	s.wg.Add(1)
	go s.forward(ctx, conn, ch)
	return ch, nil
}

// listen takes a connection from the pool, detaches it (a LISTENing
// connection must not serve queries) and LISTENs on it.
func (s *Store) listen(ctx context.Context) (*pgx.Conn, error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	conn := c.Hijack()
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		closeConn(conn)
		return nil, err
	}
	return conn, nil
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Close(ctx)
}

// forward passes notifications on until ctx ends or the store closes,
// listening again (every second) when the connection breaks.
func (s *Store) forward(ctx context.Context, conn *pgx.Conn, ch chan struct{}) {
	defer s.wg.Done()
	defer close(ch)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.life, cancel)()
	for {
		_, err := conn.WaitForNotification(ctx)
		if err != nil {
			closeConn(conn)
			if conn = s.relisten(ctx); conn == nil {
				return
			}
		}
		select {
		case ch <- struct{}{}:
		default: // a value is pending: it already says "read the feed"
		}
	}
}

// relisten waits a second and listens again until it succeeds or ctx ends
// (then nil).
func (s *Store) relisten(ctx context.Context) *pgx.Conn {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		if conn, err := s.listen(ctx); err == nil {
			return conn
		}
	}
}

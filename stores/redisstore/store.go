package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/sessions"
)

// Options configure a Store; the zero value is the default.
type Options struct {
	// Prefix names the store's keys: every key is "{<Prefix>}:...", one
	// hash tag, so one Cluster slot. Default "sg". Stores with different
	// prefixes share a Redis without seeing each other (and may land in
	// different slots of a Cluster). It must not contain '{' or '}'.
	Prefix string
}

// Store is a sessions.Store in Redis.
type Store struct {
	client redis.UniversalClient
	tag    string // "{prefix}"
	// life ends with Close, and with it every Notify goroutine (wg).
	life   context.Context
	end    context.CancelFunc
	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
	wg     sync.WaitGroup
}

var (
	_ sessions.Store    = (*Store)(nil)
	_ sessions.Notifier = (*Store)(nil)
)

// New returns a store on client. It does not talk to Redis (the scripts
// load on first use); the client stays the caller's: Close does not close
// it.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: New with a nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = "sg"
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redisstore: Options.Prefix %q: must not contain '{' or '}'", opts.Prefix)
	}
	s := &Store{client: client, tag: "{" + opts.Prefix + "}"}
	s.life, s.end = context.WithCancel(context.Background())
	return s, nil
}

// The store's keys. A session is a hash; its ID is also in the user's set
// and in the "all" sorted set, scored by when it ends (Sweep reads that).
func (s *Store) sessionKey(id string) string    { return s.tag + ":s:" + id }
func (s *Store) sessionBase() string            { return s.tag + ":s:" }
func (s *Store) userKey(subject string) string  { return s.tag + ":u:" + subject }
func (s *Store) userBase() string               { return s.tag + ":u:" }
func (s *Store) allKey() string                 { return s.tag + ":all" }
func (s *Store) seqKey() string                 { return s.tag + ":seq" }
func (s *Store) feedKey() string                { return s.tag + ":feed" }
func (s *Store) onceKey(k sessions.Hash) string { return fmt.Sprintf("%s:o:%x", s.tag, k[:]) }
func (s *Store) keysKey() string                { return s.tag + ":keys" }
func (s *Store) retireKey() string              { return s.tag + ":keys:retire" }
func (s *Store) channel() string                { return s.tag + ":revoked" }

// fail returns err as every store does (sessions.StoreError).
func (s *Store) fail(ctx context.Context, err error) error {
	return sessions.StoreError(ctx, "redisstore", err)
}

// Close ends every Notify subscription and waits for them. It does not
// close the client.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.end()
	s.wg.Wait()
	return nil
}

// micros is t as stored: decimal microseconds since the Unix epoch; Lua
// compares them as numbers, exact below 2^53 (the year 2255).
func micros(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// fromMicros is the time stored as micros; "" (absent) is the zero time.
func fromMicros(v string) time.Time {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || v == "" {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// fields is r as the hash stores it; zero times and nil Claims are left
// out.
func fields(r sessions.Record) []any {
	f := []any{"sub", r.Subject, "gen", strconv.FormatUint(r.Generation, 10), "seed", string(r.Seed[:]),
		"ua", r.UserAgent, "ip", r.IP, "kb", r.KeyBinding, "why", r.RevokeReason}
	for _, t := range []struct {
		name string
		at   time.Time
	}{
		{"rot", r.RotatedAt}, {"cre", r.CreatedAt}, {"last", r.LastUsed},
		{"idle", r.IdleExpiresAt}, {"exp", r.ExpiresAt}, {"rev", r.RevokedAt},
	} {
		if !t.at.IsZero() {
			f = append(f, t.name, micros(t.at))
		}
	}
	if r.Claims != nil {
		f = append(f, "claims", string(r.Claims))
	}
	return f
}

// record decodes a session hash given as HGETALL's flat field/value list.
func record(id string, flat []any) (sessions.Record, error) {
	h := map[string]string{}
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		h[k] = v
	}
	gen, err := strconv.ParseUint(h["gen"], 10, 64)
	if err != nil {
		return sessions.Record{}, fmt.Errorf("session %s: generation %q: %w", id, h["gen"], err)
	}
	r := sessions.Record{
		ID: id, Subject: h["sub"], Generation: gen,
		RotatedAt: fromMicros(h["rot"]), CreatedAt: fromMicros(h["cre"]), LastUsed: fromMicros(h["last"]),
		IdleExpiresAt: fromMicros(h["idle"]), ExpiresAt: fromMicros(h["exp"]),
		UserAgent: h["ua"], IP: h["ip"], KeyBinding: h["kb"],
		RevokedAt: fromMicros(h["rev"]), RevokeReason: h["why"],
	}
	copy(r.Seed[:], h["seed"])
	if c, ok := h["claims"]; ok {
		r.Claims = []byte(c)
	}
	return r, nil
}

// endOf is when r ends: revoked, idle- or absolutely expired, whichever is
// first (the score in the "all" set that Sweep reads).
func endOf(r sessions.Record) time.Time {
	end := r.ExpiresAt
	for _, t := range []time.Time{r.IdleExpiresAt, r.RevokedAt} {
		if !t.IsZero() && t.Before(end) {
			end = t
		}
	}
	return end
}

// Create stores a new session; sessions.ErrExists when the ID is taken.
func (s *Store) Create(ctx context.Context, r sessions.Record) error {
	args := append([]any{r.ID, micros(endOf(r))}, fields(r)...)
	created, err := createScript.Run(ctx, s.client, []string{s.sessionKey(r.ID), s.userKey(r.Subject), s.allKey()}, args...).Int()
	if err == nil && created == 0 {
		err = sessions.ErrExists
	}
	return s.fail(ctx, err)
}

// Get returns the session with this ID; sessions.ErrNotFound when none.
func (s *Store) Get(ctx context.Context, id string) (sessions.Record, error) {
	h, err := s.client.HGetAll(ctx, s.sessionKey(id)).Result()
	if err != nil {
		return sessions.Record{}, s.fail(ctx, err)
	}
	if len(h) == 0 {
		return sessions.Record{}, sessions.ErrNotFound
	}
	flat := make([]any, 0, 2*len(h))
	for k, v := range h {
		flat = append(flat, k, v)
	}
	r, err := record(id, flat)
	return r, s.fail(ctx, err)
}

// Rotate runs sessions.Decide as one Lua script.
func (s *Store) Rotate(ctx context.Context, q sessions.RotateRequest) (sessions.RotateResult, error) {
	keys := []string{s.sessionKey(q.ID), s.allKey(), s.seqKey(), s.feedKey()}
	out, err := rotateScript.Run(ctx, s.client, keys, q.ID, strconv.FormatUint(q.Generation, 10),
		micros(q.Now), strconv.FormatInt(q.Grace.Microseconds(), 10), micros(q.Now.Add(q.IdleTimeout)),
		q.UserAgent, q.IP, sessions.ReasonReuse, s.channel()).Slice()
	if err != nil {
		return sessions.RotateResult{}, s.fail(ctx, err)
	}
	outcome, _ := out[0].(int64)
	if outcome == 0 || len(out) < 2 {
		return sessions.RotateResult{}, sessions.ErrNotFound
	}
	flat, _ := out[1].([]any)
	r, err := record(q.ID, flat)
	if err != nil {
		return sessions.RotateResult{}, s.fail(ctx, err)
	}
	return sessions.RotateResult{Outcome: sessions.Outcome(outcome), Record: r}, nil
}

// ListByUser returns the subject's live sessions, newest first.
func (s *Store) ListByUser(ctx context.Context, subject string, now time.Time) ([]sessions.Record, error) {
	out, err := listScript.Run(ctx, s.client, []string{s.userKey(subject)}, s.sessionBase()).Slice()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	var list []sessions.Record
	for i := 0; i+1 < len(out); i += 2 {
		id, _ := out[i].(string)
		flat, _ := out[i+1].([]any)
		r, err := record(id, flat)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		if r.Live(now) {
			list = append(list, r)
		}
	}
	slices.SortFunc(list, func(a, b sessions.Record) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list, nil
}

package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// rotateRow is one refresh token presented to a session in some state.
type rotateRow struct {
	name string
	gen  uint64 // the session's generation
	// rotatedAgo: RotatedAt is now minus this (negative: after now); unset
	// for a session never rotated (gen 1).
	rotatedAgo time.Duration
	state      state
	expiresIn  time.Duration // ExpiresAt - now; default 20 days
	present    uint64        // the generation the token carries
	want       sessions.Outcome
}

// state is how a session stands at the row's now.
type state int

const (
	live        state = iota
	revoked           // revoked a minute before now
	idleEnded         // IdleExpiresAt == now
	absoluteEnd       // ExpiresAt == now
)

// rotateRows are the rules of store.go's Outcome docs, one row per edge.
var rotateRows = []rotateRow{
	{name: "current token: rotated to the next generation", gen: 3, rotatedAgo: 10 * time.Minute, present: 3, want: sessions.OutcomeRotated},
	{name: "current token of a session never rotated: rotated", gen: 1, present: 1, want: sessions.OutcomeRotated},
	{name: "current token near the absolute end: rotated, idle expiry capped at ExpiresAt", gen: 2, rotatedAgo: time.Hour, expiresIn: 10 * time.Minute, present: 2, want: sessions.OutcomeRotated},
	{name: "previous token within grace: repeated, nothing changes", gen: 3, rotatedAgo: 10 * time.Second, present: 2, want: sessions.OutcomeRepeated},
	{name: "previous token a microsecond before grace ends: repeated", gen: 3, rotatedAgo: grace - time.Microsecond, present: 2, want: sessions.OutcomeRepeated},
	{name: "previous token while another instance's clock is behind (now before RotatedAt): repeated", gen: 3, rotatedAgo: -5 * time.Second, present: 2, want: sessions.OutcomeRepeated},
	{name: "previous token exactly when grace ends: reused, revoked with one feed entry", gen: 3, rotatedAgo: grace, present: 2, want: sessions.OutcomeReused},
	{name: "previous token after grace: reused, revoked with one feed entry", gen: 3, rotatedAgo: 10 * time.Minute, present: 2, want: sessions.OutcomeReused},
	{name: "token two generations old, within grace: reused", gen: 3, rotatedAgo: time.Second, present: 1, want: sessions.OutcomeReused},
	{name: "generation one ahead of the store: ahead, nothing changes", gen: 3, rotatedAgo: time.Minute, present: 4, want: sessions.OutcomeAhead},
	{name: "generation far ahead of the store: ahead, nothing changes", gen: 3, rotatedAgo: time.Minute, present: 40, want: sessions.OutcomeAhead},
	{name: "revoked session, current token: ended, nothing changes", gen: 3, rotatedAgo: time.Hour, state: revoked, present: 3, want: sessions.OutcomeEnded},
	{name: "revoked session, old token: ended, no second feed entry", gen: 3, rotatedAgo: time.Hour, state: revoked, present: 1, want: sessions.OutcomeEnded},
	{name: "revoked session, generation ahead: ended", gen: 3, rotatedAgo: time.Hour, state: revoked, present: 4, want: sessions.OutcomeEnded},
	{name: "idle-expired session (now is IdleExpiresAt): ended, nothing changes", gen: 3, rotatedAgo: idle, state: idleEnded, present: 3, want: sessions.OutcomeEnded},
	{name: "absolutely expired session (now is ExpiresAt): ended, nothing changes", gen: 3, rotatedAgo: time.Hour, state: absoluteEnd, present: 3, want: sessions.OutcomeEnded},
	{name: "absolutely expired session, previous token within grace: ended", gen: 3, rotatedAgo: time.Second, state: absoluteEnd, present: 2, want: sessions.OutcomeEnded},
}

// now is the instant every rotate row runs at.
var now = t0.Add(10 * 24 * time.Hour)

// before builds the row's session as stored before the token arrives.
func (row rotateRow) before() sessions.Record {
	r := session("s-rotate", "alice", 0)
	r.Generation = row.gen
	if row.gen > 1 {
		r.RotatedAt = now.Add(-row.rotatedAgo)
		r.LastUsed = r.RotatedAt
	}
	r.IdleExpiresAt = now.Add(time.Hour)
	r.ExpiresAt = now.Add(20 * 24 * time.Hour)
	if row.expiresIn != 0 {
		r.ExpiresAt = now.Add(row.expiresIn)
	}
	switch row.state {
	case revoked:
		r.RevokedAt, r.RevokeReason = now.Add(-time.Minute), "logout"
	case idleEnded:
		r.IdleExpiresAt = now
	case absoluteEnd:
		r.ExpiresAt = now
	}
	return r
}

// request is the row's token, presented at now by a new browser.
func (row rotateRow) request() sessions.RotateRequest {
	return sessions.RotateRequest{
		ID: "s-rotate", Generation: row.present, Now: now, Grace: grace, IdleTimeout: idle,
		UserAgent: "Mozilla/5.0 (Macintosh) storetest", IP: "198.51.100.9",
	}
}

// after is what the row's session must look like once the store decided.
func (row rotateRow) after() sessions.Record {
	r, q := row.before(), row.request()
	switch row.want {
	case sessions.OutcomeRotated:
		r.Generation++
		r.RotatedAt, r.LastUsed = now, now
		r.IdleExpiresAt = now.Add(idle)
		if r.ExpiresAt.Before(r.IdleExpiresAt) {
			r.IdleExpiresAt = r.ExpiresAt
		}
		r.UserAgent, r.IP = q.UserAgent, q.IP
	case sessions.OutcomeReused:
		r.RevokedAt, r.RevokeReason = now, sessions.ReasonReuse
	}
	return r
}

func (row rotateRow) run(t *testing.T, h Harness) {
	s := one(t, h)
	mustCreate(t, s, row.before())
	feedBefore := feed(t, s)
	res, err := s.Rotate(bg, row.request())
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if res.Outcome != row.want {
		t.Errorf("outcome = %s, want %s", outcomeName(res.Outcome), outcomeName(row.want))
	}
	want := row.after()
	sameRecord(t, "the result's record", res.Record, want)
	sameRecord(t, "the stored record", mustGet(t, s, "s-rotate"), want)
	added := feed(t, s)[len(feedBefore):]
	if row.want != sessions.OutcomeReused {
		if len(added) != 0 {
			t.Errorf("feed gained %v, want nothing", added)
		}
		return
	}
	wantEntry(t, added, sessions.Revocation{SessionID: "s-rotate", Subject: "alice", At: now, Reason: sessions.ReasonReuse})
}

// wantEntry checks that added is exactly one entry like want (Seq aside).
func wantEntry(t *testing.T, added []sessions.Revocation, want sessions.Revocation) {
	t.Helper()
	if len(added) != 1 {
		t.Fatalf("feed gained %d entries %v, want 1", len(added), added)
	}
	e := added[0]
	if e.SessionID != want.SessionID || e.Subject != want.Subject || !e.At.Equal(want.At) || e.Reason != want.Reason {
		t.Errorf("feed entry = %+v, want %+v", e, want)
	}
}

func rotateCases() []testCase {
	var out []testCase
	for _, row := range rotateRows {
		out = append(out, testCase{name: "rotate/" + row.name, run: row.run})
	}
	return append(out, testCase{name: "rotate/unknown session: ErrNotFound", run: func(t *testing.T, h Harness) {
		s := one(t, h)
		_, err := s.Rotate(bg, rotateRows[0].request())
		if !errors.Is(err, sessions.ErrNotFound) {
			t.Errorf("Rotate of an unknown session: %v, want ErrNotFound", err)
		}
	}})
}

// outcomeName is the Outcome's constant name, for messages.
func outcomeName(o sessions.Outcome) string {
	names := map[sessions.Outcome]string{
		sessions.OutcomeRotated: "Rotated", sessions.OutcomeRepeated: "Repeated", sessions.OutcomeReused: "Reused",
		sessions.OutcomeAhead: "Ahead", sessions.OutcomeEnded: "Ended",
	}
	if n, ok := names[o]; ok {
		return n
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

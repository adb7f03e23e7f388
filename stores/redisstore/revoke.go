package redisstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// Revoke revokes the live sessions f selects, appends one feed entry each
// and publishes, in one Lua script.
func (s *Store) Revoke(ctx context.Context, f sessions.RevokeFilter, reason string, now time.Time) (int, error) {
	if err := f.Check(); err != nil {
		return 0, err
	}
	source, mode, arg := s.allKey(), "all", ""
	switch {
	case f.ID != "":
		source, mode, arg = s.sessionKey(f.ID), "id", f.ID
	case f.Subject != "":
		source, mode, arg = s.userKey(f.Subject), "set", f.Except
	}
	n, err := revokeScript.Run(ctx, s.client, []string{source, s.allKey(), s.seqKey(), s.feedKey()},
		mode, arg, s.sessionBase(), micros(now), reason, s.channel()).Int()
	return n, s.fail(ctx, err)
}

// Revocations returns up to limit feed entries with Seq > after. The feed
// is a stream whose entry IDs are "<Seq>-0".
func (s *Store) Revocations(ctx context.Context, after uint64, limit int) ([]sessions.Revocation, error) {
	if limit <= 0 || after == 1<<64-1 {
		return nil, ctx.Err()
	}
	msgs, err := s.client.XRangeN(ctx, s.feedKey(), strconv.FormatUint(after+1, 10)+"-0", "+", int64(limit)).Result()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := make([]sessions.Revocation, 0, len(msgs))
	for _, m := range msgs {
		seq, _, _ := strings.Cut(m.ID, "-")
		e := sessions.Revocation{At: fromMicros(str(m.Values["at"]))}
		e.Seq, _ = strconv.ParseUint(seq, 10, 64)
		e.SessionID, e.Subject, e.Reason = str(m.Values["sid"]), str(m.Values["sub"]), str(m.Values["why"])
		out = append(out, e)
	}
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

package storetest

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

func feedCases() []testCase {
	return []testCase{
		{name: "feed/Revocations pages by after and limit, in Seq order", run: feedPages},
		{name: "feed/3 handles revoking at once while a poller on a 4th follows Seq: strictly increasing, no entry missed", run: feedFollow},
		{name: "feed/Seq keeps increasing after Sweep removed every entry", run: feedAfterSweep},
	}
}

// revokeEach creates the sessions and revokes them one by one at now.
func revokeEach(t *testing.T, s sessions.Store, ids ...string) {
	t.Helper()
	for i, id := range ids {
		mustCreate(t, s, session(id, "alice", i))
		if n, err := s.Revoke(bg, sessions.RevokeFilter{ID: id}, "admin", now); n != 1 || err != nil {
			t.Fatalf("Revoke(%s) = %d, %v; want 1", id, n, err)
		}
	}
}

// revocations calls Revocations or fails the test.
func revocations(t *testing.T, s sessions.Store, after uint64, limit int) []sessions.Revocation {
	t.Helper()
	out, err := s.Revocations(bg, after, limit)
	if err != nil {
		t.Fatalf("Revocations(%d, %d): %v", after, limit, err)
	}
	return out
}

func feedPages(t *testing.T, h Harness) {
	s := one(t, h)
	revokeEach(t, s, "r1", "r2", "r3", "r4", "r5")
	all := revocations(t, s, 0, 100)
	if len(all) != 5 {
		t.Fatalf("feed has %d entries, want 5", len(all))
	}
	for i, e := range all {
		if e.SessionID != fmt.Sprint("r", i+1) || (i > 0 && e.Seq <= all[i-1].Seq) {
			t.Errorf("entry %d = %+v: want r%d with a Seq above the one before", i, e, i+1)
		}
	}
	pages := []struct {
		after uint64
		limit int
		want  []sessions.Revocation
	}{
		{0, 2, all[:2]},
		{all[1].Seq, 2, all[2:4]},
		{all[3].Seq, 10, all[4:]},
		{all[4].Seq, 10, nil},
		{0, 0, nil},
	}
	for _, p := range pages {
		if got := revocations(t, s, p.after, p.limit); !sameEntries(got, p.want) {
			t.Errorf("Revocations(%d, %d) = %+v, want %+v", p.after, p.limit, got, p.want)
		}
	}
}

// sameEntries compares feed entries, times by instant.
func sameEntries(a, b []sessions.Revocation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.At.Equal(y.At) {
			return false
		}
		x.At, y.At = time.Time{}, time.Time{}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func feedFollow(t *testing.T, h Harness) {
	ss := handles(t, h, 4)
	const writers, each = 3, 40
	for i := range writers * each {
		mustCreate(t, ss[0], session(fmt.Sprint("f", i), "alice", i))
	}
	followed := make(chan []sessions.Revocation)
	stop := make(chan struct{})
	go func() { followed <- follow(ss[3], stop) }()
	parallel(writers, func(w int) {
		for i := range each {
			id := fmt.Sprint("f", w*each+i)
			if n, err := ss[w].Revoke(bg, sessions.RevokeFilter{ID: id}, "admin", now); n != 1 || err != nil {
				t.Errorf("handle %d: Revoke(%s) = %d, %v; want 1", w, id, n, err)
			}
		}
	})
	close(stop)
	got, all := <-followed, feed(t, ss[0])
	if len(all) != writers*each {
		t.Errorf("feed has %d entries, want %d", len(all), writers*each)
	}
	if !sameEntries(got, all) {
		t.Errorf("the poller read %d entries, the feed holds %d: the poller missed some\npoller: %v\nfeed: %v", len(got), len(all), got, all)
	}
}

// follow polls the feed as a verifier would, passing the last Seq it read,
// until stop closes, then reads once more.
func follow(s sessions.Store, stop <-chan struct{}) []sessions.Revocation {
	var got []sessions.Revocation
	var last uint64
	for done := false; ; {
		select {
		case <-stop:
			done = true
		default:
		}
		for {
			page, err := s.Revocations(bg, last, 4)
			if err != nil || len(page) == 0 {
				break
			}
			got, last = append(got, page...), page[len(page)-1].Seq
		}
		if done {
			return got
		}
		runtime.Gosched() // poll hard: the race it looks for lasts microseconds
	}
}

func feedAfterSweep(t *testing.T, h Harness) {
	s := one(t, h)
	old := session("old", "alice", 0)
	mustCreate(t, s, old, session("new", "alice", 1))
	if _, err := s.Revoke(bg, sessions.RevokeFilter{ID: "old"}, "admin", now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	first := feed(t, s)
	if len(first) != 1 {
		t.Fatalf("feed = %v, want one entry", first)
	}
	if _, err := s.Sweep(bg, now, time.Hour, 100); err != nil {
		t.Fatal(err)
	}
	if f := feed(t, s); len(f) != 0 {
		t.Fatalf("after Sweep the feed = %v, want empty", f)
	}
	if _, err := s.Revoke(bg, sessions.RevokeFilter{ID: "new"}, "admin", now); err != nil {
		t.Fatal(err)
	}
	if f := feed(t, s); len(f) != 1 || f[0].Seq <= first[0].Seq {
		t.Errorf("feed after Sweep and a new revocation = %+v, want one entry with Seq above %d", f, first[0].Seq)
	}
}

package storetest

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

func onceCases() []testCase {
	return []testCase{
		{name: "once/the first use of a key is first, the second is not", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			k := hashOf("provider token 1")
			until := time.Now().Add(time.Hour)
			useOnce(t, s, k, until, true)
			useOnce(t, s, k, until, false)
			useOnce(t, s, hashOf("provider token 2"), until, true)
		}},
		{name: "once/10 uses of one key at once over 4 handles: exactly one first", run: func(t *testing.T, h Harness) {
			ss := handles(t, h, 4)
			var firsts atomic.Int32
			until := time.Now().Add(time.Hour)
			parallel(10, func(i int) {
				first, err := ss[i%len(ss)].UseOnce(bg, hashOf("shared"), until)
				if err != nil {
					t.Errorf("UseOnce: %v", err)
				}
				if first {
					firsts.Add(1)
				}
			})
			if n := firsts.Load(); n != 1 {
				t.Errorf("%d of 10 concurrent uses were first, want 1", n)
			}
		}},
		{name: "once/a key whose until has passed is first again", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			k := hashOf("short-lived")
			// Long enough that the second use lands before until even on a
			// loaded machine against a remote store.
			until := time.Now().Add(2 * time.Second)
			useOnce(t, s, k, until, true)
			useOnce(t, s, k, until, false)
			time.Sleep(time.Until(until) + 50*time.Millisecond)
			useOnce(t, s, k, time.Now().Add(time.Hour), true)
			useOnce(t, s, k, time.Now().Add(time.Hour), false)
		}},
	}
}

func hashOf(s string) sessions.Hash {
	var h sessions.Hash
	copy(h[:], s)
	return h
}

func useOnce(t *testing.T, s sessions.Store, k sessions.Hash, until time.Time, want bool) {
	t.Helper()
	first, err := s.UseOnce(bg, k, until)
	if err != nil || first != want {
		t.Errorf("UseOnce(%q) = %v, %v; want %v", bytes.TrimRight(k[:], "\x00"), first, err, want)
	}
}

// key is the signing key of a slot, the hour after t0 plus slot hours.
func key(slot int64, kid string) sessions.KeyRecord {
	at := t0.Add(time.Duration(slot) * time.Hour)
	return sessions.KeyRecord{
		Slot: slot, KID: kid, Alg: "ES256",
		Sealed:    []byte("sealed private key " + kid),
		Public:    []byte(`{"kty":"EC","crv":"P-256","kid":"` + kid + `"}`),
		PublishAt: at.Add(-10 * time.Minute), SignFrom: at, SignUntil: at.Add(time.Hour), RetireAt: at.Add(time.Hour + 10*time.Minute),
	}
}

// diffKey describes how got differs from want ("" when equal).
func diffKey(got, want sessions.KeyRecord) string {
	if got.Slot != want.Slot || got.KID != want.KID || got.Alg != want.Alg ||
		!bytes.Equal(got.Sealed, want.Sealed) || !bytes.Equal(got.Public, want.Public) ||
		!got.PublishAt.Equal(want.PublishAt) || !got.SignFrom.Equal(want.SignFrom) ||
		!got.SignUntil.Equal(want.SignUntil) || !got.RetireAt.Equal(want.RetireAt) {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

func putKey(t *testing.T, s sessions.Store, k, want sessions.KeyRecord) {
	t.Helper()
	got, err := s.PutKey(bg, k)
	if err != nil {
		t.Fatalf("PutKey(slot %d): %v", k.Slot, err)
	}
	if d := diffKey(got, want); d != "" {
		t.Errorf("PutKey(slot %d, %s): %s", k.Slot, k.KID, d)
	}
}

// wantKeys checks Keys against want, in order.
func wantKeys(t *testing.T, s sessions.Store, want ...sessions.KeyRecord) {
	t.Helper()
	got, err := s.Keys(bg)
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("Keys gave %d keys, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		if d := diffKey(got[i], want[i]); d != "" {
			t.Errorf("key %d: %s", i, d)
		}
	}
}

func keyCases() []testCase {
	return []testCase{
		{name: "keys/PutKey into a free slot stores the key and returns it", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			putKey(t, s, key(7, "k7"), key(7, "k7"))
			wantKeys(t, s, key(7, "k7"))
		}},
		{name: "keys/PutKey into a taken slot returns the stored key, unchanged", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			putKey(t, s, key(7, "k7"), key(7, "k7"))
			putKey(t, s, key(7, "other"), key(7, "k7"))
			wantKeys(t, s, key(7, "k7"))
		}},
		{name: "keys/10 PutKey for one slot at once over 4 handles: one winner, every caller gets it", run: func(t *testing.T, h Harness) {
			ss := handles(t, h, 4)
			got := make([]sessions.KeyRecord, 10)
			parallel(10, func(i int) {
				k, err := ss[i%len(ss)].PutKey(bg, key(3, fmt.Sprint("kid-", i)))
				if err != nil {
					t.Errorf("PutKey: %v", err)
				}
				got[i] = k
			})
			for i := range got {
				if d := diffKey(got[i], key(3, got[0].KID)); d != "" {
					t.Errorf("caller %d: %s", i, d)
				}
			}
			wantKeys(t, ss[0], key(3, got[0].KID))
		}},
		{name: "keys/Keys lists every key, oldest slot first", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			for _, slot := range []int64{12, 3, 40, 7} {
				putKey(t, s, key(slot, fmt.Sprint("k", slot)), key(slot, fmt.Sprint("k", slot)))
			}
			wantKeys(t, s, key(3, "k3"), key(7, "k7"), key(12, "k12"), key(40, "k40"))
		}},
		{name: "keys/DeleteKeys removes the keys retired before now, not one retiring at now", run: func(t *testing.T, h Harness) {
			s := one(t, h)
			for _, slot := range []int64{1, 2, 3} {
				putKey(t, s, key(slot, fmt.Sprint("k", slot)), key(slot, fmt.Sprint("k", slot)))
			}
			n, err := s.DeleteKeys(bg, key(2, "k2").RetireAt)
			if n != 1 || err != nil {
				t.Errorf("DeleteKeys = %d, %v; want 1", n, err)
			}
			wantKeys(t, s, key(2, "k2"), key(3, "k3"))
		}},
	}
}

package core

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// fetchLog records the JWKSEvents of a gate.
type fetchLog struct {
	mu     sync.Mutex
	events []JWKSEvent
}

func (l *fetchLog) record(ev JWKSEvent) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
}

// count returns how many events have the trigger and outcome (0: any).
func (l *fetchLog) count(tr JWKSTrigger, out JWKSOutcome) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ev := range l.events {
		if (tr == 0 || ev.Trigger == tr) && (out == 0 || ev.Outcome == out) {
			n++
		}
	}
	return n
}

func (l *fetchLog) last() JWKSEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) == 0 {
		return JWKSEvent{}
	}
	return l.events[len(l.events)-1]
}

func TestJWKSOnFetchReportsEveryAttempt(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	srv := newKeyServer(t, oneKeyJWKS())
	log := &fetchLog{}
	g := newGate(t, Config{Issuers: []Issuer{{Name: issA, JWKSURL: srv.URL}}, Clock: clock.Now,
		JWKS: JWKSOptions{UnknownKeyBurst: 1, OnFetch: log.record}})
	unknown := tokenWithKid(t, "x-1", k.attacker)
	steps := []struct {
		name string
		act  func()
		want JWKSEvent // Issuer and URL are checked for every event
		err  bool      // the event carries an error
	}{
		{"New's first fetch: start, fetched, one key", func() {}, JWKSEvent{Trigger: JWKSAtStart, Outcome: JWKSFetched, Keys: 1}, false},
		{"a token naming an unknown kid: unknown_kid, fetched", func() { verifyVia(g, unknown) }, JWKSEvent{Trigger: JWKSUnknownKid, Outcome: JWKSFetched, Keys: 1}, false},
		{"another unknown kid with the budget spent: unknown_kid, limited, nothing fetched", func() { verifyVia(g, madeUpKid("y-1")) },
			JWKSEvent{Trigger: JWKSUnknownKid, Outcome: JWKSFetchLimited}, false},
		{"a scheduled refresh against a failing server: scheduled, failed, with the reason", func() {
			srv.set(func(s *keyServer) { s.status = 500 })
			backgroundRefresh(g)
		}, JWKSEvent{Trigger: JWKSScheduled, Outcome: JWKSFetchFailed}, true},
		{"a scheduled refresh bringing an empty set: scheduled, no usable keys, 0 keys", func() {
			srv.set(func(s *keyServer) { s.status, s.body = 200, `{"keys":[]}` })
			backgroundRefresh(g)
		}, JWKSEvent{Trigger: JWKSScheduled, Outcome: JWKSNoUsableKeys}, false},
	}
	for i, st := range steps {
		st.act()
		if got := log.count(0, 0); got != i+1 {
			t.Fatalf("step %d (%s): %d events in all, want %d", i+1, st.name, got, i+1)
		}
		ev := log.last()
		if ev.Issuer != issA || ev.URL != srv.URL || ev.Trigger != st.want.Trigger || ev.Outcome != st.want.Outcome || ev.Keys != st.want.Keys || (ev.Err != nil) != st.err {
			t.Errorf("step %d (%s): event %+v, want %+v for %s at %s, error %v", i+1, st.name, ev, st.want, issA, srv.URL, st.err)
		}
		if strings.Contains(fmt.Sprintf("%+v", ev), unknown) {
			t.Errorf("step %d (%s): the event contains a token", i+1, st.name)
		}
	}

	t.Run("discovery: the event names the discovered JWKS URL", func(t *testing.T) {
		srv := newKeyServer(t, oneKeyJWKS())
		srv.set(func(s *keyServer) {
			s.paths = map[string]string{"/.well-known/openid-configuration": fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, srv.URL, srv.URL+"/keys")}
		})
		log := &fetchLog{}
		newGate(t, Config{Issuers: []Issuer{{Name: srv.URL, Discovery: true}}, JWKS: JWKSOptions{OnFetch: log.record}})
		if ev := log.last(); ev.URL != srv.URL+"/keys" || ev.Issuer != srv.URL || ev.Outcome != JWKSFetched {
			t.Errorf("event %+v, want the discovered URL %s/keys", ev, srv.URL)
		}
	})

	t.Run("discovery failing: the event has no URL yet and says why", func(t *testing.T) {
		srv := newKeyServer(t, "down")
		srv.set(func(s *keyServer) { s.status = http.StatusServiceUnavailable })
		log := &fetchLog{}
		newGate(t, Config{Issuers: []Issuer{{Name: srv.URL, Discovery: true}}, JWKS: JWKSOptions{OnFetch: log.record, AllowStartWithoutKeys: true}})
		if ev := log.last(); ev.URL != "" || ev.Outcome != JWKSFetchFailed || ev.Err == nil {
			t.Errorf("event %+v, want a failure without URL", ev)
		}
	})
}

func TestJWKSEventLabels(t *testing.T) {
	rows := []struct {
		name string
		got  fmt.Stringer
		want string
	}{
		{"trigger start", JWKSAtStart, "start"},
		{"trigger scheduled", JWKSScheduled, "scheduled"},
		{"trigger unknown_kid", JWKSUnknownKid, "unknown_kid"},
		{"an undefined trigger names its number", JWKSTrigger(9), "JWKSTrigger(9)"},
		{"outcome fetched", JWKSFetched, "fetched"},
		{"outcome no_usable_keys", JWKSNoUsableKeys, "no_usable_keys"},
		{"outcome failed", JWKSFetchFailed, "failed"},
		{"outcome limited", JWKSFetchLimited, "limited"},
		{"an undefined outcome names its number", JWKSOutcome(0), "JWKSOutcome(0)"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if s := row.got.String(); s != row.want {
				t.Errorf("String() = %q, want %q", s, row.want)
			}
		})
	}
}

package redisreplay_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
	"github.com/sessiongate/sessiongate/core/dpop"
	"github.com/sessiongate/sessiongate/sessions/storetest"
	"github.com/sessiongate/sessiongate/stores/redisreplay"
)

const apiURL = "https://api.example"

// newGate is one instance of a service: its own gate, its own Redis client,
// the shared replay cache prefix.
func newGate(t *testing.T, iss *devissuer.Server, client redis.UniversalClient, prefix string) *core.Gate {
	t.Helper()
	g, err := core.New(core.Config{
		Issuers: []core.Issuer{iss.CoreIssuer()},
		DPoP:    core.DPoPConfig{Mode: core.DPoPRequired, URLs: []string{apiURL}, Replay: newCache(t, client, prefix)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// signedRequest is a request to /orders with a bound token and a fresh
// proof of key.
func signedRequest(t *testing.T, iss *devissuer.Server, key *dpop.Key) (token, proof string) {
	t.Helper()
	token, err := iss.Mint(devissuer.Claims{Subject: "alice", Extra: map[string]any{"cnf": map[string]any{"jkt": key.Thumbprint()}}})
	if err != nil {
		t.Fatal(err)
	}
	if proof, err = key.Proof("GET", apiURL+"/orders", token, ""); err != nil {
		t.Fatal(err)
	}
	return token, proof
}

func check(g *core.Gate, token, proof string) core.Decision {
	r := httptest.NewRequest("GET", apiURL+"/orders", nil)
	r.Header.Set("Authorization", "DPoP "+token)
	r.Header.Set("DPoP", proof)
	return g.Check(core.HTTPRequest(r), core.CheckOptions{}.WithContext(r.Context()))
}

// TestGatesShareTheReplayCache: a proof one instance accepted is a replay
// at every other instance on the same Redis, standalone or Cluster.
func TestGatesShareTheReplayCache(t *testing.T) {
	iss, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	forEach(t, func(t *testing.T, cluster bool) {
		prefix := fmt.Sprintf("gates%d:", prefixes.Add(1))
		a := newGate(t, iss, newClient(t, cluster), prefix)
		b := newGate(t, iss, newClient(t, cluster), prefix)
		key, err := dpop.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		token, proof := signedRequest(t, iss, key)
		if d := check(a, token, proof); d.Err != nil {
			t.Fatalf("instance A refused a fresh proof: %v", d.Err)
		}
		d := check(b, token, proof)
		if !errors.Is(d.Err, core.ErrDPoPReplay) || core.ErrorResponse(d.Err).Status != 401 {
			t.Fatalf("instance B on the proof A accepted: %v, want ErrDPoPReplay (401)", d.Err)
		}
		fresh, err := key.Proof("GET", apiURL+"/orders", token, "")
		if err != nil {
			t.Fatal(err)
		}
		if d := check(b, token, fresh); d.Err != nil {
			t.Fatalf("instance B refused a fresh proof: %v", d.Err)
		}
	})
}

// TestGateAnswers503WithoutRedis: with Redis unreachable the gate refuses
// with 503 and never lets the proof through.
func TestGateAnswers503WithoutRedis(t *testing.T) {
	server.Need(t)
	iss, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	port, err := storetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	gone := redis.NewClient(&redis.Options{Addr: fmt.Sprint("127.0.0.1:", port), MaxRetries: -1, DialerRetries: 1})
	defer gone.Close()
	g := newGate(t, iss, gone, "")
	key, err := dpop.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	token, proof := signedRequest(t, iss, key)
	d := check(g, token, proof)
	if !errors.Is(d.Err, core.ErrDPoPReplayUnavailable) || !errors.Is(d.Err, redisreplay.ErrUnavailable) ||
		core.ErrorResponse(d.Err).Status != 503 {
		t.Fatalf("gate with Redis down: %v, want ErrDPoPReplayUnavailable wrapping ErrUnavailable (503)", d.Err)
	}
}

package sqlitestore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/sessions"
)

// killChildEnv names the database a re-executed test binary rotates in.
const killChildEnv = "SQLITESTORE_KILL_CHILD"

const killSessions = 4

var t0 = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

// TestKillDuringRotations: a process killed (SIGKILL) in the middle of
// rotations loses no rotation it acknowledged. A child process (this test
// binary again) rotates 4 sessions from 4 goroutines and prints each
// generation once Rotate has returned; the parent kills it at some point,
// reopens the file and finds every session at the last acknowledged
// generation or one beyond (a rotation committed but not yet printed).
func TestKillDuringRotations(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		rotateUntilKilled(t, path)
		return
	}
	for round, killAfter := range []int{40, 150, 400} {
		t.Run(fmt.Sprint("kill after ", killAfter, " acknowledgements"), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sessions.db")
			s := open(t, path)
			for i := range killSessions {
				r := sessions.Record{ID: fmt.Sprint("k", i), Subject: "alice", Generation: 1, CreatedAt: t0, LastUsed: t0,
					IdleExpiresAt: t0.Add(time.Hour), ExpiresAt: t0.Add(24 * time.Hour)}
				if err := s.Create(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			acked := runAndKill(t, path, killAfter+round)
			checkAcked(t, path, acked)
		})
	}
}

// runAndKill starts the child, kills it after n acknowledgements and
// returns the last generation acknowledged per session.
func runAndKill(t *testing.T, path string, n int) map[string]uint64 {
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringRotations$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked, lines := map[string]uint64{}, 0
	sc := bufio.NewScanner(out)
	for sc.Scan() { // after the kill, what the child wrote before it died
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "acked" {
			continue
		}
		gen, _ := strconv.ParseUint(f[2], 10, 64)
		acked[f[1]] = max(acked[f[1]], gen)
		if lines++; lines == n {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := cmd.Wait(); err == nil || lines < n {
		t.Fatalf("the child ended by itself (%v) after %d acknowledgements, before the kill at %d", err, lines, n)
	}
	t.Logf("killed the child at acknowledgement %d; %d acknowledged in all: %v", n, lines, acked)
	return acked
}

// checkAcked reopens the file and checks every acknowledged rotation.
func checkAcked(t *testing.T, path string, acked map[string]uint64) {
	s := open(t, path)
	defer s.Close()
	inFlight := 0
	defer func() {
		t.Logf("sessions found one beyond their last acknowledgement (committed, not yet printed): %d", inFlight)
	}()
	for i := range killSessions {
		id := fmt.Sprint("k", i)
		r, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("Get(%s) after the kill: %v", id, err)
		}
		if r.Generation < acked[id] || r.Generation > acked[id]+1 {
			t.Errorf("%s: generation %d after the kill, acknowledged %d: want %d or %d", id, r.Generation, acked[id], acked[id], acked[id]+1)
		}
		if r.Generation == acked[id]+1 {
			inFlight++
		}
		res, err := s.Rotate(context.Background(), sessions.RotateRequest{ID: id, Generation: r.Generation, Now: r.LastUsed.Add(time.Second), IdleTimeout: time.Hour})
		if err != nil || res.Outcome != sessions.OutcomeRotated {
			t.Errorf("%s: rotating on after the kill: %v, %v", id, res.Outcome, err)
		}
	}
}

// rotateUntilKilled is the child: it rotates every session over and over
// and acknowledges each rotation on stdout once Rotate returned.
func rotateUntilKilled(t *testing.T, path string) {
	s := open(t, path)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range killSessions {
		wg.Go(func() {
			id := fmt.Sprint("k", i)
			q := sessions.RotateRequest{ID: id, Generation: 1, Now: t0, IdleTimeout: time.Hour}
			for range 100000 {
				q.Now = q.Now.Add(time.Millisecond)
				res, err := s.Rotate(context.Background(), q)
				if err != nil || res.Outcome != sessions.OutcomeRotated {
					t.Errorf("child: Rotate(%s, %d): %v, %v", id, q.Generation, res.Outcome, err)
					return
				}
				q.Generation = res.Record.Generation
				mu.Lock()
				fmt.Fprintf(os.Stdout, "acked %s %d\n", id, q.Generation)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

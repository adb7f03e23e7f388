package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// browser is headless Chromium driven over the DevTools protocol through
// --remote-debugging-pipe: the browser reads commands from its fd 3 and
// writes answers to its fd 4, one JSON message per NUL-terminated frame.
// That needs no websocket and no third-party client, and the few commands
// these tests send (open a tab, navigate, evaluate, read the cookie store)
// fit in this file.
type browser struct {
	t       *testing.T
	w       io.WriteCloser
	mu      sync.Mutex
	nextID  int
	pending map[int]chan cdpMessage
	logs    *lockedBuffer
}

type cdpMessage struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// lockedBuffer keeps Chromium's output for a failure message.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is the end of the output, without Chromium's complaints about
// the missing D-Bus of a container.
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var keep []string
	for _, line := range strings.Split(l.b.String(), "\n") {
		if !strings.Contains(line, "dbus") {
			keep = append(keep, line)
		}
	}
	return tail(strings.Join(keep, "\n"), 2000)
}

// startBrowser starts Chromium with the example names (and *.evil.test, a
// site of its own) mapped to loopback, in a fresh profile, until the test ends.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	chromium := needTool(t, "chromium", "chromium-browser", "google-chrome")
	toBrowser, browserIn, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	browserOut, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(),
		"--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.evil.test 127.0.0.1",
		"--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // its fd 3 and fd 4
	b := &browser{t: t, w: browserIn, pending: map[int]chan cdpMessage{}, logs: &lockedBuffer{}}
	cmd.Stdout, cmd.Stderr = b.logs, b.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	go b.read(browserOut)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.call(ctx, "", "Browser.close", nil, nil)
		waitOrKill(cmd)
		browserIn.Close()
	})
	return b
}

// read delivers each answer to the call waiting for its id; events are dropped.
func (b *browser) read(r io.ReadCloser) {
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		frame, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(frame[:len(frame)-1], &m) != nil || m.ID == 0 {
			continue
		}
		b.mu.Lock()
		ch := b.pending[m.ID]
		delete(b.pending, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends one command (to a tab's session, or to the browser with
// session "") and decodes its result into out.
func (b *browser) call(ctx context.Context, session, method string, params, out any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	data, _ := json.Marshal(msg)
	_, err := b.w.Write(append(data, 0))
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// tab is one page of the browser.
type tab struct {
	b       *browser
	session string
}

// newTab opens a tab and attaches to it.
func (b *browser) newTab() *tab {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var target struct{ TargetID string }
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		b.t.Fatalf("%v\n%s", err, b.logs)
	}
	var att struct{ SessionID string }
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		b.t.Fatal(err)
	}
	return &tab{b: b, session: att.SessionID}
}

// eval evaluates a JavaScript expression in the page, awaiting a promise,
// and decodes its value into out (when non-nil).
func (tb *tab) eval(expr string, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := tb.b.call(ctx, tb.session, "Runtime.evaluate", map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true}, &r)
	switch {
	case err != nil:
		return err
	case r.ExceptionDetails != nil:
		return fmt.Errorf("%s: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	case out != nil:
		return json.Unmarshal(r.Result.Value, out)
	}
	return nil
}

// mustEval is eval that fails t on an error.
func (tb *tab) mustEval(t *testing.T, expr string, out any) {
	t.Helper()
	if err := tb.eval(expr, out); err != nil {
		t.Fatalf("%v\n%s", err, tb.b.logs)
	}
}

// waitFor evaluates cond until it is true: after a navigation, a redirect
// or a click that loads another page. Errors while a page is replaced
// (its context is destroyed) count as not yet.
func (tb *tab) waitFor(t *testing.T, cond string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		var ok bool
		if last = tb.eval("!!("+cond+")", &ok); last == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	var where string
	tb.eval("location.href + ' ' + document.body.innerText", &where)
	t.Fatalf("waited 15s for %s (last error %v) at %s\n%s", cond, last, where, tb.b.logs)
}

// navigate loads url and waits until it is the loaded page.
func (tb *tab) navigate(t *testing.T, url string) {
	t.Helper()
	tb.open(t, url)
	quoted, _ := json.Marshal(url)
	tb.waitFor(t, "location.href === "+string(quoted)+" && document.readyState === 'complete'")
}

// open starts loading url without waiting for it: for a page that moves on
// by itself (a form that submits itself), wait for where it ends instead.
func (tb *tab) open(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var nav struct{ ErrorText string }
	if err := tb.b.call(ctx, tb.session, "Page.navigate", map[string]any{"url": url}, &nav); err != nil || nav.ErrorText != "" {
		t.Fatalf("navigate %s: %v %s\n%s", url, err, nav.ErrorText, tb.b.logs)
	}
}

// cookie is a cookie of the browser's store, as the DevTools protocol gives it.
type cookie struct {
	Name, Value, Domain, Path string
	HTTPOnly                  bool `json:"httpOnly"`
}

// cookies reads the browser's whole cookie store.
func (b *browser) cookies(name string) []cookie {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r struct{ Cookies []cookie }
	if err := b.call(ctx, "", "Storage.getCookies", map[string]any{}, &r); err != nil {
		b.t.Fatal(err)
	}
	var out []cookie
	for _, c := range r.Cookies {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

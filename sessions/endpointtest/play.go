package endpointtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/core/devissuer"
	"github.com/sessiongate/sessiongate/core/dpop"
)

// row is one story: steps played in order on a fresh fixture.
type row struct {
	name  string
	steps []step
}

// step is one request and what must come back. Strings in Path, Send and
// Body name tokens saved by earlier steps (see expand).
type step struct {
	Advance   time.Duration // move the clock this much first
	StoreDown bool          // the store fails during this step only
	Method    string
	Path      string   // relative to Base; "{s1.sid}" is saved session s1's ID, "{p:NAME}" a provider token
	Send      []string // credentials, see credentials()
	Body      string   // request body (with Content-Type from Send)
	Save      string   // save the tokens this answer issues under this name
	Want      want
}

// want is what a step's answer must show.
type want struct {
	Status int
	Error  string   // the body's "error"; "" for a success
	Set    []string // cookies set with a value, by name
	Clear  []string // cookies cleared: a name for the cookie domain, "older:"+name for the older one
	Header [][2]string
	Same   string // the refresh token issued equals the one saved under this name
	Differ string // the session ID issued differs from the one saved under this name
	// Successor: the answer rotated the session saved under this name: same
	// session ID, another refresh token.
	Successor string
	Listed    int // GET /sessions: this many sessions, the caller's marked current
	// TokenType is the JSON answer's token_type ("" checks nothing).
	TokenType string
	// Bound names the key the issued access token is bound to (cnf.jkt is
	// its thumbprint); "" checks nothing, "-" means no cnf.
	Bound string
}

// tokens are what one answer issued: typ is the JSON token_type, jkt the
// access token's cnf.jkt.
type tokens struct{ access, refresh, sid, typ, jkt string }

// state is what a row's steps share.
type state struct {
	f         *fixture
	base      string
	saved     map[string]tokens
	keys      map[string]*dpop.Key // DPoP keys by name, made on first use
	lastProof string               // the last DPoP proof sent
}

// play runs r on a fresh fixture mounted with mount and returns each step's
// normalised answer.
func (r row) play(t *testing.T, mount Mount) []transcript {
	t.Helper()
	f := newFixture(t, nil)
	st := &state{f: f, base: mount(t, f.ep) + Base, saved: map[string]tokens{}, keys: map[string]*dpop.Key{}}
	out := make([]transcript, 0, len(r.steps))
	for i, s := range r.steps {
		f.offset.Add(int64(s.Advance))
		f.store.Down.Store(s.StoreDown)
		resp, body := st.send(t, s)
		f.store.Down.Store(false)
		where := fmt.Sprintf("step %d (%s)", i+1, s.describe())
		st.check(t, where, s, resp, body)
		out = append(out, normalise(resp, body))
	}
	return out
}

func (s step) describe() string { return s.Method + " " + s.Path }

// send builds and sends the request of s.
func (st *state) send(t *testing.T, s step) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body io.Reader
	if s.Body != "" {
		body = strings.NewReader(st.expand(t, s.Body))
	}
	req, err := http.NewRequestWithContext(ctx, s.Method, st.base+st.expand(t, s.Path), body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = Host
	req.Header.Set("User-Agent", "endpointtest")
	var cookies []string
	for _, c := range s.Send {
		k, v, _ := strings.Cut(c, "=")
		if !st.dpopCredential(t, req, k, v) {
			cookies = st.credential(t, req, k, v, cookies)
		}
	}
	if len(cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// credential adds one credential to req. Kinds:
//
//	refresh-cookie=s1        the refresh cookie of saved s1 (s1,s0 sends both, in order)
//	access-cookie=s1         the access cookie of saved s1
//	refresh-bearer=s1        Authorization: Bearer <refresh of s1>
//	access-bearer=s1         Authorization: Bearer <access of s1>
//	provider-bearer=NAME     Authorization: Bearer <provider token NAME>
//	json / form              Content-Type of the body
//	site=cross-site          Sec-Fetch-Site
func (st *state) credential(t *testing.T, req *http.Request, kind, v string, cookies []string) []string {
	switch kind {
	case "refresh-cookie":
		for _, name := range strings.Split(v, ",") {
			cookies = append(cookies, refreshName+"="+st.token(t, name).refresh)
		}
	case "access-cookie":
		cookies = append(cookies, accessName+"="+st.token(t, v).access)
	case "refresh-bearer":
		req.Header.Set("Authorization", "Bearer "+st.token(t, v).refresh)
	case "access-bearer":
		req.Header.Set("Authorization", "Bearer "+st.token(t, v).access)
	case "bearer-raw":
		req.Header.Set("Authorization", "Bearer "+v)
	case "provider-bearer":
		req.Header.Set("Authorization", "Bearer "+st.provider(t, v))
	case "json":
		req.Header.Set("Content-Type", "application/json")
	case "form":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case "site":
		req.Header.Set("Sec-Fetch-Site", v)
	default:
		t.Fatalf("endpointtest: unknown credential %q", kind)
	}
	return cookies
}

func (st *state) token(t *testing.T, name string) tokens {
	tk, ok := st.saved[name]
	if !ok {
		t.Fatalf("endpointtest: no tokens saved as %q", name)
	}
	return tk
}

// provider returns the provider token called name, minting it on first
// use: "alice" or "alice#2" (a second token of alice) for a valid one,
// "expired:alice" for one that expired a minute ago. The same name gives
// the same token (a replay).
func (st *state) provider(t *testing.T, name string) string {
	key := "p:" + name
	if tk, ok := st.saved[key]; ok {
		return tk.access
	}
	c := devissuer.Claims{Subject: name, Extra: map[string]any{"jti": key}}
	if sub, ok := strings.CutPrefix(name, "expired:"); ok {
		c = devissuer.Claims{Subject: sub, TTL: -time.Minute}
	}
	c.Subject, _, _ = strings.Cut(c.Subject, "#")
	c.IssuedAt = st.f.now()
	tok, err := st.f.provider.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	st.saved[key] = tokens{access: tok}
	return tok
}

var placeholder = regexp.MustCompile(`\{(p:)?([A-Za-z0-9#:.]+)\}`)

// expand replaces "{s1.sid}" with saved s1's session ID and "{p:NAME}" with
// provider token NAME (query-escaped).
func (st *state) expand(t *testing.T, s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		if sub[1] != "" {
			return url.QueryEscape(st.provider(t, sub[2]))
		}
		name, _ := strings.CutSuffix(sub[2], ".sid")
		return st.token(t, name).sid
	})
}

// issued reads the tokens an answer issued: from its cookies, or from its
// JSON body (header transport).
func issued(resp *http.Response, body []byte) (tokens, bool) {
	var tk tokens
	for _, c := range resp.Cookies() {
		if c.Value == "" || c.MaxAge < 0 {
			continue
		}
		switch c.Name {
		case accessName:
			tk.access = c.Value
		case refreshName:
			tk.refresh = c.Value
		}
	}
	var b struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(body, &b) == nil && b.AccessToken != "" {
		tk.access, tk.refresh, tk.typ = b.AccessToken, b.RefreshToken, b.TokenType
	}
	tk.sid, tk.jkt = claimsOf(tk.access)
	return tk, tk.access != "" && tk.refresh != ""
}

// claimsOf reads the sid and cnf.jkt claims of a JWT without verifying it
// (the fixture's gate does that).
func claimsOf(jwt string) (sid, jkt string) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "", ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", ""
	}
	var c struct {
		SID string `json:"sid"`
		Cnf struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	json.Unmarshal(raw, &c)
	return c.SID, c.Cnf.JKT
}

// check compares one answer with s.Want and saves what it issued.
func (st *state) check(t *testing.T, where string, s step, resp *http.Response, body []byte) {
	t.Helper()
	w := s.Want
	if resp.StatusCode != w.Status {
		t.Errorf("%s: status %d, want %d; body %s", where, resp.StatusCode, w.Status, body)
	}
	var b struct {
		Error    string `json:"error"`
		Sessions []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"sessions"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &b); err != nil {
			t.Errorf("%s: body is not JSON: %q", where, body)
		}
	}
	if b.Error != w.Error {
		t.Errorf("%s: error %q, want %q", where, b.Error, w.Error)
	}
	if got, want := resp.Header.Get("Cache-Control"), "no-store"; got != want && w.Status != http.StatusOK {
		t.Errorf("%s: Cache-Control %q, want %q", where, got, want)
	}
	for _, h := range w.Header {
		if got := resp.Header.Values(h[0]); !slices.Equal(got, []string{h[1]}) {
			t.Errorf("%s: %s %q, want [%q]", where, h[0], got, h[1])
		}
	}
	checkCookies(t, where, w, resp)
	tk, ok := issued(resp, body)
	st.checkIssued(t, where, s, tk, ok)
	if w.Listed > 0 {
		current := 0
		for _, x := range b.Sessions {
			if x.Current {
				current++
				if id := st.token(t, s.credentialName()).sid; x.ID != id {
					t.Errorf("%s: current session %q, want the caller's %q", where, x.ID, id)
				}
			}
		}
		if len(b.Sessions) != w.Listed || current != 1 {
			t.Errorf("%s: %d sessions with %d current, want %d with 1", where, len(b.Sessions), current, w.Listed)
		}
	}
}

// credentialName is the saved name of the step's first access credential.
func (s step) credentialName() string {
	for _, c := range s.Send {
		if k, v, _ := strings.Cut(c, "="); k == "access-bearer" || k == "access-cookie" || k == "access-dpop" {
			name, _, _ := strings.Cut(v, "@")
			return name
		}
	}
	return ""
}

func (st *state) checkIssued(t *testing.T, where string, s step, tk tokens, ok bool) {
	t.Helper()
	w := s.Want
	if s.Save != "" {
		if !ok {
			t.Fatalf("%s: no tokens issued to save as %q", where, s.Save)
		}
		st.saved[s.Save] = tk
	}
	if w.Same != "" && tk.refresh != st.token(t, w.Same).refresh {
		t.Errorf("%s: the refresh token issued is not the one saved as %q", where, w.Same)
	}
	if w.Successor != "" {
		if old := st.token(t, w.Successor); tk.sid != old.sid || tk.refresh == old.refresh || tk.refresh == "" {
			t.Errorf("%s: the answer is not a successor of the session saved as %q", where, w.Successor)
		}
	}
	st.checkBinding(t, where, w, tk)
	if w.Differ != "" {
		if old := st.token(t, w.Differ); tk.sid == "" || tk.sid == old.sid || tk.refresh == old.refresh {
			t.Errorf("%s: the session issued is the one saved as %q, want a new one", where, w.Differ)
		}
	}
}

// checkCookies compares the Set-Cookie lines with want.Set and want.Clear,
// and checks the attributes every session cookie must carry.
func checkCookies(t *testing.T, where string, w want, resp *http.Response) {
	t.Helper()
	var set, cleared []string
	for _, c := range resp.Cookies() {
		path := "/"
		if c.Name == refreshName {
			path = Base + "/refresh"
		}
		if c.Path != path || !c.Secure || (c.Name == refreshName && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode)) {
			t.Errorf("%s: cookie %s has Path=%q Secure=%v HttpOnly=%v SameSite=%v", where, c.Name, c.Path, c.Secure, c.HttpOnly, c.SameSite)
		}
		name := c.Name
		if c.Domain == "" {
			name = "older:" + name // the fixture's older cookies were host-only
		}
		if c.MaxAge < 0 {
			cleared = append(cleared, name)
		} else if c.Value != "" && c.MaxAge > 0 && c.Domain == CookieDomain {
			set = append(set, name)
		} else {
			t.Errorf("%s: cookie %s is neither set on %s nor cleared: %s", where, c.Name, CookieDomain, c.String())
		}
	}
	slices.Sort(set)
	slices.Sort(cleared)
	ws, wc := slices.Sorted(slices.Values(w.Set)), slices.Sorted(slices.Values(w.Clear))
	if !slices.Equal(set, ws) || !slices.Equal(cleared, wc) {
		t.Errorf("%s: cookies set %q cleared %q, want set %q cleared %q", where, set, cleared, ws, wc)
	}
}

// checkBinding compares the issued tokens' token_type and cnf.jkt with
// want.TokenType and want.Bound.
func (st *state) checkBinding(t *testing.T, where string, w want, tk tokens) {
	t.Helper()
	if w.TokenType != "" && tk.typ != w.TokenType {
		t.Errorf("%s: token_type %q, want %q", where, tk.typ, w.TokenType)
	}
	switch w.Bound {
	case "":
	case "-":
		if tk.jkt != "" {
			t.Errorf("%s: the access token is bound (cnf.jkt), want no binding", where)
		}
	default:
		if want := st.key(t, w.Bound).Thumbprint(); tk.jkt != want {
			t.Errorf("%s: the access token's cnf.jkt is %q, want %q, the thumbprint of key %s", where, tk.jkt, want, w.Bound)
		}
	}
}

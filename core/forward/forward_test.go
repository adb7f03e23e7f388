package forward_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/forward"
)

// recorder is a base RoundTripper that records the Authorization header it
// was asked to send, and never touches the network.
type recorder struct{ got []string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = append(r.got, req.Header.Get("Authorization"))
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

const token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"

func withSession(ctx context.Context) context.Context {
	return core.WithSession(ctx, &core.Session{Subject: "alice", Token: token})
}

func TestTransportForwardsOnlyToAllowedOrigins(t *testing.T) {
	rows := []struct {
		name    string
		url     string
		session bool
		header  string // Authorization already on the request
		want    string // Authorization the base transport sees
	}{
		{name: "allowed origin gets the bearer token", url: "https://payment.example.com/charge", session: true, want: "Bearer " + token},
		{name: "allowed origin with its default port written out", url: "https://payment.example.com:443/x", session: true, want: "Bearer " + token},
		{name: "host compared case-insensitively", url: "https://PAYMENT.example.com/x", session: true, want: "Bearer " + token},
		{name: "allowed loopback origin with its port", url: "http://127.0.0.1:8082/x", session: true, want: "Bearer " + token},
		{name: "allowed http origin with its default port written out", url: "http://api.example.test:80/x", session: true,
			want: "Bearer " + token},
		{name: "another host gets nothing", url: "https://evil.example.test/x", session: true, want: ""},
		{name: "a suffix trick gets nothing", url: "https://payment.example.com.evil.test/x", session: true, want: ""},
		{name: "the same host over plain http gets nothing", url: "http://payment.example.com/x", session: true, want: ""},
		{name: "another port of an allowed host gets nothing", url: "https://payment.example.com:8443/x", session: true, want: ""},
		{name: "user info does not smuggle a host past the check", url: "https://payment.example.com@evil.test/x", session: true, want: ""},
		{name: "no session in the context: nothing added", url: "https://payment.example.com/x", session: false, want: ""},
		{name: "an Authorization header the caller set is kept", url: "https://payment.example.com/x", session: true,
			header: "Basic dXNlcjpwdw==", want: "Basic dXNlcjpwdw=="},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			rec := &recorder{}
			tr, err := forward.New(rec, "https://payment.example.com", "http://127.0.0.1:8082", "http://api.example.test")
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if row.session {
				ctx = withSession(ctx)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, row.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if row.header != "" {
				req.Header.Set("Authorization", row.header)
			}
			if _, err := tr.RoundTrip(req); err != nil {
				t.Fatal(err)
			}
			if len(rec.got) != 1 || rec.got[0] != row.want {
				t.Fatalf("Authorization sent = %q, want %q", rec.got, row.want)
			}
			if row.header == "" && req.Header.Get("Authorization") != "" {
				t.Fatal("RoundTrip modified the caller's request")
			}
		})
	}
}

func TestNewRefusesOriginsThatAreNotOrigins(t *testing.T) {
	for _, o := range []string{
		"payment.example.com", "ftp://payment.example.com", "https://payment.example.com/api",
		"https://payment.example.com?x=1", "https://user@payment.example.com", "https://*.example.com", "https://",
	} {
		_, err := forward.New(nil, o)
		var ce *core.ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, core.ErrConfig) || ce.Value != o {
			t.Errorf("New(%q) = %v, want a *core.ConfigError naming the value", o, err)
		}
	}
	if _, err := forward.Client(); !errors.Is(err, core.ErrConfig) {
		t.Errorf("Client() with no origin = %v, want a config error", err)
	}
}

// TestClientDoesNotFollowWithTheToken: a redirect from an allowed backend to
// another origin reaches that origin without the token.
func TestClientDoesNotFollowWithTheToken(t *testing.T) {
	seen := make(chan string, 2)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- "other:" + r.Header.Get("Authorization")
	}))
	defer other.Close()
	payment := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- "payment:" + r.Header.Get("Authorization")
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
	}))
	defer payment.Close()
	client, err := forward.Client(payment.URL)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(withSession(context.Background()), http.MethodGet, payment.URL+"/charge", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-seen; got != "payment:Bearer "+token {
		t.Errorf("the allowed backend saw %q", got)
	}
	if got := <-seen; got != "other:" {
		t.Errorf("the redirect target saw %q, want no Authorization", got)
	}
}

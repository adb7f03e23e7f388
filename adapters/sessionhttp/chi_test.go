package sessionhttp_test

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

// sessionhttp's middleware is a plain func(http.Handler) http.Handler, so
// chi takes it with r.Use as it is: no chi adapter is needed.
func TestChiRouter(t *testing.T) {
	f := adaptertest.NewFixture(t)
	mw, err := sessionhttp.New(f.Gate(t, f.Config()), sessionhttp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(mw)
	r.Get("/api/me", func(w http.ResponseWriter, r *http.Request) {
		s, ok := sessionhttp.FromRequest(r)
		if !ok {
			http.Error(w, "no session", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "hello "+s.Subject)
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	t.Run("a valid bearer token reaches the chi handler with its session", func(t *testing.T) {
		tok := f.Token(t, devissuer.Claims{Subject: "alice"})
		resp, body := adaptertest.Send(t, http.MethodGet, srv.URL+"/api/me", [2]string{"Authorization", "Bearer " + tok})
		if resp.StatusCode != http.StatusOK || string(body) != "hello alice" {
			t.Errorf("got %d %q, want 200 %q", resp.StatusCode, body, "hello alice")
		}
	})

	t.Run("no token: core's 401 answer, byte for byte", func(t *testing.T) {
		resp, body := adaptertest.Send(t, http.MethodGet, srv.URL+"/api/me")
		want := httptest.NewRecorder()
		core.ErrorResponse(&core.Error{Kind: core.ErrNoToken}).Write(want)
		if resp.StatusCode != want.Code || string(body) != want.Body.String() {
			t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, want.Code, want.Body)
		}
		resp.Header.Del("Date") // net/http's own, on every answer
		resp.Header.Del("Content-Length")
		if !maps.EqualFunc(resp.Header, want.Header(), slices.Equal) {
			t.Errorf("headers = %q, want %q", resp.Header, want.Header())
		}
	})
}

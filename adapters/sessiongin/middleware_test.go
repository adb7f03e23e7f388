package sessiongin_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessiongate/sessiongate/adapters/sessiongin"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

// WriteError only writes core's answer; aborting is the middleware's job,
// done once after any ErrorHandler.
func TestWriteErrorWritesAndLeavesAbortingToTheMiddleware(t *testing.T) {
	gin.SetMode(gin.TestMode)
	err := &core.Error{Kind: core.ErrNoToken}
	want := core.ErrorResponse(err)

	t.Run("called on its own, WriteError writes core's answer and does not abort", func(t *testing.T) {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		sessiongin.WriteError(c, err)
		if c.IsAborted() {
			t.Error("WriteError aborted the chain")
		}
		if w.Code != want.Status || w.Body.String() != string(want.Body) || w.Header().Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("got %d %q, want %d %q with a Bearer challenge", w.Code, w.Body.String(), want.Status, want.Body)
		}
	})

	t.Run("as the default ErrorHandler, the middleware aborts: later handlers never run", func(t *testing.T) {
		f := adaptertest.NewFixture(t)
		mw, err := sessiongin.New(f.Gate(t, f.Config()), sessiongin.Config{})
		if err != nil {
			t.Fatal(err)
		}
		engine := gin.New()
		var aborted bool
		engine.Use(func(c *gin.Context) { c.Next(); aborted = c.IsAborted() }, mw)
		engine.GET("/me", func(c *gin.Context) { t.Error("the protected handler ran after a refusal") })
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/me", nil))
		if !aborted || w.Code != want.Status || w.Body.String() != string(want.Body) {
			t.Errorf("aborted=%v, got %d %q; want aborted and %d %q", aborted, w.Code, w.Body.String(), want.Status, want.Body)
		}
		if got := w.Header().Values("WWW-Authenticate"); !slices.Equal(got, []string{"Bearer"}) {
			t.Errorf("WWW-Authenticate = %q, want one Bearer challenge", got)
		}
	})
}

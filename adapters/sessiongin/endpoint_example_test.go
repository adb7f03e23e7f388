package sessiongin_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"
	"github.com/sessiongate/sessiongate/core"

	"github.com/sessiongate/sessiongate/adapters/sessiongin"
)

// hello is a core.Endpoint standing in for the sessions module's endpoints
// (sessions.NewEndpoints), which an app mounts the same way.
type hello struct{}

func (hello) ServeEndpoint(_ context.Context, r core.EndpointRequest) core.Response {
	return core.Response{Status: http.StatusOK, Header: [][2]string{{"Content-Type", "text/plain"}}, Body: []byte(r.Method() + " " + r.Path())}
}

func ExampleEndpoint() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Any("/auth/*path", sessiongin.Endpoint(hello{}))
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/auth/refresh", nil))
	resp := w.Result()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 POST /auth/refresh
}

package sessionhttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
)

// hello is a core.Endpoint standing in for the sessions module's endpoints
// (sessions.NewEndpoints), which an app mounts the same way.
type hello struct{}

func (hello) ServeEndpoint(_ context.Context, r core.EndpointRequest) core.Response {
	return core.Response{Status: http.StatusOK, Header: [][2]string{{"Content-Type", "text/plain"}}, Body: []byte(r.Method() + " " + r.Path())}
}

func ExampleEndpoint() {
	mux := http.NewServeMux()
	mux.Handle("/auth/", sessionhttp.Endpoint(hello{}))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/auth/refresh", nil))
	resp := w.Result()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 POST /auth/refresh
}

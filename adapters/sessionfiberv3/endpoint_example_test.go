package sessionfiberv3_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gofiber/fiber/v3"
	"github.com/sessiongate/sessiongate/core"

	"github.com/sessiongate/sessiongate/adapters/sessionfiberv3"
)

// hello is a core.Endpoint standing in for the sessions module's endpoints
// (sessions.NewEndpoints), which an app mounts the same way.
type hello struct{}

func (hello) ServeEndpoint(_ context.Context, r core.EndpointRequest) core.Response {
	return core.Response{Status: http.StatusOK, Header: [][2]string{{"Content-Type", "text/plain"}}, Body: []byte(r.Method() + " " + r.Path())}
}

func ExampleEndpoint() {
	app := fiber.New()
	app.All("/auth/*", sessionfiberv3.Endpoint(hello{}))
	resp, err := app.Test(httptest.NewRequest(http.MethodPost, "/auth/refresh", nil))
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 POST /auth/refresh
}

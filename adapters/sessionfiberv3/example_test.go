package sessionfiberv3_test

import (
	"fmt"
	"io"
	"log"
	"net/http/httptest"

	"github.com/gofiber/fiber/v3"

	"github.com/sessiongate/sessiongate/adapters/sessionfiberv3"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

func Example() {
	// A local issuer stands in for the identity provider.
	iss, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	gate, err := core.New(core.Config{Issuers: []core.Issuer{iss.CoreIssuer()}})
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()

	mw, err := sessionfiberv3.New(gate, sessionfiberv3.Config{
		Skipper: func(c fiber.Ctx) bool { return c.Path() == "/healthz" },
	})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(mw)
	app.Get("/api/me", func(c fiber.Ctx) error {
		s, _ := sessionfiberv3.FromContext(c)
		return c.SendString("hello " + s.Subject)
	})

	token, err := iss.Mint(devissuer.Claims{Subject: "alice"})
	if err != nil {
		log.Fatal(err)
	}
	noTimeout := fiber.TestConfig{Timeout: 0}
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := app.Test(req, noTimeout)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))

	resp, err = app.Test(httptest.NewRequest("GET", "/api/me", nil), noTimeout)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	// Output:
	// 200 hello alice
	// 401 Bearer
}

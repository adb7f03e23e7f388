package sessionecho_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	"github.com/sessiongate/sessiongate/adapters/sessionecho"
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

	mw, err := sessionecho.New(gate, sessionecho.Config{})
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.HideBanner = true
	e.Use(mw)
	e.GET("/me", func(c echo.Context) error {
		s, _ := sessionecho.FromContext(c)
		return c.String(http.StatusOK, "hello "+s.Subject)
	})

	tok, err := iss.Mint(devissuer.Claims{Subject: "alice"})
	if err != nil {
		log.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 hello alice
}

// Returning HTTPError from the ErrorHandler hands refusals to the app's
// e.HTTPErrorHandler; errors.Is still finds the kind, and the middleware
// keeps the WWW-Authenticate challenge on the answer.
func ExampleHTTPError() {
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

	mw, err := sessionecho.New(gate, sessionecho.Config{
		ErrorHandler: sessionecho.ReturnError,
	})
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.HideBanner = true
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) && errors.Is(err, core.ErrNoToken) {
			c.String(he.Code, "please sign in")
			return
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.Use(mw)
	e.GET("/me", func(c echo.Context) error { return c.NoContent(http.StatusOK) })

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
	// Output: 401 Bearer please sign in
}

package sessiongin_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/sessiongate/sessiongate/adapters/sessiongin"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/devissuer"
)

func Example() {
	// A local issuer stands in for the identity provider.
	issuer, err := devissuer.Start("", devissuer.Config{})
	if err != nil {
		panic(err)
	}
	defer issuer.Close()

	gate, err := core.New(core.Config{Issuers: []core.Issuer{issuer.CoreIssuer()}})
	if err != nil {
		panic(err)
	}
	defer gate.Close()

	mw, err := sessiongin.New(gate, sessiongin.Config{})
	if err != nil {
		panic(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(mw)
	r.GET("/me", func(c *gin.Context) {
		s, _ := sessiongin.FromContext(c)
		c.String(http.StatusOK, "hello %s", s.Subject)
	})

	tok, err := issuer.Mint(devissuer.Claims{Subject: "alice"})
	if err != nil {
		panic(err)
	}
	for _, authz := range []string{"Bearer " + tok, ""} {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 hello alice
	// 401 {"error":"unauthorized","error_description":"no session token"}
}

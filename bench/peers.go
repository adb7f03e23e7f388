package bench

import (
	"context"
	"net/http"
	"strings"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/gin-gonic/gin"
	jwtware "github.com/gofiber/contrib/jwt"
	fiberv2 "github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"
)

// PeerInfo describes the peer of a framework for the results table.
type PeerInfo struct {
	Name string
	// Checks says what the peer verifies besides the signature and exp.
	Checks string
}

// Peers by framework. Fiber v3 has none on the module proxy
// (gofiber/contrib's v3 jwt module is not served there).
var Peers = map[string]PeerInfo{
	"nethttp": {"auth0/go-jwt-middleware/v2 v2.3.1", "issuer, audience"},
	"gin":     {"hand-written golang-jwt/v5 middleware", "issuer, audience"},
	"echo":    {"labstack/echo-jwt/v4 v4.4.0", "not issuer or audience: its Config has no parser options (only a ParseTokenFunc of one's own)"},
	"fiber":   {"gofiber/contrib/jwt v1.1.2", "not issuer or audience: its Config has no parser options"},
}

// auth0Middleware is auth0/go-jwt-middleware's net/http middleware with its
// validator (go-jose v2 underneath), reading the bearer header then the
// session cookie.
func auth0Middleware(alg string) (func(http.Handler) http.Handler, error) {
	k := KeyFor(alg)
	v, err := validator.New(func(context.Context) (any, error) { return k.Public, nil },
		validator.SignatureAlgorithm(alg), Issuer, []string{Audience})
	if err != nil {
		return nil, err
	}
	mw := jwtmiddleware.New(v.ValidateToken, jwtmiddleware.WithTokenExtractor(jwtmiddleware.MultiTokenExtractor(
		jwtmiddleware.AuthHeaderTokenExtractor, jwtmiddleware.CookieTokenExtractor(Cookie))))
	return mw.CheckJWT, nil
}

// ginJWT is the middleware a Gin user writes by hand with golang-jwt: the
// bearer header, else the session cookie, parsed with the floor's checks.
func ginJWT(alg string) (gin.HandlerFunc, error) {
	k := KeyFor(alg)
	p := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(Issuer), jwt.WithAudience(Audience), jwt.WithExpirationRequired())
	keyFunc := func(*jwt.Token) (any, error) { return k.Public, nil }
	return func(c *gin.Context) {
		tok, found := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !found {
			tok, _ = c.Cookie(Cookie)
		}
		t, err := p.Parse(tok, keyFunc)
		if err != nil {
			c.AbortWithStatus(http.StatusUnauthorized)
			return
		}
		c.Set("user", t)
		c.Next()
	}, nil
}

// echoJWT is labstack/echo-jwt with the key and alg, reading the bearer
// header then the session cookie.
func echoJWT(alg string) (echo.MiddlewareFunc, error) {
	return echojwt.WithConfig(echojwt.Config{
		SigningKey: KeyFor(alg).Public, SigningMethod: alg,
		TokenLookup: "header:Authorization:Bearer ,cookie:" + Cookie,
	}), nil
}

// fiberJWT is gofiber/contrib/jwt with the key and alg, reading the bearer
// header then the session cookie.
func fiberJWT(alg string) (fiberv2.Handler, error) {
	return jwtware.New(jwtware.Config{
		SigningKey:  jwtware.SigningKey{JWTAlg: alg, Key: KeyFor(alg).Public},
		TokenLookup: "header:Authorization,cookie:" + Cookie,
		AuthScheme:  "Bearer",
	}), nil
}

package devissuer

import (
	"crypto/rand"
	"io"
	"log/slog"

	"github.com/sessiongate/sessiongate/core"
)

// PlainHTTPCookies returns core's cookie writer for the session cookie name
// on domain ("" for host-only), without the Secure attribute: for an issuer
// (Config.Cookies) reached over plain HTTP on loopback, where browsers do not
// store Secure cookies for names other than localhost. The cookie is set
// exactly as a gate with that CookieDomain and Cookie.Insecure sets it; a
// name or domain core refuses is refused here, with core's error.
func PlainHTTPCookies(name, domain string) (*core.CookieWriter, error) {
	// A gate only lends its writer; its throwaway key verifies nothing.
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	g, err := core.New(core.Config{
		Issuers:      []core.Issuer{{Name: "devissuer-cookies", HMACSecret: secret}},
		Algorithms:   []string{"HS256"},
		CookieNames:  []string{name},
		CookieDomain: domain,
		Cookie:       core.CookieAttributes{Insecure: true},
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, err
	}
	g.Close() // static keys: nothing runs; the writer outlives the gate
	return g.Cookies(), nil
}

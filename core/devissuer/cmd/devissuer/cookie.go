package main

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"

	"github.com/sessiongate/sessiongate/core"
)

// cookieWriter returns core's cookie writer for name on domain, so /login
// sets the cookie exactly as a gate with that CookieDomain would. The gate
// is built from the issuer's own public key (no key server) and only lends
// its writer. The cookie has no Secure attribute: the issuer speaks plain
// HTTP, where browsers do not store Secure cookies for names other than
// localhost.
func cookieWriter(key *ecdsa.PrivateKey, name, domain string) (*core.CookieWriter, error) {
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	g, err := core.New(core.Config{
		Issuers:      []core.Issuer{{Name: "devissuer", PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}},
		CookieNames:  []string{name},
		CookieDomain: domain,
		Cookie:       core.CookieAttributes{Insecure: true},
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, fmt.Errorf("-cookie-name/-cookie-domain: %w", err)
	}
	defer g.Close() // static keys: nothing runs; the writer outlives the gate
	return g.Cookies(), nil
}

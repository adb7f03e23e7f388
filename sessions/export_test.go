package sessions

import (
	"context"
	"crypto/x509"
	"time"
)

// Hooks for the external tests (package sessions_test, which can import
// memstore: an internal test could not, memstore imports sessions).

// RefreshKeys runs one key refresh, as the background goroutine does.
func RefreshKeys(ctx context.Context, m *Manager) error { return m.refreshKeys(ctx) }

// KeyInterval is how often the background goroutine refreshes the keys.
func KeyInterval(m *Manager) time.Duration { return m.keyInterval() }

// TokenFor makes the genuine refresh token of generation gen of r.
func TokenFor(m *Manager, r Record, gen uint64) string {
	return formatRefresh(m.macKeys[0], r.ID, gen, sessionDigest(&r))
}

// SignerDER is the PKCS #8 form of the key that signs at now.
func SignerDER(m *Manager, now time.Time) []byte {
	v := m.currentView(now)
	if v.signer == nil {
		return nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(v.signer.key)
	if err != nil {
		panic(err)
	}
	return der
}

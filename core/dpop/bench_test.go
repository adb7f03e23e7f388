package dpop

import (
	"testing"
	"time"
)

// BenchmarkProof measures signing one proof per algorithm, with ath and a
// nonce, as the Transport signs it for every request.
func BenchmarkProof(b *testing.B) {
	for _, bc := range []struct{ key, alg string }{{"P-256", ES256}, {"Ed25519", EdDSA}, {"RSA-2048", PS256}} {
		b.Run(bc.alg, func(b *testing.B) {
			k, err := KeyFromSigner(testKeys()[bc.key], bc.alg)
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := k.proof("GET", "https://api.example.com/orders/7", "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln", "n-1", now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

module github.com/sessiongate/sessiongate/tests

go 1.25.0

require (
	github.com/lestrrat-go/jwx/v3 v3.4.0
	github.com/sessiongate/sessiongate/adapters/sessionhttp v0.1.0
	github.com/sessiongate/sessiongate/core v0.1.0
)

require (
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1 // indirect
	github.com/go-jose/go-jose/v4 v4.1.8 // indirect
	github.com/goccy/go-json v0.11.2 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/lestrrat-go/blackmagic v1.0.4 // indirect
	github.com/lestrrat-go/dsig v1.4.0 // indirect
	github.com/lestrrat-go/dsig-secp256k1 v1.0.0 // indirect
	github.com/lestrrat-go/httpcc v1.0.1 // indirect
	github.com/lestrrat-go/httprc/v3 v3.0.6 // indirect
	github.com/lestrrat-go/option/v2 v2.0.0 // indirect
	github.com/maypok86/otter/v2 v2.4.0 // indirect
	github.com/segmentio/asm v1.2.1 // indirect
	github.com/valyala/fastjson v1.6.10 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace (
	github.com/sessiongate/sessiongate/adapters/sessionecho => ../adapters/sessionecho
	github.com/sessiongate/sessiongate/adapters/sessionfasthttp => ../adapters/sessionfasthttp
	github.com/sessiongate/sessiongate/adapters/sessionfiber => ../adapters/sessionfiber
	github.com/sessiongate/sessiongate/adapters/sessiongin => ../adapters/sessiongin
	github.com/sessiongate/sessiongate/adapters/sessionhttp => ../adapters/sessionhttp
	github.com/sessiongate/sessiongate/core => ../core
)

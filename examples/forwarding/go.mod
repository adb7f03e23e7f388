module github.com/sessiongate/sessiongate/examples/forwarding

go 1.25.0

require (
	github.com/labstack/echo/v4 v4.16.0
	github.com/sessiongate/sessiongate/adapters/sessionecho v0.1.0
	github.com/sessiongate/sessiongate/core v0.1.0
)

require (
	github.com/go-jose/go-jose/v4 v4.1.8 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/labstack/gommon v0.5.0 // indirect
	github.com/mattn/go-colorable v0.1.15 // indirect
	github.com/mattn/go-isatty v0.0.22 // indirect
	github.com/maypok86/otter/v2 v2.4.0 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasttemplate v1.2.2 // indirect
	golang.org/x/crypto v0.55.0 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace (
	github.com/sessiongate/sessiongate/adapters/sessionecho => ../../adapters/sessionecho
	github.com/sessiongate/sessiongate/core => ../../core
)

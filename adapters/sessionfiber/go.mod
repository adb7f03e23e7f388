module github.com/sessiongate/sessiongate/adapters/sessionfiber

go 1.25.0

require (
	github.com/gofiber/fiber/v2 v2.52.15
	github.com/sessiongate/sessiongate/adapters/sessionfasthttp v0.1.0
	github.com/sessiongate/sessiongate/core v0.1.0
)

require (
	github.com/andybalholm/brotli v1.1.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.8 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/compress v1.17.9 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/mattn/go-runewidth v0.0.16 // indirect
	github.com/maypok86/otter/v2 v2.4.0 // indirect
	github.com/rivo/uniseg v0.2.0 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasthttp v1.51.0 // indirect
	github.com/valyala/tcplisten v1.0.0 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace (
	github.com/sessiongate/sessiongate/adapters/sessionfasthttp => ../sessionfasthttp
	github.com/sessiongate/sessiongate/core => ../../core
)

module github.com/sessiongate/sessiongate/examples/ownsession

go 1.25.0

require (
	github.com/sessiongate/sessiongate/adapters/sessionhttp v0.1.0
	github.com/sessiongate/sessiongate/core v0.1.0
	github.com/sessiongate/sessiongate/sessions v0.1.0
	github.com/sessiongate/sessiongate/stores/sqlitestore v0.1.0
)

require (
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/go-jose/go-jose/v4 v4.1.8 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/maypok86/otter/v2 v2.4.0 // indirect
	github.com/ncruces/go-strftime v1.0.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
	modernc.org/libc v1.75.7 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
	modernc.org/sqlite v1.59.0 // indirect
)

replace (
	github.com/sessiongate/sessiongate/adapters/sessionhttp => ../../adapters/sessionhttp
	github.com/sessiongate/sessiongate/core => ../../core
	github.com/sessiongate/sessiongate/sessions => ../../sessions
	github.com/sessiongate/sessiongate/stores/sqlitestore => ../../stores/sqlitestore
)

module github.com/sessiongate/sessiongate/stores/redisreplay

go 1.25.0

require (
	github.com/redis/go-redis/v9 v9.22.0
	github.com/sessiongate/sessiongate/core v0.1.0
	github.com/sessiongate/sessiongate/sessions v0.1.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.8 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/maypok86/otter/v2 v2.4.0 // indirect
	github.com/sessiongate/sessiongate/stores/redisstore v0.1.0
	go.uber.org/atomic v1.11.0 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace (
	github.com/sessiongate/sessiongate/core => ../../core
	github.com/sessiongate/sessiongate/sessions => ../../sessions
)

replace github.com/sessiongate/sessiongate/stores/redisstore => ../redisstore

module github.com/sessiongate/sessiongate/bench

go 1.25.0

require github.com/maypok86/otter/v2 v2.4.0

require (
	github.com/auth0/go-jwt-middleware/v2 v2.3.1
	github.com/gin-gonic/gin v1.12.0
	github.com/gofiber/contrib/jwt v1.1.2
	github.com/gofiber/fiber/v2 v2.52.15
	github.com/gofiber/fiber/v3 v3.1.0
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/labstack/echo-jwt/v4 v4.4.0
	github.com/labstack/echo/v4 v4.16.0
	github.com/redis/go-redis/v9 v9.22.0
	github.com/sessiongate/sessiongate/adapters/sessionecho v0.1.0
	github.com/sessiongate/sessiongate/adapters/sessionfiber v0.1.0
	github.com/sessiongate/sessiongate/adapters/sessionfiberv3 v0.1.0
	github.com/sessiongate/sessiongate/adapters/sessiongin v0.1.0
	github.com/sessiongate/sessiongate/adapters/sessionhttp v0.1.0
	github.com/sessiongate/sessiongate/core v0.1.0
	github.com/sessiongate/sessiongate/stores/redisreplay v0.1.0
	github.com/valyala/fasthttp v1.69.0
)

require github.com/sessiongate/sessiongate/sessions v0.1.0 // indirect

require (
	github.com/MicahParks/keyfunc/v2 v2.1.0 // indirect
	github.com/andybalholm/brotli v1.2.0 // indirect
	github.com/bytedance/gopkg v0.1.3 // indirect
	github.com/bytedance/sonic v1.15.0 // indirect
	github.com/bytedance/sonic/loader v0.5.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/cloudwego/base64x v0.1.6 // indirect
	github.com/gabriel-vasile/mimetype v1.4.12 // indirect
	github.com/gin-contrib/sse v1.1.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.8 // indirect
	github.com/go-playground/locales v0.14.1 // indirect
	github.com/go-playground/universal-translator v0.18.1 // indirect
	github.com/go-playground/validator/v10 v10.30.1 // indirect
	github.com/goccy/go-json v0.10.5 // indirect
	github.com/goccy/go-yaml v1.19.2 // indirect
	github.com/gofiber/schema v1.7.0 // indirect
	github.com/gofiber/utils/v2 v2.0.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/klauspost/compress v1.18.4 // indirect
	github.com/klauspost/cpuid/v2 v2.3.0 // indirect
	github.com/labstack/gommon v0.5.0 // indirect
	github.com/leodido/go-urn v1.4.0 // indirect
	github.com/mattn/go-colorable v0.1.15 // indirect
	github.com/mattn/go-isatty v0.0.22 // indirect
	github.com/mattn/go-runewidth v0.0.16 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	github.com/pelletier/go-toml/v2 v2.2.4 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/quic-go/qpack v0.6.0 // indirect
	github.com/quic-go/quic-go v0.59.0 // indirect
	github.com/rivo/uniseg v0.2.0 // indirect
	github.com/sessiongate/sessiongate/adapters/sessionfasthttp v0.1.0 // indirect
	github.com/sessiongate/sessiongate/stores/redisstore v0.1.0
	github.com/tinylib/msgp v1.6.3 // indirect
	github.com/twitchyliquid64/golang-asm v0.15.1 // indirect
	github.com/ugorji/go/codec v1.3.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasttemplate v1.2.2 // indirect
	go.mongodb.org/mongo-driver/v2 v2.5.0 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	golang.org/x/arch v0.22.0 // indirect
	golang.org/x/crypto v0.55.0 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
	golang.org/x/time v0.15.0 // indirect
	google.golang.org/protobuf v1.36.10 // indirect
	gopkg.in/go-jose/go-jose.v2 v2.6.3 // indirect
)

replace (
	github.com/sessiongate/sessiongate/adapters/sessionecho => ../adapters/sessionecho
	github.com/sessiongate/sessiongate/adapters/sessionfasthttp => ../adapters/sessionfasthttp
	github.com/sessiongate/sessiongate/adapters/sessionfiber => ../adapters/sessionfiber
	github.com/sessiongate/sessiongate/adapters/sessionfiberv3 => ../adapters/sessionfiberv3
	github.com/sessiongate/sessiongate/adapters/sessiongin => ../adapters/sessiongin
	github.com/sessiongate/sessiongate/adapters/sessionhttp => ../adapters/sessionhttp
	github.com/sessiongate/sessiongate/core => ../core
	github.com/sessiongate/sessiongate/sessions => ../sessions
	github.com/sessiongate/sessiongate/stores/redisreplay => ../stores/redisreplay
)

replace github.com/sessiongate/sessiongate/stores/redisstore => ../stores/redisstore

module github.com/sessiongate/sessiongate/tests

go 1.25.0

replace (
	github.com/sessiongate/sessiongate/adapters/sessionhttp => ../adapters/sessionhttp
	github.com/sessiongate/sessiongate/core => ../core
)

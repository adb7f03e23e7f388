package endpointtest_test

import (
	"testing"

	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/sessions/endpointtest"
)

// An adapter's test runs the suite with a Mount that serves the endpoint
// through the adapter; here net/http, with a handler any adapter would
// write as its Endpoint function.
func ExampleRun() {
	_ = func(t *testing.T) {
		endpointtest.Run(t, func(t *testing.T, e core.Endpoint) string {
			return endpointtest.Reference(t, e) // an adapter serves e through its framework instead
		})
	}
}

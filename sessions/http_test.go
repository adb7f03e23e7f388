package sessions_test

import (
	"testing"

	"github.com/sessiongate/sessiongate/sessions/endpointtest"
)

// TestEndpointsSuite runs the endpoint suite on the reference mount
// (net/http) against itself: every row's expectations hold, and two runs of
// a row answer alike once tokens and times are blanked.
func TestEndpointsSuite(t *testing.T) {
	endpointtest.Run(t, endpointtest.Reference)
}

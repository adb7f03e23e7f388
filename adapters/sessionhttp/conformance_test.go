package sessionhttp_test

import (
	"testing"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/adapters/sessionhttp/sessionhttptest"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, sessionhttptest.Target)
}

func TestNewRefusesNilGate(t *testing.T) {
	if _, err := sessionhttp.New(nil, sessionhttp.Config{}); err == nil {
		t.Fatal("New(nil) returned no error")
	}
}

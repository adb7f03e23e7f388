package sessionecho_test

import (
	"testing"

	"github.com/sessiongate/sessiongate/adapters/sessionecho"
	"github.com/sessiongate/sessiongate/adapters/sessionecho/sessionechotest"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, sessionechotest.Target)
}

func TestNewRefusesNilGate(t *testing.T) {
	if _, err := sessionecho.New(nil, sessionecho.Config{}); err == nil {
		t.Fatal("New(nil) returned no error")
	}
}

package memstore_test

import (
	"testing"

	"github.com/sessiongate/sessiongate/sessions"
	"github.com/sessiongate/sessiongate/sessions/memstore"
	"github.com/sessiongate/sessiongate/sessions/storetest"
)

// harness: one process, so every "handle" is the same store.
var harness = storetest.Harness{
	NewDatabase: func(testing.TB) storetest.Opener {
		s := memstore.New()
		return func(testing.TB) sessions.Store { return s }
	},
}

func TestConformance(t *testing.T) { storetest.Run(t, harness) }

func BenchmarkRotate(b *testing.B) { storetest.BenchmarkRotate(b, harness) }

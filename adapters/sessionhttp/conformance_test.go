package sessionhttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/core"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, target)
}

// target serves a sessionhttp-protected app as adaptertest.Target asks.
func target(t *testing.T, gate *core.Gate, opts adaptertest.Options) string {
	cfg := sessionhttp.Config{
		Optional: opts.Optional,
		Strict:   opts.Strict,
		Skipper:  func(r *http.Request) bool { return opts.Skip(r.URL.Path) },
	}
	if opts.CustomErrorHandler {
		cfg.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
			w.WriteHeader(adaptertest.ErrorHandlerStatus)
			w.Write([]byte(adaptertest.ErrorKind(err)))
		}
	}
	mw, err := sessionhttp.New(gate, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fromAdapter, _ := sessionhttp.FromRequest(r)
		fromContext, _ := core.SessionFromContext(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Write(adaptertest.Reply(fromAdapter, fromContext))
	})))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestNewRefusesNilGate(t *testing.T) {
	if _, err := sessionhttp.New(nil, sessionhttp.Config{}); err == nil {
		t.Fatal("New(nil) returned no error")
	}
}

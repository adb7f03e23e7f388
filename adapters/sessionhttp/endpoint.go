package sessionhttp

import (
	"net/http"

	"github.com/sessiongate/sessiongate/core"
)

// Endpoint mounts a core.Endpoint (such as the sessions module's refresh,
// exchange and revocation endpoints) as an http.Handler:
// mux.Handle("/auth/", sessionhttp.Endpoint(ep)). Mount it without
// stripping the prefix: the endpoint routes on the whole path. The endpoint
// bounds what it reads of the body.
func Endpoint(e core.Endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.ServeEndpoint(r.Context(), core.EndpointRequest{Request: core.HTTPRequest(r), RemoteAddr: r.RemoteAddr, Body: r.Body}).Write(w)
	})
}

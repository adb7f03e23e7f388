package main

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"time"

	"github.com/sessiongate/sessiongate/adapters/sessionhttp"
	"github.com/sessiongate/sessiongate/sessions"
)

// routes is the app's mux:
//
//	GET  /                 the walk-through page
//	GET  /healthz          public
//	     /auth/...         the sessions endpoints (exchange, refresh, sessions, logout, jwks)
//	GET  /api/me           protected: the access token verified locally, the deny-list asked
//	GET  /api/account      protected and Strict: the store asked on every request
func (a *app) routes() (http.Handler, error) {
	page, err := template.ParseFS(files, "index.html")
	if err != nil {
		return nil, err
	}
	protect, err := sessionhttp.New(a.gate, sessionhttp.Config{})
	if err != nil {
		return nil, err
	}
	// A route where a revoked session must not pass even for the feed's
	// delay (payments, account changes) asks the store instead.
	strict, err := sessionhttp.New(a.gate, sessionhttp.Config{Strict: true})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		page.Execute(w, map[string]string{"Issuer": a.opts.issuer})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	// Mounted without stripping the prefix: the endpoints route on the
	// whole path, and the refresh cookie is scoped to /auth/refresh.
	mux.Handle(sessions.DefaultBasePath+"/", a.ep)
	mux.Handle("GET /api/me", protect(http.HandlerFunc(me)))
	mux.Handle("GET /api/account", strict(http.HandlerFunc(me)))
	return mux, nil
}

// meReply is what /api/me shows of the verified access token.
type meReply struct {
	Subject   string    `json:"subject"`
	SessionID string    `json:"sid"`
	Provider  any       `json:"idp"`
	Source    string    `json:"source"`
	ExpiresAt time.Time `json:"expires_at"`
}

func me(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionhttp.FromRequest(r)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(meReply{
		Subject: s.Subject, SessionID: s.SessionID, Provider: s.Claims()["idp"],
		Source: string(s.Source), ExpiresAt: s.ExpiresAt.UTC(),
	})
}

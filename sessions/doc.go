// Package sessions is sessiongate's own session issuer (seeds 002 and 003):
// a short-lived access JWT that every gate verifies locally, and a rotating
// long-term refresh session kept in a Store that renews it and can be listed
// and revoked.
//
// This file set holds the Store contract every driver implements; the
// manager and its HTTP endpoints build on it.
package sessions

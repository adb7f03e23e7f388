// Package sessions is sessiongate's own session issuer (seeds 002 and 003):
// a short-lived access JWT that every gate verifies locally, and a rotating
// long-term refresh session kept in a Store that renews it and can be listed
// and revoked.
//
// So far the module holds the Store contract every driver implements, the
// rotation rule drivers share (Decide), memstore and the store conformance
// suite (storetest); the manager and its HTTP endpoints, which will build on
// them, are not written yet.
package sessions

// Package memstore is the in-memory sessions.Store: for tests, and for an
// app that runs as one process and accepts that a restart logs every user
// out. Every method takes one mutex; ListByUser costs the user's sessions,
// Revoke with All and Sweep cost every session.
//
// It implements sessions.Notifier too, so a sessions.DenyList in the same
// process learns of a revocation at once.
package memstore

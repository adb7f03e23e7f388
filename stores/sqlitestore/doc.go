// Package sqlitestore is the embedded sessions.Store: one SQLite file
// through modernc.org/sqlite (pure Go, no cgo), for an app on one machine,
// one process or several.
//
// The file runs in WAL mode with synchronous=FULL, so a rotation the store
// acknowledged survives a crash of the process or the machine. Every write
// goes through one connection per Store and takes the write lock up front
// (BEGIN IMMEDIATE): a rotation, a revocation with its feed rows, a sweep is
// each one transaction, and processes sharing the file queue on the lock
// (up to 10 s, or until the call's context ends) rather than fail. Reads run
// beside the writer on their own connections.
//
// One host only: SQLite's locks do not hold across machines, so never put
// the file on a network filesystem (NFS, SMB) nor share it between hosts;
// use pgstore or redisstore for several machines. The store does not
// implement sessions.Notifier: verifiers poll Revocations.
package sqlitestore

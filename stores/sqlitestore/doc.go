// Package sqlitestore is the embedded sessions.Store: one SQLite file
// through modernc.org/sqlite (pure Go, no cgo), for an app on one machine,
// one process or several.
//
// The file runs in WAL mode with synchronous=FULL, so a rotation the store
// acknowledged survives a crash of the process or the machine. Every write
// of a Store goes through one goroutine and one connection, which takes the
// write lock up front (BEGIN IMMEDIATE), runs the writes waiting at that
// moment (a rotation, a revocation with its feed rows, a sweep), each in a
// savepoint of its own, and commits them with one fsync. Processes sharing
// the file queue on the lock (up to 10 s, or until the call's context ends)
// rather than fail. Reads run beside the writer on their own connections.
//
// One host only: SQLite's locks do not hold across machines, so never put
// the file on a network filesystem (NFS, SMB) nor share it between hosts;
// use pgstore or redisstore for several machines. The store does not
// implement sessions.Notifier: verifiers poll Revocations.
package sqlitestore

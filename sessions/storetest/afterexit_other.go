//go:build !unix

package storetest

// AfterExit does nothing here: the servers the drivers' tests start come
// from Unix packages.
func AfterExit(cmd string) error { return nil }

// Command release keeps sessiongate's modules releasable as one set: every
// published module (core and each adapter) is tagged <dir>/<version> at the
// version in the top-level VERSION file, and every module of the workspace
// requires its published siblings at exactly that version.
//
//	go run ./tools/release check          # go.mod requires and tags agree with VERSION
//	go run ./tools/release tag            # check, then tag every published module at HEAD
//	go run ./tools/release proxy DIR      # write a GOPROXY=file://DIR of the working tree
//
// Run it from the repository root. The local replace lines in go.mod files
// are for development only: a consumer's build ignores them and fetches the
// required version.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: release check | tag | proxy DIR")
	}
	ws, err := loadWorkspace(".")
	if err != nil {
		return err
	}
	switch {
	case args[0] == "check" && len(args) == 1:
		return check(ws, true)
	case args[0] == "tag" && len(args) == 1:
		return tag(ws)
	case args[0] == "proxy" && len(args) == 2:
		return writeProxy(ws, args[1])
	}
	return fmt.Errorf("usage: release check | tag | proxy DIR")
}

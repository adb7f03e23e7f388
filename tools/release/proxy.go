package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// writeProxy writes every published module of the working tree, at VERSION,
// into dir in the module proxy layout (GOPROXY=file://dir): exactly the
// files a proxy would serve once the tags are pushed.
func writeProxy(ws *workspace, dir string) error {
	for _, m := range ws.Modules {
		if !m.Published() {
			continue
		}
		if err := writeModule(ws, m, dir); err != nil {
			return err
		}
	}
	return nil
}

func writeModule(ws *workspace, m wsModule, dir string) error {
	escaped, err := module.EscapePath(m.Path)
	if err != nil {
		return err
	}
	vdir := filepath.Join(dir, filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(vdir, ws.Version)
	mod := module.Version{Path: m.Path, Version: ws.Version}
	zf, err := os.Create(base + ".zip")
	if err != nil {
		return err
	}
	// CreateFromDir leaves out nested modules, vendor directories and
	// files a module zip may not hold, as the go command would.
	if err := zip.CreateFromDir(zf, mod, filepath.Join(ws.Root, filepath.FromSlash(m.Dir))); err != nil {
		zf.Close()
		return err
	}
	if err := zf.Close(); err != nil {
		return err
	}
	gomod, err := os.ReadFile(filepath.Join(ws.Root, filepath.FromSlash(m.Dir), "go.mod"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".mod", gomod, 0o644); err != nil {
		return err
	}
	info, _ := json.Marshal(struct {
		Version string
		Time    time.Time
	}{ws.Version, time.Now().UTC().Truncate(time.Second)})
	if err := os.WriteFile(base+".info", info, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(vdir, "list"), []byte(ws.Version+"\n"), 0o644)
}

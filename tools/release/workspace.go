package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// wsModule is one module of the workspace.
type wsModule struct {
	Dir  string // relative to the root, slash-separated ("adapters/sessiongin")
	Path string // module path
	File *modfile.File
}

// Published reports whether the module is released to users: core, the
// adapters, sessions and the session stores. Examples, tests, benchmarks and
// tools are not.
func (m wsModule) Published() bool {
	return m.Dir == "core" || m.Dir == "sessions" || strings.HasPrefix(m.Dir, "adapters/") || strings.HasPrefix(m.Dir, "stores/")
}

// Tag is the module's tag for version v, as the go command expects for a
// module in a subdirectory.
func (m wsModule) Tag(v string) string { return m.Dir + "/" + v }

// workspace is the repository: its root, VERSION and go.work modules.
type workspace struct {
	Root    string
	Version string
	Modules []wsModule
}

func loadWorkspace(root string) (*workspace, error) {
	v, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		return nil, err
	}
	ws := &workspace{Root: root, Version: strings.TrimSpace(string(v))}
	if !semver.IsValid(ws.Version) || semver.Canonical(ws.Version) != ws.Version {
		return nil, fmt.Errorf("VERSION %q is not a canonical semantic version such as v0.1.0", ws.Version)
	}
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, err
	}
	work, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return nil, err
	}
	for _, u := range work.Use {
		dir := path.Clean(filepath.ToSlash(u.Path))
		gomod := filepath.Join(root, filepath.FromSlash(dir), "go.mod")
		data, err := os.ReadFile(gomod)
		if err != nil {
			return nil, err
		}
		f, err := modfile.Parse(gomod, data, nil)
		if err != nil {
			return nil, err
		}
		ws.Modules = append(ws.Modules, wsModule{Dir: dir, Path: f.Module.Mod.Path, File: f})
	}
	sort.Slice(ws.Modules, func(i, j int) bool { return ws.Modules[i].Dir < ws.Modules[j].Dir })
	return ws, nil
}

// published returns the published modules by path.
func (ws *workspace) published() map[string]wsModule {
	out := map[string]wsModule{}
	for _, m := range ws.Modules {
		if m.Published() {
			out[m.Path] = m
		}
	}
	return out
}

// checkRequires lists every way a go.mod disagrees with VERSION: a sibling
// required at another version, a missing or wrong local replace, or a
// published module requiring an unpublished one.
func (ws *workspace) checkRequires() []string {
	pub := ws.published()
	all := map[string]wsModule{}
	for _, m := range ws.Modules {
		all[m.Path] = m
	}
	var problems []string
	for _, m := range ws.Modules {
		replaced := map[string]string{}
		for _, r := range m.File.Replace {
			replaced[r.Old.Path] = r.New.Path
		}
		for _, r := range m.File.Require {
			sib, ok := all[r.Mod.Path]
			if !ok {
				continue
			}
			if _, isPub := pub[r.Mod.Path]; !isPub {
				if m.Published() {
					problems = append(problems, fmt.Sprintf("%s: published module requires unpublished %s", m.Dir, r.Mod.Path))
				}
				continue
			}
			if r.Mod.Version != ws.Version {
				problems = append(problems, fmt.Sprintf("%s: requires %s %s, want %s (VERSION)", m.Dir, r.Mod.Path, r.Mod.Version, ws.Version))
			}
			rel, _ := filepath.Rel(filepath.FromSlash(m.Dir), filepath.FromSlash(sib.Dir))
			if want := filepath.ToSlash(rel); replaced[r.Mod.Path] != want {
				problems = append(problems, fmt.Sprintf("%s: replace %s => %q, want %q", m.Dir, r.Mod.Path, replaced[r.Mod.Path], want))
			}
		}
	}
	return problems
}

// tagState reports, for VERSION, which published modules are tagged and at
// which commits.
func (ws *workspace) tagState() (tagged map[string]string, err error) {
	tagged = map[string]string{}
	for _, m := range ws.Modules {
		if !m.Published() {
			continue
		}
		out, err := git(ws.Root, "rev-list", "-n", "1", "refs/tags/"+m.Tag(ws.Version))
		if err != nil {
			continue // not tagged
		}
		tagged[m.Tag(ws.Version)] = strings.TrimSpace(out)
	}
	return tagged, nil
}

// checkTags lists how the tags of VERSION disagree: some modules tagged and
// others not, or tags on different commits.
func (ws *workspace) checkTags() []string {
	tagged, _ := ws.tagState()
	var want []string
	for _, m := range ws.Modules {
		if m.Published() {
			want = append(want, m.Tag(ws.Version))
		}
	}
	if len(tagged) == 0 {
		return nil
	}
	var problems []string
	commits := map[string]bool{}
	for _, t := range want {
		c, ok := tagged[t]
		if !ok {
			problems = append(problems, "tag "+t+" is missing while other modules are tagged "+ws.Version)
			continue
		}
		commits[c] = true
	}
	if len(commits) > 1 {
		problems = append(problems, "the tags of "+ws.Version+" point at different commits")
	}
	return problems
}

func check(ws *workspace, verbose bool) error {
	problems := append(ws.checkRequires(), ws.checkTags()...)
	if len(problems) > 0 {
		return errors.New("modules disagree with VERSION " + ws.Version + ":\n  " + strings.Join(problems, "\n  "))
	}
	if verbose {
		fmt.Printf("%d modules agree on %s\n", len(ws.Modules), ws.Version)
	}
	return nil
}

// tag checks, then tags every published wsModule at HEAD. It refuses a dirty
// tree and a version already tagged.
func tag(ws *workspace) error {
	if err := check(ws, false); err != nil {
		return err
	}
	if tagged, _ := ws.tagState(); len(tagged) > 0 {
		return fmt.Errorf("%s is already tagged", ws.Version)
	}
	if out, err := git(ws.Root, "status", "--porcelain"); err != nil || strings.TrimSpace(out) != "" {
		return fmt.Errorf("the work tree has uncommitted changes; commit them first")
	}
	var tags []string
	for _, m := range ws.Modules {
		if !m.Published() {
			continue
		}
		if _, err := git(ws.Root, "tag", "-a", m.Tag(ws.Version), "-m", m.Path+" "+ws.Version); err != nil {
			return err
		}
		tags = append(tags, m.Tag(ws.Version))
	}
	fmt.Printf("tagged %d modules; publish with:\n  git push origin %s\n", len(tags), strings.Join(tags, " "))
	return nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return string(out), err
}

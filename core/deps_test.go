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

const coreModule = "github.com/sessiongate/sessiongate/core"

// allowedModules are the only modules core (and its tests) may depend on,
// besides the standard library: a web framework, or anything else, fails
// TestDepsCoreModulesAreAllowListed until it is added here on purpose.
var allowedModules = map[string]string{
	coreModule:                      "core itself",
	"github.com/golang-jwt/jwt/v5":  "JWT parsing and signature checks",
	"github.com/go-jose/go-jose/v4": "JWK parsing",
	"golang.org/x/net":              "public suffix list and IDNA",
	"golang.org/x/text":             "Unicode tables behind x/net's IDNA",
	"golang.org/x/sync":             "singleflight for JWKS fetches",
	// bench/cachecmp: lock-free reads and a higher hit ratio than the
	// hand-written candidates (W-TinyLFU); no dependencies of its own.
	"github.com/maypok86/otter/v2": "the verified-token cache (tokencache.go)",
	"go.uber.org/goleak":           "tests only: proves Close leaves no goroutine behind",
}

// disallowed returns the modules of mods that are not on the allow-list,
// sorted and without repeats.
func disallowed(mods []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range mods {
		if _, ok := allowedModules[m]; !ok && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

func TestDepsAllowListMatcher(t *testing.T) {
	const gh = "github.com/" // kept apart so a grep for framework imports skips this data
	cases := []struct {
		name string
		in   []string
		want []string
	}{
		{"core's own libraries pass", []string{coreModule, gh + "golang-jwt/jwt/v5", "golang.org/x/net"}, nil},
		{"a web framework is refused", []string{gh + "gin-gonic/gin", "golang.org/x/net"}, []string{gh + "gin-gonic/gin"}},
		{"fasthttp is refused", []string{gh + "valyala/fasthttp"}, []string{gh + "valyala/fasthttp"}},
		{"any other module is refused too", []string{gh + "valyala/bytebufferpool"}, []string{gh + "valyala/bytebufferpool"}},
		{"modules match exactly, not by prefix", []string{"golang.org/x/netx", gh + "golang-jwt/jwt/v4"},
			[]string{gh + "golang-jwt/jwt/v4", "golang.org/x/netx"}},
		{"a module listed twice is reported once", []string{"example.com/m", "example.com/m"}, []string{"example.com/m"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := disallowed(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("disallowed(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// goTool returns the go command, skipping the test when it is missing
// outside CI.
func goTool(t *testing.T) string {
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

// goList runs go list -f tmpl in the core module directory and returns its
// output fields.
func goList(t *testing.T, goBin, tmpl string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(goBin, append([]string{"list", "-f", tmpl}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.Fields(string(out))
}

// TestDepsCoreModulesAreAllowListed walks every package core and its tests
// depend on: each one is from the standard library or an allowed module.
func TestDepsCoreModulesAreAllowListed(t *testing.T) {
	goBin := goTool(t)
	const modOf = `{{if not .Standard}}{{with .Module}}{{.Path}}{{else}}{{.ImportPath}}{{end}}{{end}}`
	for _, args := range [][]string{{"-deps", "./..."}, {"-deps", "-test", "./..."}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			mods := goList(t, goBin, modOf, args...)
			// Guard against a vacuous pass: the listing must hold core and
			// the libraries it is known to use.
			for _, want := range []string{coreModule, "github.com/golang-jwt/jwt/v5", "golang.org/x/net"} {
				if !containsPath(mods, want) {
					t.Fatalf("go list %v did not list module %s; got %q", args, want, mods)
				}
			}
			if bad := disallowed(mods); len(bad) > 0 {
				t.Fatalf("core depends on modules outside its allow-list: %q", bad)
			}
		})
	}
}

// TestDepsAdaptertestIsStdlibOnly: the conformance suite imports only the
// standard library, core and core/devissuer, so an adapter module running it
// inherits nothing.
func TestDepsAdaptertestIsStdlibOnly(t *testing.T) {
	goBin := goTool(t)
	std := map[string]bool{}
	for _, p := range goList(t, goBin, `{{if .Standard}}{{.ImportPath}}{{end}}`, "-deps", "./adaptertest") {
		std[p] = true
	}
	imports := goList(t, goBin, `{{join .Imports "\n"}}`, "./adaptertest")
	if !containsPath(imports, coreModule) || !containsPath(imports, "testing") {
		t.Fatalf("implausible import list for adaptertest: %q", imports)
	}
	var bad []string
	for _, imp := range imports {
		if !std[imp] && imp != coreModule && imp != coreModule+"/devissuer" {
			bad = append(bad, imp)
		}
	}
	if len(bad) > 0 {
		t.Fatalf("adaptertest imports non-standard packages: %q", bad)
	}
}

func containsPath(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

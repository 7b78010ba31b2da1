package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

func versions(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		v := c.Version
		if c.Prev {
			v = "prev " + v
		}
		out = append(out, v)
	}
	return out
}

func TestNeighboursOrder(t *testing.T) {
	got := versions(neighbours("v1.16.3", []string{"v1.16.9", "v1.15.40", "v1.16.2-rc.1"}))
	want := []string{"v1.16.2", "v1.16.1", "v1.16.0", "v1.16.4", "v1.16.5", "v1.16.6", "v1.16.7", "v1.16.8", "v1.16.9", "prev v1.15.40"}
	if !reflect.DeepEqual(got[:len(want)], want) {
		t.Fatalf("neighbours: got %v", got[:len(want)])
	}
	if got[len(want)] != "prev v1.15.30" || got[len(got)-1] != "prev v1.15.0" {
		t.Fatalf("the previous line's patches, newest first: %v", got[len(want):])
	}
}

func TestNeighboursOfAPreReleaseStartAboveWithTheRelease(t *testing.T) {
	got := versions(neighbours("v0.12.4-0.20250101000000-abcdef", nil))
	if got[4] != "v0.12.4" {
		t.Fatalf("the release itself counts as above its pre-release: %v", got[:6])
	}
	if neighbours("main", nil) != nil {
		t.Fatal("a version that is no semver has no neighbours")
	}
	for _, v := range versions(neighbours("v2.0.1", nil)) {
		if strings.HasPrefix(v, "prev") {
			t.Fatal("minor 0 has no previous minor line")
		}
	}
}

func TestRefusedAndUnverifiableInAGoLog(t *testing.T) {
	log := `go: downloading github.com/dapr/components-contrib v1.16.3
dapr-src/pkg/x/x.go:3:2: github.com/dapr/components-contrib@v1.16.3: reading https://proxy.golang.org/github.com/dapr/components-contrib/@v/v1.16.3.zip: 403 Forbidden
go: github.com/a/b@v0.1.0: invalid version: unknown revision v0.1.0
dapr-src/pkg/y.go:1:1: github.com/dapr/components-contrib@v1.16.3: reading https://proxy.golang.org/github.com/dapr/components-contrib/@v/v1.16.3.mod: 404 Not Found
go: x@v1: verifying go.mod: github.com/c/d@v1.2.0/go.mod: reading https://proxy.golang.org/sumdb/sum.golang.org/lookup/github.com/c/d@v1.2.0: 404 Not Found`
	want := []ModVersion{{"github.com/dapr/components-contrib", "v1.16.3"}, {"github.com/a/b", "v0.1.0"}}
	if got := refusedIn(log); !reflect.DeepEqual(got, want) {
		t.Fatalf("refused: %v", got)
	}
	if got := unverifiableIn(log); !reflect.DeepEqual(got, []string{"github.com/c/d"}) {
		t.Fatalf("unverifiable: %v", got)
	}
	if refusedIn("ok\n") != nil {
		t.Fatal("nothing refused in a clean log")
	}
}

func TestImplicatedSubstitute(t *testing.T) {
	subs := []string{"github.com/a/contrib", "github.com/b/cron"}
	none := func(string) ([]byte, error) { return nil, errors.New("no file") }
	if got := implicated("# github.com/a/contrib/pkg\ngithub.com/a/contrib@v1.2.3/pkg/x.go:3:4: undefined: Thing\n", subs, "/mc", "/m", none); got != "github.com/a/contrib" {
		t.Fatalf("the module whose package fails: %s", got)
	}
	if got := implicated("something else failed\n", subs, "/mc", "/m", none); got != "github.com/b/cron" {
		t.Fatalf("no hint: the latest substitution, got %s", got)
	}
	imports := func(p string) ([]byte, error) {
		if p == filepath.Join("/m", "dapr-src", "pkg/s.go") {
			return []byte(`import "github.com/a/contrib/state"`), nil
		}
		return nil, errors.New("no file")
	}
	if got := implicated("dapr-src/pkg/s.go:1:2: undefined: y\n", subs, "/mc", "/m", imports); got != "github.com/a/contrib" {
		t.Fatalf("the module the failing dapr file imports: %s", got)
	}
}

func TestLogTailDropsPackageNamesAndDownloads(t *testing.T) {
	got := logTail("github.com/x/y\ngo: downloading a v1\nreal error: here\ngithub.com/x/z\n")
	if got != "real error: here" {
		t.Fatalf("got %q", got)
	}
	if got := logTail("github.com/x/y\n"); got != "github.com/x/y" {
		t.Fatalf("nothing else: the plain tail, got %q", got)
	}
}

func TestParseChecksum(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for _, f := range []string{hex + " *daprd_linux_amd64.tar.gz\n", hex + "  ./release/daprd_linux_amd64.tar.gz", strings.ToUpper(hex) + " daprd_linux_amd64.tar.gz"} {
		if got, err := parseChecksum([]byte(f), "daprd_linux_amd64.tar.gz"); err != nil || got != hex {
			t.Fatalf("%q: %q %v", f, got, err)
		}
	}
	if _, err := parseChecksum([]byte(hex+" *placement_linux_amd64.tar.gz\n"), "daprd_linux_amd64.tar.gz"); err == nil {
		t.Fatal("a line for another file is no checksum for this one")
	}
	if _, err := parseChecksum([]byte("<html>not found</html>"), "daprd_linux_amd64.tar.gz"); err == nil {
		t.Fatal("a page is no checksum")
	}
}

func TestToolchainFor(t *testing.T) {
	parse := func(s string) *modfile.File {
		f, err := modfile.Parse("go.mod", []byte(s), nil)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	cases := []struct{ gomod, local, user, want string }{
		{"module m\ngo 1.24.1\n", "go1.26.8", "", ""},
		{"module m\ngo 1.27.1\n", "go1.26.8", "", "go1.27.1"},
		{"module m\ngo 1.27\n", "go1.26.8", "", "go1.27.0"},
		{"module m\ngo 1.27.1\ntoolchain go1.27.3\n", "go1.26.8", "", "go1.27.3"},
		{"module m\ngo 1.27.1\n", "go1.26.8", "local", ""},
	}
	for _, c := range cases {
		if got := toolchainFor(parse(c.gomod), c.local, c.user); got != c.want {
			t.Errorf("%q with %s (GOTOOLCHAIN=%q): got %q, want %q", c.gomod, c.local, c.user, got, c.want)
		}
	}
}

func TestModuleGoModRepeatsDaprsReplacesExceptOverriddenOnes(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "dapr-src"), 0o755)
	os.WriteFile(filepath.Join(dir, "dapr-src", "go.sum"), []byte("b v1 h1:x=\na v1 h1:y=\n"), 0o644)
	s := &State{ModuleDir: dir, GoDirective: "1.24.1", RequireVersion: "v1.16.2",
		DaprReplaces: []Replace{{Old: "example.com/old", New: "example.com/new", NewVersion: "v1.0.0"}, {Old: "github.com/c/contrib", New: "github.com/c/contrib", NewVersion: "v1.16.3"}},
		Subs:         []Substitution{{Module: "github.com/c/contrib", Wanted: "v1.16.3", Used: "v1.16.1"}},
		Local:        []LocalModule{{Module: "github.com/d/dt", Dir: "/src/dt"}}}
	data, err := moduleGoMod(s)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"module durablebugskit/daprbin\n", "require github.com/dapr/dapr v1.16.2\n",
		"replace example.com/old => example.com/new v1.0.0\n", "replace github.com/c/contrib => github.com/c/contrib v1.16.1\n",
		"replace github.com/d/dt => /src/dt\n", "replace github.com/dapr/dapr => ./dapr-src\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("go.mod lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "v1.16.3") {
		t.Errorf("the refused version is not repeated:\n%s", text)
	}
	if got := string(moduleGoSum(s)); got != "a v1 h1:y=\nb v1 h1:x=\n" {
		t.Errorf("go.sum sorted: %q", got)
	}
}

func TestBuildSourceOfOlderRecords(t *testing.T) {
	for src, want := range map[string]string{"proxy": "proxy", "local:/x": "src", "release": "release"} {
		if got := buildSourceOf(src); got != want {
			t.Errorf("%s: %s", src, got)
		}
	}
}

func TestNewerToolchainFromAGoLog(t *testing.T) {
	log := "go: github.com/x/y@v1.2.0 requires go >= 1.27.1 (running go 1.26.8; GOTOOLCHAIN=local)\n" +
		"go: github.com/x/z@v1.0.0 requires go >= 1.26.2 (running go 1.26.8; GOTOOLCHAIN=local)\n"
	if got := newerToolchain(log, ""); got != "go1.27.1" {
		t.Fatalf("got %q", got)
	}
	if got := newerToolchain(log, "go1.27.3"); got != "" {
		t.Fatalf("already newer: got %q", got)
	}
	if got := newerToolchain("go: something else\n", ""); got != "" {
		t.Fatalf("no such line: got %q", got)
	}
}

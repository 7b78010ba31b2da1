package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// The module build-dapr.sh builds: tools/daprbin's three mains, with github.com/dapr/dapr replaced by a
// private copy of its source (./dapr-src) in which the kit's component list stands in for upstream's.
const buildModule = "durablebugskit/daprbin"

func readGoMod(path string) (*modfile.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fail("cannot read %s: %v", path, err)
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, fail("cannot parse %s: %v", path, err)
	}
	return f, nil
}

// check-checkout DIR MODULE FLAG: a checkout's go.mod must name the module.
func cmdCheckCheckout(args []string) error {
	if len(args) != 3 {
		return fail("daprbuild check-checkout DIR MODULE FLAG")
	}
	dir, module, flagName := args[0], args[1], args[2]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fail("%s %s: no such directory", flagName, dir)
	}
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || modfile.ModulePath(data) != module {
		return fail("%s %s is not a checkout of %s (no go.mod with `module %s`)", flagName, dir, module, module)
	}
	return nil
}

// isRelativeDir: a replace target that is a folder relative to the go.mod (../components-contrib).
func isRelativeDir(r *modfile.Replace) bool {
	return r.New.Version == "" && (strings.HasPrefix(r.New.Path, "./") || strings.HasPrefix(r.New.Path, "../"))
}

// local-replaces: a checkout's own relative replace targets (../components-contrib) point beside it; they
// are wired with absolute paths in the build module. Prints MODULE<TAB>DIR per line.
func cmdLocalReplaces(args []string) error {
	fs := flags("local-replaces")
	var checkout string
	var skip listFlag
	fs.StringVar(&checkout, "checkout", "", "the dapr/dapr checkout")
	fs.Var(&skip, "skip", "a module already wired to a checkout of its own (repeat)")
	if err := parse(fs, args, "checkout"); err != nil {
		return err
	}
	f, err := readGoMod(filepath.Join(checkout, "go.mod"))
	if err != nil {
		return err
	}
	skipped := map[string]bool{}
	for _, s := range skip {
		skipped[s] = true
	}
	for _, r := range f.Replace {
		if !isRelativeDir(r) || skipped[r.Old.Path] {
			continue
		}
		dir := filepath.Join(checkout, r.New.Path)
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			return fail("the checkout's go.mod replaces %s with %s, which has no go.mod", r.Old.Path, r.New.Path)
		}
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real
		}
		skipped[r.Old.Path] = true
		fmt.Printf("%s\t%s\n", r.Old.Path, dir)
	}
	return nil
}

var releaseVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// requireVersion: the version our module requires github.com/dapr/dapr at (replaced by ./dapr-src, so
// only its form matters): the release's own, or the zero pseudo-version for a checkout's describe string.
func requireVersion(version string) string {
	if v := "v" + version; releaseVersion.MatchString(v) {
		return v
	}
	return "v0.0.0-00010101000000-000000000000"
}

// Replace is one replace directive, old => new.
type Replace struct {
	Old        string `json:"old"`
	OldVersion string `json:"old_version,omitempty"`
	New        string `json:"new"`
	NewVersion string `json:"new_version,omitempty"`
}

// daprReplaces: Dapr's own replace directives, repeated in our module because replace directives apply
// only in the main module. Relative targets were relative to the checkout: local modules hold them resolved.
func daprReplaces(f *modfile.File) []Replace {
	var out []Replace
	for _, r := range f.Replace {
		if isRelativeDir(r) {
			continue
		}
		out = append(out, Replace{Old: r.Old.Path, OldVersion: r.Old.Version, New: r.New.Path, NewVersion: r.New.Version})
	}
	return out
}

func line(tokens ...string) *modfile.Line { return &modfile.Line{Token: tokens} }

func commented(text string, l *modfile.Line) *modfile.Line {
	l.Comments.Before = []modfile.Comment{{Token: "// " + text}}
	return l
}

func replaceLine(r Replace) *modfile.Line {
	t := []string{"replace", modfile.AutoQuote(r.Old)}
	if r.OldVersion != "" {
		t = append(t, r.OldVersion)
	}
	t = append(t, "=>", modfile.AutoQuote(r.New))
	if r.NewVersion != "" {
		t = append(t, r.NewVersion)
	}
	return line(t...)
}

// moduleGoMod: the build module's go.mod, one replace per line (the substitutions are easy to read and
// to grep in a kept module folder).
func moduleGoMod(s *State) ([]byte, error) {
	syntax := &modfile.FileSyntax{}
	add := func(l *modfile.Line) { syntax.Stmt = append(syntax.Stmt, l) }
	add(line("module", buildModule))
	add(line("go", s.GoDirective))
	add(line("require", "github.com/dapr/dapr", s.RequireVersion))
	overridden := map[string]bool{}
	for _, sub := range s.Subs {
		overridden[sub.Module] = true
	}
	for _, l := range s.Local {
		overridden[l.Module] = true
	}
	first := true
	for _, r := range s.DaprReplaces {
		if overridden[r.Old] {
			continue
		}
		l := replaceLine(r)
		if first {
			commented("Repeated from github.com/dapr/dapr's own go.mod: replace directives apply only in the main module.", l)
			first = false
		}
		add(l)
	}
	for i, sub := range s.Subs {
		l := replaceLine(Replace{Old: sub.Module, New: sub.Module, NewVersion: sub.Used})
		if i == 0 {
			commented("Substituted by build-dapr.sh: the Go module proxy refuses the version Dapr asks for.", l)
		}
		add(l)
	}
	for i, lm := range s.Local {
		l := replaceLine(Replace{Old: lm.Module, New: lm.Dir})
		if i == 0 {
			commented("Local checkouts (--contrib-src, --durabletask-src, or the checkout's own relative replaces).", l)
		}
		add(l)
	}
	add(replaceLine(Replace{Old: "github.com/dapr/dapr", New: "./dapr-src"}))
	out := modfile.Format(syntax)
	if _, err := modfile.Parse("go.mod", out, nil); err != nil { // never hand go a file it would refuse
		return nil, fail("the build module's go.mod does not parse: %v", err)
	}
	return out, nil
}

// moduleGoSum: Dapr's own go.sum holds the hashes of everything it builds with, so go checks downloads
// against those and nothing needs the checksum database (which does not answer for every dapr module
// here). A substitute's or a local checkout's go.sum adds the hashes of what it brings.
func moduleGoSum(s *State) []byte {
	files := []string{filepath.Join(s.ModuleDir, "dapr-src", "go.sum")}
	for _, sub := range s.Subs {
		if p, ok := s.Probed[sub.Module+"@"+sub.Used]; ok && p.Dir != "" {
			files = append(files, filepath.Join(p.Dir, "go.sum"))
		}
	}
	for _, lm := range s.Local {
		files = append(files, filepath.Join(lm.Dir, "go.sum"))
	}
	seen := map[string]bool{}
	var lines []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if l := sc.Text(); l != "" && !seen[l] {
				seen[l] = true
				lines = append(lines, l)
			}
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

func writeModule(s *State) error {
	gomod, err := moduleGoMod(s)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.ModuleDir, "go.mod"), gomod, 0o644); err != nil {
		return fail("cannot write the build module's go.mod: %v", err)
	}
	return os.WriteFile(filepath.Join(s.ModuleDir, "go.sum"), moduleGoSum(s), 0o644)
}

// goVersionParts: "1.27.1" -> [1 27 1]; "go1.27" -> [1 27 0]; nil if it is not a Go release version.
func goVersionParts(v string) []int {
	v = strings.TrimPrefix(v, "go")
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	fields := strings.Split(v, ".")
	if len(fields) < 2 || len(fields) > 3 {
		return nil
	}
	out := make([]int, 3)
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil
		}
		out[i] = n
	}
	return out
}

// goNewer: is Go version a newer than b? Unparseable versions are never newer.
func goNewer(a, b string) bool {
	pa, pb := goVersionParts(a), goVersionParts(b)
	if pa == nil || pb == nil {
		return false
	}
	for i := range pa {
		if pa[i] != pb[i] {
			return pa[i] > pb[i]
		}
	}
	return false
}

// toolchainFor: the Go toolchain a Dapr source needs when the local one is older than its go directive:
// its own toolchain line if it has one, else the go directive's release (1.27 -> go1.27.0). "" when the
// local go will do, or when the user chose GOTOOLCHAIN.
func toolchainFor(f *modfile.File, localGo, userChoice string) string {
	if userChoice != "" || f.Go == nil || !goNewer(f.Go.Version, localGo) {
		return ""
	}
	if f.Toolchain != nil && !goNewer(f.Go.Version, f.Toolchain.Name) {
		return f.Toolchain.Name
	}
	p := goVersionParts(f.Go.Version)
	return fmt.Sprintf("go%d.%d.%d", p[0], p[1], p[2])
}

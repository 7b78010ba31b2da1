package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bounds on the search: patches probed above a wanted version, and the highest patch probed when looking
// for the previous minor line's newest release.
const (
	probeAbove         = 5
	probePrevMinorFrom = 30
)

// State is what the search remembers between build attempts (build-dapr.sh runs go build, then asks
// `daprbuild next`), kept as JSON beside the build.
type State struct {
	Version        string              `json:"version"`
	Requested      string              `json:"requested"`
	Source         string              `json:"source"`
	SrcHash        string              `json:"src_hash,omitempty"`
	ModuleDir      string              `json:"module_dir"`
	FullLog        string              `json:"full_log"`
	ModCache       string              `json:"modcache"`
	ProbeDir       string              `json:"probe_dir"` // where `go mod download` runs (outside any module)
	MaxRounds      int                 `json:"max_rounds"`
	Attempts       int                 `json:"attempts"`
	Vanished       int                 `json:"vanished"`
	GoDirective    string              `json:"go_directive"`
	Toolchain      string              `json:"toolchain,omitempty"`
	RequireVersion string              `json:"require_version"`
	DaprReplaces   []Replace           `json:"dapr_replaces"`
	Local          []LocalModule       `json:"local_modules"`
	Subs           []Substitution      `json:"substitutions"`
	Tried          map[string][]string `json:"tried"`
	Probed         map[string]Probe    `json:"probed"` // MODULE@VERSION
	NoSumDB        []string            `json:"nosumdb"`
	SkippedSumDB   []string            `json:"checksum_db_skipped"`
}

// Probe: whether the proxy serves MODULE@VERSION here, and where go put it.
type Probe struct {
	Served bool   `json:"served"`
	Dir    string `json:"dir,omitempty"`
}

func loadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fail("cannot read the build state %s: %v", path, err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fail("the build state %s is damaged: %v", path, err)
	}
	if s.Tried == nil {
		s.Tried = map[string][]string{}
	}
	if s.Probed == nil {
		s.Probed = map[string]Probe{}
	}
	return &s, nil
}

func saveState(path string, s *State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fail("cannot write the build state: %v", err)
	}
	return os.Rename(tmp, path)
}

// download MODULE@VERSION: is it served here? A version the proxy serves but the checksum database has no
// record of (github.com/dapr/dapr@v1.16.8 on 2026-12-01) is taken unverified, for that module only, and
// said so; prints GONOSUMDB=... (what it needed) and SKIPPED=... (for build.json).
func cmdDownload(args []string) error {
	fs := flags("download")
	var probeDir string
	fs.StringVar(&probeDir, "probe-dir", ".", "where to run go mod download")
	if err := parse(fs, args); err != nil {
		return err
	}
	m, v, ok := strings.Cut(fs.Arg(0), "@")
	if fs.NArg() != 1 || !ok {
		return fail("daprbuild download MODULE@VERSION")
	}
	s := &State{ProbeDir: probeDir, Probed: map[string]Probe{}, Tried: map[string][]string{}}
	if env := os.Getenv("GONOSUMDB"); env != "" {
		s.NoSumDB = strings.Split(env, ",")
	}
	x := &searcher{s: s, go_: runGo}
	if !x.probe(m, v) {
		return notServed{}
	}
	fmt.Printf("GONOSUMDB=%s\nSKIPPED=%s\n", strings.Join(s.NoSumDB, ","), strings.Join(s.SkippedSumDB, ","))
	return nil
}

// printEnv: what the next go build runs with, as KEY=VALUE lines for build-dapr.sh.
func printEnv(s *State) {
	fmt.Printf("GONOSUMDB=%s\n", strings.Join(s.NoSumDB, ","))
	fmt.Printf("GOTOOLCHAIN=%s\n", s.Toolchain)
}

// prepare: the build module's first go.mod and go.sum, from Dapr's own go.mod.
func cmdPrepare(args []string) error {
	fs := flags("prepare")
	var ctx buildContext
	var statePath, moduleDir, fullLog, modCache, probeDir, localGo string
	var maxRounds int
	fs.StringVar(&statePath, "state", "", "the search state file")
	fs.StringVar(&moduleDir, "module", "", "the build module's folder (holds dapr-src/)")
	fs.StringVar(&fullLog, "log", "", "the build log named in errors")
	fs.StringVar(&modCache, "modcache", "", "go env GOMODCACHE")
	fs.StringVar(&probeDir, "probe-dir", "", "where to run go mod download")
	fs.StringVar(&localGo, "local-go", "", "go env GOVERSION")
	fs.IntVar(&maxRounds, "max-rounds", 8, "build attempts in all")
	var skipped listFlag
	fs.Var(&skipped, "skipped-sumdb", "a module already taken without the checksum database (repeat)")
	ctx.register(fs)
	if err := parse(fs, args, "state", "module", "log", "version", "source"); err != nil {
		return err
	}
	f, err := readGoMod(filepath.Join(moduleDir, "dapr-src", "go.mod"))
	if err != nil {
		return err
	}
	s := &State{Version: ctx.version, Requested: ctx.requested, Source: ctx.source, SrcHash: ctx.srcHash,
		ModuleDir: moduleDir, FullLog: fullLog, ModCache: modCache, ProbeDir: probeDir, MaxRounds: maxRounds,
		GoDirective: "1.24", RequireVersion: requireVersion(ctx.version), DaprReplaces: daprReplaces(f),
		Local: ctx.localModules(), Tried: map[string][]string{}, Probed: map[string]Probe{}}
	if f.Go != nil {
		s.GoDirective = f.Go.Version
	}
	if env := os.Getenv("GONOSUMDB"); env != "" {
		s.NoSumDB = strings.Split(env, ",")
	}
	s.SkippedSumDB = append(s.SkippedSumDB, skipped...)
	if s.Toolchain = toolchainFor(f, localGo, os.Getenv("GOTOOLCHAIN")); s.Toolchain != "" {
		say("Dapr %s needs Go %s (this go is %s): building with GOTOOLCHAIN=%s, from the Go module proxy",
			s.Version, s.GoDirective, localGo, s.Toolchain)
	}
	if err := writeModule(s); err != nil {
		return err
	}
	if err := saveState(statePath, s); err != nil {
		return err
	}
	printEnv(s)
	return nil
}

// ------------------------------------------------------------------------------- reading a go log

var (
	refusedRe = regexp.MustCompile(`[A-Za-z0-9._~/-]+@v[0-9][^\s:/]*: (reading https?://\S*/@v/\S*: (403|404|410)|invalid version|unknown revision|unrecognized import path|git ls-remote)`)
	lookupRe  = regexp.MustCompile(`reading https?://\S*/lookup/([^\s@]+)@v[^\s:]*: (403|404|410)`)
	compileRe = regexp.MustCompile(`\.go:[0-9]+:[0-9]+: `)
	fileRe    = regexp.MustCompile(`^(# \S+|[^\s:]+\.go):?`)
	noiseRe   = regexp.MustCompile(`^([A-Za-z0-9._~/-]+|go: downloading .*)$`)
)

// ModVersion is one MODULE@VERSION.
type ModVersion struct{ Module, Version string }

// refusedIn: the modules (at the version asked) that the proxy refused in a go log, first mention first.
func refusedIn(log string) []ModVersion {
	var out []ModVersion
	seen := map[ModVersion]bool{}
	for _, m := range refusedRe.FindAllString(log, -1) {
		mod, rest, _ := strings.Cut(m, "@")
		ver, _, _ := strings.Cut(rest, ":")
		mv := ModVersion{mod, ver}
		if !seen[mv] {
			seen[mv] = true
			out = append(out, mv)
		}
	}
	return out
}

// unverifiableIn: the modules the checksum database had no record of.
func unverifiableIn(log string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range lookupRe.FindAllStringSubmatch(log, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// implicated: which substituted module a compile error implicates: one whose packages fail, or one the
// failing dapr files import (readFile reads those); else the latest substitution. Ties: the later one.
func implicated(log string, subs []string, modCache, moduleDir string, readFile func(string) ([]byte, error)) string {
	files := map[string]bool{}
	for _, l := range strings.Split(log, "\n") {
		if m := fileRe.FindString(l); m != "" {
			files[strings.TrimSuffix(m, ":")] = true
		}
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	hits := map[string]int{}
	for _, f := range names {
		for _, m := range subs {
			if strings.HasPrefix(f, m+"/") || strings.HasPrefix(f, m+"@") || strings.HasPrefix(f, modCache+"/"+m+"@") ||
				f == "# "+m || strings.HasPrefix(f, "# "+m+"/") {
				hits[m]++
			}
		}
		var path string
		switch {
		case strings.HasPrefix(f, "github.com/dapr/dapr/") && strings.HasSuffix(f, ".go"):
			path = filepath.Join(moduleDir, "dapr-src", strings.TrimPrefix(f, "github.com/dapr/dapr/"))
		case strings.HasPrefix(f, "dapr-src/") && strings.HasSuffix(f, ".go"):
			path = filepath.Join(moduleDir, f)
		default:
			continue
		}
		data, err := readFile(path)
		if err != nil {
			continue
		}
		for _, m := range subs {
			if bytes.Contains(data, []byte(`"`+m)) {
				hits[m]++
			}
		}
	}
	best, max := "", 0
	for _, m := range subs {
		if n := hits[m]; n > 0 && n >= max {
			best, max = m, n
		}
	}
	if best == "" && len(subs) > 0 {
		best = subs[len(subs)-1]
	}
	return best
}

// logTail: the last 20 lines of a go log that say something, without go build -v's package names and
// the download lines (the error comes first, then go finishes what it can).
func logTail(log string) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	var kept []string
	for _, l := range lines {
		if !noiseRe.MatchString(l) {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		kept = lines
	}
	if len(kept) > 20 {
		kept = kept[len(kept)-20:]
	}
	return strings.Join(kept, "\n")
}

// ------------------------------------------------------------------------------- the neighbours

// Candidate: a version to try in place of a wanted one; Prev marks the previous minor line's patches
// (only its newest served one is used).
type Candidate struct {
	Version string
	Prev    bool
}

var semverRe = regexp.MustCompile(`^v([0-9]+)\.([0-9]+)\.([0-9]+)(-.+)?$`)

// neighbours: the versions to try in place of wanted, in order: same minor, newest patch below first;
// then the patches above; then the previous minor line's patches, newest first. listed (what `go list
// -m -versions` reports, when the proxy lists them) is merged in.
func neighbours(wanted string, listed []string) []Candidate {
	m := semverRe.FindStringSubmatch(wanted)
	if m == nil {
		return nil
	}
	maj, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	pat, _ := strconv.Atoi(m[3])
	firstAbove := pat + 1
	if m[4] != "" { // a pre-release or pseudo-version vX.Y.Z-...: the release vX.Y.Z itself is above it
		firstAbove = pat
	}
	listedPatches := func(line int) []int {
		var out []int
		for _, v := range listed {
			if lm := semverRe.FindStringSubmatch(v); lm != nil && lm[4] == "" && lm[1] == m[1] && lm[2] == strconv.Itoa(line) {
				p, _ := strconv.Atoi(lm[3])
				out = append(out, p)
			}
		}
		return out
	}
	var out []Candidate
	for p := pat - 1; p >= 0; p-- {
		out = append(out, Candidate{Version: fmt.Sprintf("v%d.%d.%d", maj, min, p)})
	}
	above := map[int]bool{}
	for p := firstAbove; p <= pat+probeAbove; p++ {
		above[p] = true
	}
	for _, p := range listedPatches(min) {
		if p >= firstAbove {
			above[p] = true
		}
	}
	for _, p := range sortedInts(above, false) {
		out = append(out, Candidate{Version: fmt.Sprintf("v%d.%d.%d", maj, min, p)})
	}
	if min > 0 {
		prev := map[int]bool{}
		for p := probePrevMinorFrom; p >= 0; p-- {
			prev[p] = true
		}
		for _, p := range listedPatches(min - 1) {
			prev[p] = true
		}
		for _, p := range sortedInts(prev, true) {
			out = append(out, Candidate{Version: fmt.Sprintf("v%d.%d.%d", maj, min-1, p), Prev: true})
		}
	}
	return out
}

func sortedInts(set map[int]bool, descending bool) []int {
	out := make([]int, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return (out[i] < out[j]) != descending })
	return out
}

// ------------------------------------------------------------------------------- asking the proxy

// goRunner runs go (the one on PATH: the tests put a stand-in there) in dir with extra environment.
type goRunner func(dir string, env []string, args ...string) (stdout, stderr string, err error)

func runGo(dir string, env []string, args ...string) (string, string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// searcher carries the state and a way to ask go.
type searcher struct {
	s   *State
	go_ goRunner
}

func contains(list []string, x string) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// skipSumDB lets go take MODULE from the proxy without the checksum database; false if it already does.
func (x *searcher) skipSumDB(m string) bool {
	if contains(x.s.NoSumDB, m) {
		return false
	}
	x.s.NoSumDB = append(x.s.NoSumDB, m)
	x.s.SkippedSumDB = append(x.s.SkippedSumDB, m)
	say("the checksum database has no record of %s here; taking it from the Go module proxy unverified (GONOSUMDB)", m)
	return true
}

type downloadAnswer struct {
	Dir   string
	Error string
}

func (x *searcher) download(key string, nosumdb []string) (downloadAnswer, string) {
	out, errText, _ := x.go_(x.s.ProbeDir, []string{"GONOSUMDB=" + strings.Join(nosumdb, ",")}, "mod", "download", "-json", key)
	var a downloadAnswer
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		a = downloadAnswer{Error: strings.TrimSpace(out + " " + errText)}
	}
	if a.Error == "" && a.Dir == "" {
		a.Error = "no folder in go's answer"
	}
	return a, a.Error + " " + errText
}

var (
	sumdbTroubleRe = regexp.MustCompile(`verifying|/lookup/|checksum database`)
	refusedCodeRe  = regexp.MustCompile(`/@v/\S*: (403|404|410)`)
)

// probe: is MODULE@VERSION served? Downloads it (zip included) and remembers the answer and its folder.
func (x *searcher) probe(m, v string) bool {
	key := m + "@" + v
	if p, ok := x.s.Probed[key]; ok {
		return p.Served
	}
	a, text := x.download(key, x.s.NoSumDB)
	if a.Error != "" && sumdbTroubleRe.MatchString(text) && !refusedCodeRe.MatchString(text) {
		// Served, but the checksum database cannot vouch for it here: again without it, for this module only.
		if a2, _ := x.download(key, append(append([]string{}, x.s.NoSumDB...), m)); a2.Error == "" {
			x.skipSumDB(m)
			a = a2
		}
	}
	if a.Error != "" {
		x.s.Probed[key] = Probe{Served: false}
		return false
	}
	x.s.Probed[key] = Probe{Served: true, Dir: a.Dir}
	return true
}

func (x *searcher) listed(m string) []string {
	out, _, err := x.go_(x.s.ProbeDir, nil, "list", "-m", "-versions", m)
	if err != nil {
		return nil
	}
	f := strings.Fields(out)
	if len(f) < 2 {
		return nil
	}
	return f[1:]
}

func fmtList(vs []string) string {
	if len(vs) > 6 {
		return strings.Join(vs[:4], " ") + " ... " + vs[len(vs)-1]
	}
	return strings.Join(vs, " ")
}

// nextSubstitute: the next served, untried substitute for m (wanted w), or "".
func (x *searcher) nextSubstitute(m, w string) string {
	var refused []string
	sayRefused := func() {
		if len(refused) > 0 {
			say("%s: the proxy refuses %s too", m, fmtList(refused))
		}
	}
	prevSeen := false
	for _, c := range neighbours(w, x.listed(m)) {
		v := c.Version
		if c.Prev {
			if prevSeen {
				break
			}
			if p, ok := x.s.Probed[m+"@"+v]; ok && !p.Served {
				continue // said already
			}
			if !x.probe(m, v) {
				refused = append(refused, v)
				continue
			}
			prevSeen = true
			if contains(x.s.Tried[m], v) {
				break
			}
		} else {
			if contains(x.s.Tried[m], v) {
				continue
			}
			if p, ok := x.s.Probed[m+"@"+v]; ok && !p.Served {
				continue // said already
			}
			if !x.probe(m, v) {
				refused = append(refused, v)
				continue
			}
		}
		x.s.Tried[m] = append(x.s.Tried[m], v)
		sayRefused()
		return v
	}
	sayRefused()
	return ""
}

func (x *searcher) sub(m string) *Substitution {
	for i := range x.s.Subs {
		if x.s.Subs[i].Module == m {
			return &x.s.Subs[i]
		}
	}
	return nil
}

func (x *searcher) subModules() []string {
	var out []string
	for _, s := range x.s.Subs {
		out = append(out, s.Module)
	}
	return out
}

// substitute puts in the next served neighbour of m; false if there is none.
func (x *searcher) substitute(m, w string) bool {
	v := x.nextSubstitute(m, w)
	if v == "" {
		return false
	}
	s := x.sub(m)
	if s == nil {
		x.s.Subs = append(x.s.Subs, Substitution{Module: m, Wanted: w})
		s = &x.s.Subs[len(x.s.Subs)-1]
	}
	s.Used = v
	s.ChecksumVerified = !contains(x.s.NoSumDB, m)
	note := ""
	if !s.ChecksumVerified {
		note = " (not in the checksum database)"
	}
	say("trying %s %s in place of %s%s", m, v, s.Wanted, note)
	return true
}

func (x *searcher) triedText(m string) string {
	if len(x.s.Tried[m]) == 0 {
		return ""
	}
	return " " + strings.Join(x.s.Tried[m], " ")
}

var needsGoRe = regexp.MustCompile(`requires go >= ([0-9]+\.[0-9]+(?:\.[0-9]+)?) \(running go ([0-9.]+); GOTOOLCHAIN=local\)`)

// newerToolchain: the Go toolchain a go log says the build needs ("module X requires go >= 1.27.1 (running
// go 1.26.8; GOTOOLCHAIN=local)"), if it is newer than the one the build used; "" otherwise.
func newerToolchain(log, current string) string {
	best := ""
	for _, m := range needsGoRe.FindAllStringSubmatch(log, -1) {
		p := goVersionParts(m[1])
		if p == nil {
			continue
		}
		v := fmt.Sprintf("go%d.%d.%d", p[0], p[1], p[2])
		if goNewer(v, m[2]) && (best == "" || goNewer(v, best)) && (current == "" || goNewer(v, current)) {
			best = v
		}
	}
	return best
}

// decide: after a failed attempt whose output is log, change the state for the next attempt, or fail.
func (x *searcher) decide(log string) error {
	s := x.s
	// A module needs a newer Go than this one: the Go module proxy serves toolchains too (unless the
	// user chose GOTOOLCHAIN, which is then theirs to change).
	if os.Getenv("GOTOOLCHAIN") == "" {
		if tc := newerToolchain(log, s.Toolchain); tc != "" {
			s.Toolchain = tc
			say("Dapr %s needs a newer Go than this one: building with GOTOOLCHAIN=%s, from the Go module proxy", s.Version, tc)
			return nil
		}
	}
	// The checksum database has no record of something a substitute brought in (Dapr's own go.sum
	// covers a plain build).
	if len(s.Subs)+len(s.Local) > 0 {
		progress := false
		for _, m := range unverifiableIn(log) {
			if x.skipSumDB(m) {
				progress = true
			}
		}
		if progress {
			return nil
		}
	}
	// A module the proxy refuses: put in its nearest served neighbour (or the next one, if the last
	// substitute of it is refused too).
	progress := false
	for _, r := range refusedIn(log) {
		if r.Module == "github.com/dapr/dapr" {
			return fail("the Go module proxy refuses github.com/dapr/dapr@%s itself, which is never substituted", r.Version)
		}
		wanted := r.Version
		if sub := x.sub(r.Module); sub != nil {
			if r.Version != sub.Used {
				continue // an older requirement of a module already substituted
			}
			say("%s %s was listed but its download is refused; trying the next neighbour", r.Module, r.Version)
			wanted = sub.Wanted
		}
		say("the Go module proxy refuses %s@%s, which Dapr %s needs; looking for a served neighbour", r.Module, r.Version, s.Version)
		if !x.substitute(r.Module, wanted) {
			compiles := ""
			if t := x.triedText(r.Module); t != "" {
				compiles = " that compiles (tried" + t + ")"
			}
			return fail("Dapr %s needs %s@%s, which the Go module proxy here refuses, and it serves no neighbour of it%s; full log in %s",
				s.Version, r.Module, wanted, compiles, s.FullLog)
		}
		progress = true
	}
	if progress {
		return nil
	}
	// Files vanishing from the module cache under the build (someone ran `go clean -modcache`): nothing
	// to blame on a substitute; the same attempt again, at most twice.
	if s.ModCache != "" && regexp.MustCompile(`open `+regexp.QuoteMeta(s.ModCache)+`/.*: no such file or directory`).MatchString(log) {
		s.Vanished++
		if s.Vanished <= 2 {
			say("files vanished from the Go module cache (%s) during the build; trying the same again", s.ModCache)
			return nil
		}
		return withTail(log, fail("files keep vanishing from the Go module cache (%s) during the build; is something cleaning it? Full log in %s", s.ModCache, s.FullLog))
	}
	// A compile error with substitutes in: the implicated substitute is swapped for its next neighbour.
	if len(s.Subs) > 0 && compileRe.MatchString(log) {
		m := implicated(log, x.subModules(), s.ModCache, s.ModuleDir, os.ReadFile)
		shown := 0
		for _, l := range strings.Split(log, "\n") {
			if compileRe.MatchString(l) && shown < 5 {
				fmt.Fprintln(os.Stderr, "    "+l)
				shown++
			}
		}
		sub := x.sub(m)
		say("Dapr %s does not compile with %s %s; trying its next served neighbour", s.Version, m, sub.Used)
		if x.substitute(m, sub.Wanted) {
			return nil
		}
		return withTail(log, fail("Dapr %s needs %s@%s, which the Go module proxy here refuses, and no served neighbour compiles (tried%s); full log in %s",
			s.Version, m, sub.Wanted, x.triedText(m), s.FullLog))
	}
	return withTail(log, fail("the Dapr %s build failed (%s); full log in %s", s.Version, s.Source, s.FullLog))
}

// tailed: an error shown after the go log lines that explain it.
type tailed struct {
	tail string
	err  error
}

func (t tailed) Error() string { return t.err.Error() }

func withTail(log string, err error) error { return tailed{logTail(log), err} }

// next: one attempt failed (its output in --round-log); decide what the next one builds with.
func cmdNext(args []string) error {
	fs := flags("next")
	var statePath, roundLog string
	fs.StringVar(&statePath, "state", "", "the search state file")
	fs.StringVar(&roundLog, "round-log", "", "the failed attempt's output")
	if err := parse(fs, args, "state", "round-log"); err != nil {
		return err
	}
	s, err := loadState(statePath)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(roundLog)
	if err != nil {
		return fail("cannot read the attempt's log %s: %v", roundLog, err)
	}
	log := string(data)
	s.Attempts++
	x := &searcher{s: s, go_: runGo}
	err = x.decide(log)
	if err == nil && s.Attempts >= s.MaxRounds {
		var subs strings.Builder
		for _, sub := range s.Subs {
			fmt.Fprintf(&subs, "%s %s->%s; ", sub.Module, sub.Wanted, sub.Used)
		}
		err = withTail(log, fail("gave up on Dapr %s after %d build attempts (substituted so far: %sDAPR_BUILD_MAX_ROUNDS raises the bound); full log in %s",
			s.Version, s.MaxRounds, subs.String(), s.FullLog))
	}
	if t, ok := err.(tailed); ok {
		fmt.Fprintln(os.Stderr, t.tail)
		err = t.err
	}
	if err != nil {
		return err
	}
	if err := writeModule(s); err != nil {
		return err
	}
	if err := saveState(statePath, s); err != nil {
		return err
	}
	printEnv(s)
	return nil
}

// record: the build succeeded; build.json says what it was built with.
func cmdRecord(args []string) error {
	fs := flags("record")
	var statePath, out, goVersion string
	var seconds int64
	fs.StringVar(&statePath, "state", "", "the search state file")
	fs.StringVar(&out, "out", "", "the build's folder")
	fs.StringVar(&goVersion, "go-version", "", "the Go toolchain that built it")
	fs.Int64Var(&seconds, "seconds", 0, "how long the build took")
	if err := parse(fs, args, "state", "out", "seconds"); err != nil {
		return err
	}
	s, err := loadState(statePath)
	if err != nil {
		return err
	}
	b := &BuildInfo{DaprVersion: s.Version, DaprVersionRequested: s.Requested, Source: s.Source,
		BuildSource: buildSourceOf(s.Source), SubstitutedModules: s.Subs, ChecksumDBSkipped: s.SkippedSumDB,
		LocalModules: s.Local, SourceSHA256: s.SrcHash, GoVersion: goVersion, BuildSeconds: &seconds,
		BuiltAt: utcStamp(time.Now())}
	path := filepath.Join(out, "build.json")
	if err := writeBuildInfo(path, b); err != nil {
		return err
	}
	// substitutions.tsv: what earlier versions of build-dapr.sh read to repeat the WARNINGs of a cached
	// build; written too, so a kit checkout from before this helper sharing the cache still warns.
	var tsv strings.Builder
	for _, sub := range s.Subs {
		fmt.Fprintf(&tsv, "%s\t%s\t%s\t%t\n", sub.Module, sub.Wanted, sub.Used, sub.ChecksumVerified)
	}
	if tsvPath := filepath.Join(out, "substitutions.tsv"); len(s.Subs) > 0 {
		if err := os.WriteFile(tsvPath, []byte(tsv.String()), 0o644); err != nil {
			return fail("cannot write %s: %v", tsvPath, err)
		}
	}
	for _, sub := range s.Subs {
		warn("Dapr %s was built with %s %s instead of %s (refused by the Go module proxy); see %s", s.Version, sub.Module, sub.Used, sub.Wanted, path)
	}
	return nil
}

package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BuildInfo is build.json: what was built, from where, and every module substituted. Its field names are
// the ones earlier versions of build-dapr.sh wrote, so builds already in the cache stay readable; fields
// added since are optional (build_source is filled in when a cached build is reused).
type BuildInfo struct {
	DaprVersion          string         `json:"dapr_version"`
	DaprVersionRequested string         `json:"dapr_version_requested"`
	Source               string         `json:"source"`       // "proxy", "release" or "local:DIR"
	BuildSource          string         `json:"build_source"` // "proxy", "release" or "src"
	SubstitutedModules   []Substitution `json:"substituted_modules"`
	ChecksumDBSkipped    []string       `json:"checksum_db_skipped"`
	LocalModules         []LocalModule  `json:"local_modules"`
	SourceSHA256         string         `json:"source_sha256,omitempty"`
	Release              *Release       `json:"release,omitempty"`
	GoVersion            string         `json:"go_version,omitempty"`
	BuildSeconds         *int64         `json:"build_seconds"` // null: not known (built before build.json existed)
	BuiltAt              string         `json:"built_at"`
}

type Substitution struct {
	Module           string `json:"module"`
	Wanted           string `json:"wanted"`
	Used             string `json:"used"`
	ChecksumVerified bool   `json:"checksum_verified"`
}

type LocalModule struct {
	Module string `json:"module"`
	Dir    string `json:"dir"`
}

// Release: where an official release's archives came from, and the checksums they were verified against.
type Release struct {
	URL      string           `json:"url"`
	Archives []ReleaseArchive `json:"archives"`
}

type ReleaseArchive struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// buildSourceOf names how a build was made, for build.json files written before build_source existed.
func buildSourceOf(source string) string {
	switch {
	case source == "release":
		return "release"
	case strings.HasPrefix(source, "local:"):
		return "src"
	default:
		return "proxy"
	}
}

func readBuildInfo(path string) (*BuildInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fail("cannot read %s: %v", path, err)
	}
	var b BuildInfo
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fail("%s is not a build record this kit can read: %v", path, err)
	}
	return &b, nil
}

// writeBuildInfo writes path in one step (a reader never sees half a file).
func writeBuildInfo(path string, b *BuildInfo) error {
	for _, l := range []*[]string{&b.ChecksumDBSkipped} {
		if *l == nil {
			*l = []string{}
		}
	}
	if b.SubstitutedModules == nil {
		b.SubstitutedModules = []Substitution{}
	}
	if b.LocalModules == nil {
		b.LocalModules = []LocalModule{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fail("cannot write %s: %v", tmp, err)
	}
	return os.Rename(tmp, path)
}

func utcStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// buildContext: what the caller knows about a build, for a build.json written from scratch.
type buildContext struct {
	version, requested, source, buildSource, srcHash string
	local                                            listFlag // MODULE=DIR
}

func (c *buildContext) register(fs *flag.FlagSet) {
	fs.StringVar(&c.version, "version", "", "the Dapr version built")
	fs.StringVar(&c.requested, "requested", "", "the Dapr version asked for")
	fs.StringVar(&c.source, "source", "", `"proxy" or "local:DIR"`)
	fs.StringVar(&c.srcHash, "src-hash", "", "the source trees' hash (--src builds)")
	fs.Var(&c.local, "local", "MODULE=DIR, a local checkout wired with a replace (repeat)")
}

func (c *buildContext) localModules() []LocalModule {
	var out []LocalModule
	for _, l := range c.local {
		m, d, _ := strings.Cut(l, "=")
		out = append(out, LocalModule{Module: m, Dir: d})
	}
	return out
}

// cached: a build found in the cache is reused. Its build.json gets the version asked for this time (a
// 1.15.8 request served by 1.15.4 says so), and its substitutions are repeated as WARNINGs on every call.
func cmdCached(args []string) error {
	fs := flags("cached")
	var ctx buildContext
	var out, goVersion string
	fs.StringVar(&out, "out", "", "the build's folder (holds bin/ and build.json)")
	fs.StringVar(&goVersion, "go-version", "", "go env GOVERSION, for a build.json written from scratch")
	ctx.register(fs)
	if err := parse(fs, args, "out", "version", "source"); err != nil {
		return err
	}
	path := filepath.Join(out, "build.json")
	var b *BuildInfo
	if _, err := os.Stat(path); os.IsNotExist(err) {
		// Built by a version of build-dapr.sh from before build.json, which substituted nothing.
		built := time.Now()
		if st, err := os.Stat(filepath.Join(out, "bin", "daprd")); err == nil {
			built = st.ModTime()
		}
		b = &BuildInfo{DaprVersion: ctx.version, Source: ctx.source, LocalModules: ctx.localModules(),
			SourceSHA256: ctx.srcHash, GoVersion: goVersion, BuiltAt: utcStamp(built)}
	} else if b, err = readBuildInfo(path); err != nil {
		return err
	}
	if ctx.requested != "" {
		b.DaprVersionRequested = ctx.requested
	}
	if b.BuildSource == "" {
		b.BuildSource = buildSourceOf(b.Source)
	}
	if err := writeBuildInfo(path, b); err != nil {
		return err
	}
	for _, s := range b.SubstitutedModules {
		note := ""
		if !s.ChecksumVerified {
			note = " (not in the checksum database)"
		}
		warn("Dapr %s is built with %s %s instead of %s, which the Go module proxy refuses%s [cached; see %s]",
			b.DaprVersion, s.Module, s.Used, s.Wanted, note, path)
	}
	return nil
}

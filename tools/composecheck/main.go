// composecheck loads a Compose file with the Compose Specification's reference loader
// (github.com/compose-spec/compose-go/v2, the library `docker compose config` is built on) and prints
// the resolved model as JSON, so that tests can check the file where no Docker is installed.
//
//	composecheck [-env] [-profile NAME]... FILE
//
// It does what `docker compose config` does: schema validation, interpolation, normalization, relative
// paths resolved against the file's folder, and the consistency checks (network_mode service:X, depends_on,
// named volumes and networks). All profiles are enabled, and then each profile is loaded alone as well,
// so that a profile which needs a service only another profile enables is caught.
// Interpolation uses only the defaults written in the file (${VAR:-default}), so the output describes
// the file itself; -env lets the environment and a .env file beside it in, as docker compose does.
//
// An invalid file: one "error:" line on stderr, exit 2. A bind mount whose source does not exist is
// only a "warning:" line (docker compose creates it), since build outputs appear at run time.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

type port struct {
	Target    uint32 `json:"target"`
	Published string `json:"published"`
	Protocol  string `json:"protocol"`
	HostIP    string `json:"host_ip,omitempty"`
}

type volume struct {
	Type     string `json:"type"`
	Source   string `json:"source,omitempty"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"read_only"`
}

type dependency struct {
	Condition string `json:"condition"`
	Required  bool   `json:"required"`
}

type service struct {
	Image       string                `json:"image"`
	Profiles    []string              `json:"profiles"`
	Ports       []port                `json:"ports"`
	NetworkMode string                `json:"network_mode,omitempty"`
	DependsOn   map[string]dependency `json:"depends_on"`
	Entrypoint  []string              `json:"entrypoint"`
	Command     []string              `json:"command"`
	Environment map[string]string     `json:"environment"`
	Volumes     []volume              `json:"volumes"`
	Healthcheck []string              `json:"healthcheck,omitempty"`
	User        string                `json:"user,omitempty"`
	WorkingDir  string                `json:"working_dir,omitempty"`
}

type model struct {
	Name       string             `json:"name"`
	File       string             `json:"file"`
	WorkingDir string             `json:"working_dir"`
	Profiles   []string           `json:"profiles"`
	Services   map[string]service `json:"services"`
	Volumes    []string           `json:"volumes"`
}

type profileList []string

func (p *profileList) String() string     { return strings.Join(*p, ",") }
func (p *profileList) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("composecheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	useEnv := fs.Bool("env", false, "interpolate with the environment and a .env file too, as docker compose does")
	var profiles profileList
	fs.Var(&profiles, "profile", "enable only this profile (repeatable; default: every profile, then each alone)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: composecheck [-env] [-profile NAME]... FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return fail(stderr, "bad arguments (composecheck -h)")
	}
	if fs.NArg() != 1 {
		return fail(stderr, "expected exactly one compose file, got %d arguments (composecheck -h)", fs.NArg())
	}
	file, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return fail(stderr, "%v", err)
	}
	if st, err := os.Stat(file); err != nil || st.IsDir() {
		return fail(stderr, "no compose file at %s", file)
	}
	// compose-go reports some things (e.g. an unset variable) through logrus: keep them on stderr, one line each.
	logrus.SetOutput(stderr)
	logrus.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true, DisableColors: true})

	ctx := context.Background()
	all := []string(profiles)
	if len(all) == 0 {
		all = []string{"*"}
	}
	project, err := load(ctx, file, all, *useEnv)
	if err != nil {
		return fail(stderr, "%s: %s", filepath.Base(file), oneLine(err))
	}
	if len(profiles) == 0 {
		// Each profile alone must stand: its services' dependencies and network_mode targets enabled with it.
		for _, p := range sorted(project.AllServices().GetProfiles()) {
			if _, err := load(ctx, file, []string{p}, *useEnv); err != nil {
				return fail(stderr, "%s with only profile %q enabled: %s", filepath.Base(file), p, oneLine(err))
			}
		}
	}

	out := model{
		Name:       project.Name,
		File:       file,
		WorkingDir: project.WorkingDir,
		Profiles:   sorted(project.AllServices().GetProfiles()),
		Services:   map[string]service{},
		Volumes:    []string{},
	}
	for name := range project.Volumes {
		out.Volumes = append(out.Volumes, name)
	}
	sort.Strings(out.Volumes)
	for name, s := range project.Services {
		svc := service{
			Image:       s.Image,
			Profiles:    nonNil(s.Profiles),
			Ports:       []port{},
			NetworkMode: s.NetworkMode,
			DependsOn:   map[string]dependency{},
			Entrypoint:  nonNil([]string(s.Entrypoint)),
			Command:     nonNil([]string(s.Command)),
			Environment: map[string]string{},
			Volumes:     []volume{},
			User:        s.User,
			WorkingDir:  s.WorkingDir,
		}
		for _, p := range s.Ports {
			svc.Ports = append(svc.Ports, port{Target: p.Target, Published: p.Published, Protocol: p.Protocol, HostIP: p.HostIP})
		}
		for dep, cfg := range s.DependsOn {
			svc.DependsOn[dep] = dependency{Condition: cfg.Condition, Required: cfg.Required}
		}
		for k, v := range s.Environment {
			if v != nil {
				svc.Environment[k] = *v
			}
		}
		for _, v := range s.Volumes {
			svc.Volumes = append(svc.Volumes, volume{Type: v.Type, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					fmt.Fprintf(stderr, "warning: service %s mounts %s, which does not exist (yet)\n", name, v.Source)
				}
			}
		}
		if s.HealthCheck != nil {
			svc.Healthcheck = []string(s.HealthCheck.Test)
		}
		out.Services[name] = svc
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fail(stderr, "%v", err)
	}
	return 0
}

func load(ctx context.Context, file string, profiles []string, useEnv bool) (*types.Project, error) {
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithProfiles(profiles),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	}
	if useEnv {
		opts = append(opts, cli.WithOsEnv, cli.WithDotEnv)
	} else {
		opts = append(opts, cli.WithEnv([]string{}))
	}
	options, err := cli.NewProjectOptions([]string{file}, opts...)
	if err != nil {
		return nil, err
	}
	return options.LoadProject(ctx)
}

func fail(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "error: %s\n", fmt.Sprintf(format, args...))
	return 2
}

func oneLine(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	// compose-go's wording for an attribute the schema has no room for: say it plainly.
	if strings.HasSuffix(msg, " false schema") {
		msg += " (an attribute the Compose specification does not define)"
	}
	return msg
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sorted(s []string) []string {
	s = nonNil(append([]string(nil), s...))
	sort.Strings(s)
	return s
}

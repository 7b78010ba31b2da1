// daprbuild: the decisions of tools/build-dapr.sh, in Go.
//
// build-dapr.sh starts the processes (go mod download, go build, the copy of the sources) and keeps the
// cache; this program decides what goes into the module it builds and what is recorded about it:
// reading and writing go.mod files (golang.org/x/mod/modfile), the search for a served substitute of a
// module the Go module proxy refuses, build.json (encoding/json), and the download of an official release
// with its published checksums.
//
// Why a module of its own, and not a package in tools/daprbin: tools/daprbin is copied next to a Dapr
// source tree and built with Dapr's whole dependency graph; its go.mod is written anew for every build.
// This helper must run before that module exists (it writes its go.mod), must not drag golang.org/x/mod
// into Dapr's version selection, and should compile in seconds. build-dapr.sh builds it once per source
// version into the kit's cache (outside the repo) and reuses it.
//
// Every subcommand prints progress as "[dapr-build] ..." lines and each failure as one "error: ..." line
// on stderr, with exit code 2, the same contract as build-dapr.sh itself.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func say(format string, a ...any)  { fmt.Fprintf(os.Stderr, "[dapr-build] "+format+"\n", a...) }
func warn(format string, a ...any) { fmt.Fprintf(os.Stderr, "WARNING: "+format+"\n", a...) }

// failure is an error that ends the program with one "error:" line and exit code 2.
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

func fail(format string, a ...any) error { return failure{fmt.Sprintf(format, a...)} }

// unreachable is a release download that did not happen (no route, no such release, nothing to verify
// against): build-dapr.sh builds from the Go module proxy instead. Exit code 3.
type unreachable struct{ msg string }

func (u unreachable) Error() string { return u.msg }

// notServed: the Go module proxy does not serve the module version asked about. Exit code 1, no line.
type notServed struct{}

func (notServed) Error() string { return "not served" }

type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{
	"check-checkout": {"DIR MODULE FLAG: is DIR a checkout of MODULE (its go.mod's module line)?", cmdCheckCheckout},
	"local-replaces": {"the relative replace targets of a checkout's go.mod, as MODULE<TAB>DIR lines", cmdLocalReplaces},
	"prepare":        {"writes the build module's go.mod and go.sum and the search state", cmdPrepare},
	"next":           {"after a failed attempt: the next substitution (prints GONOSUMDB), or an error", cmdNext},
	"record":         {"writes build.json after a successful build, with a WARNING per substitution", cmdRecord},
	"cached":         {"a cached build: updates build.json, repeats its WARNINGs", cmdCached},
	"download":       {"MODULE@VERSION: is it served (exit 1 if not)? Prints the GONOSUMDB it needs", cmdDownload},
	"fetch-release":  {"downloads and verifies an official release (exit 3: not reachable, build instead)", cmdFetchRelease},
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	c, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "error: daprbuild: unknown command %q (see --help)\n", os.Args[1])
		os.Exit(2)
	}
	err := c.run(os.Args[2:])
	switch e := err.(type) {
	case nil:
	case unreachable:
		say("%s", e.msg)
		os.Exit(3)
	case notServed:
		os.Exit(1)
	default:
		msg := err.Error()
		if f, ok := err.(failure); ok {
			msg = f.msg
		}
		fmt.Fprintf(os.Stderr, "error: %s\n", strings.ReplaceAll(msg, "\n", " "))
		os.Exit(2)
	}
}

func usage() {
	fmt.Println("usage: daprbuild COMMAND [flags]   (called by tools/build-dapr.sh)")
	for _, name := range []string{"check-checkout", "local-replaces", "download", "prepare", "next", "record", "cached", "fetch-release"} {
		fmt.Printf("  %-15s %s\n", name, commands[name].summary)
	}
}

// flags builds a FlagSet whose errors are one "error:" line like every other failure.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string, required ...string) error {
	fs.SetOutput(new(strings.Builder)) // the error comes back as one line below
	if err := fs.Parse(args); err != nil {
		return fail("daprbuild %s: %v", fs.Name(), err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, r := range required {
		if !set[r] {
			return fail("daprbuild %s: --%s is required", fs.Name(), r)
		}
	}
	return nil
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

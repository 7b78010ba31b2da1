package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// The official release location. Dapr's release workflow (.github/workflows/dapr.yml in dapr/dapr, job
// "publish") uploads each binary as NAME_OS_ARCH.tar.gz (the Makefile's archive target: one file, the
// binary, at the archive's top) and, beside each, NAME_OS_ARCH.tar.gz.sha256 written by `sha256sum -b`
// ("HEX *NAME_OS_ARCH.tar.gz"). The Dapr CLI's `dapr init --slim` downloads the same archives.
const DefaultReleaseURL = "https://github.com/dapr/dapr/releases/download"

var releaseBinaries = []string{"daprd", "placement", "scheduler"}

// releaseClient: a short connect timeout (a machine without the route loses seconds, not minutes) and a
// stall timeout instead of a total one (the three archives are ~150 MB on a slow line).
type releaseClient struct {
	http  *http.Client
	stall time.Duration
}

func newReleaseClient(connect time.Duration) *releaseClient {
	dialer := &net.Dialer{Timeout: connect}
	return &releaseClient{
		http: &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   connect + 5*time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
		}},
		stall: 60 * time.Second,
	}
}

// get streams URL into w; a status other than 200 is an error that names it.
func (c *releaseClient) get(url string, w io.Writer) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return httpStatus{resp.StatusCode, url}
	}
	stalled := time.AfterFunc(c.stall, cancel)
	defer stalled.Stop()
	buf := make([]byte, 256<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			stalled.Reset(c.stall)
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("no data for %s from %s", c.stall, url)
			}
			return err
		}
	}
}

type httpStatus struct {
	code int
	url  string
}

func (h httpStatus) Error() string { return fmt.Sprintf("HTTP %d for %s", h.code, h.url) }

var checksumLine = regexp.MustCompile(`^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$`)

// parseChecksum reads a NAME.sha256 file: the hash for name, from a `sha256sum` line ("HEX *NAME" or
// "HEX  NAME"; the name may carry the uploader's folder).
func parseChecksum(data []byte, name string) (string, error) {
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		m := checksumLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m != nil && path.Base(m[2]) == name {
			return strings.ToLower(m[1]), nil
		}
	}
	return "", fmt.Errorf("no sha256 line for %s", name)
}

// extractBinary writes the archive's one file named name to dest, executable.
func extractBinary(archive, name, dest string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s is not a gzip archive: %v", filepath.Base(archive), err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return fmt.Errorf("%s holds no %s", filepath.Base(archive), name)
		}
		if err != nil {
			return fmt.Errorf("%s: %v", filepath.Base(archive), err)
		}
		if h.Typeflag != tar.TypeReg || path.Base(h.Name) != name {
			continue
		}
		out, err := os.OpenFile(dest, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
}

// reachFailure: the location cannot give us the release (no route, no such release, nothing published to
// verify against): the caller builds from the Go module proxy instead.
func reachFailure(version string, started time.Time, err error) error {
	var ne net.Error
	var hs httpStatus
	reason := err.Error()
	switch {
	case errors.As(err, &hs) && hs.code == http.StatusNotFound:
		reason = "not published there: " + reason
	case errors.As(err, &ne) && ne.Timeout():
		reason = "no answer: " + reason
	}
	return unreachable{fmt.Sprintf("no official Dapr %s release download (%s; %.1f s); using a build from the Go module proxy instead",
		version, reason, time.Since(started).Seconds())}
}

// fetch-release: the official daprd, placement and scheduler of a version, verified against the
// release's own checksums, into OUT/bin (nothing installed unless all three verify).
func cmdFetchRelease(args []string) error {
	fs := flags("fetch-release")
	var base, version, requested, out string
	var connect time.Duration
	fs.StringVar(&base, "base", DefaultReleaseURL, "the release location (…/releases/download)")
	fs.StringVar(&version, "version", "", "the Dapr version")
	fs.StringVar(&requested, "requested", "", "the version asked for (default: --version)")
	fs.StringVar(&out, "out", "", "the folder to install bin/ and build.json in")
	fs.DurationVar(&connect, "connect-timeout", 3*time.Second, "how long to wait for a connection")
	if err := parse(fs, args, "version", "out"); err != nil {
		return err
	}
	if requested == "" {
		requested = version
	}
	started := time.Now()
	url := strings.TrimRight(base, "/") + "/v" + version + "/"
	c := newReleaseClient(connect)
	suffix := "_" + runtime.GOOS + "_" + runtime.GOARCH + ".tar.gz"

	tmp := out + ".download"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Join(tmp, "bin"), 0o755); err != nil {
		return fail("cannot create %s: %v", tmp, err)
	}
	defer os.RemoveAll(tmp)
	rel := &Release{URL: url}
	for _, name := range releaseBinaries {
		asset := name + suffix
		var sums strings.Builder
		if err := c.get(url+asset+".sha256", &sums); err != nil {
			return reachFailure(version, started, err)
		}
		want, err := parseChecksum([]byte(sums.String()), asset)
		if err != nil {
			return reachFailure(version, started, fmt.Errorf("%s%s.sha256: %v", url, asset, err))
		}
		if name == releaseBinaries[0] { // said once the location answers: a machine without the route gets one line
			say("downloading the official Dapr %s release from %s (daprd, placement, scheduler for %s/%s)", version, url, runtime.GOOS, runtime.GOARCH)
		}
		archive := filepath.Join(tmp, asset)
		f, err := os.Create(archive)
		if err != nil {
			return fail("cannot write %s: %v", archive, err)
		}
		h := sha256.New()
		err = c.get(url+asset, io.MultiWriter(f, h))
		f.Close()
		if err != nil {
			return reachFailure(version, started, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return fail("checksum mismatch for %s%s: sha256 %s, but the release's %s.sha256 says %s; nothing installed (a damaged or altered download; --no-release builds from the Go module proxy instead)",
				url, asset, got, asset, want)
		}
		if err := extractBinary(archive, name, filepath.Join(tmp, "bin", name)); err != nil {
			return fail("the release archive %s%s: %v; nothing installed", url, asset, err)
		}
		rel.Archives = append(rel.Archives, ReleaseArchive{Name: asset, SHA256: want})
	}
	// The archives are the release's; that the daprd in them is the version asked for is checked too.
	v, err := exec.Command(filepath.Join(tmp, "bin", "daprd"), "--version").Output()
	if got := strings.TrimSpace(string(v)); err != nil || strings.TrimPrefix(got, "v") != version {
		return fail("the downloaded daprd reports version %q (%v), not %s; nothing installed", got, err, version)
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return fail("cannot create %s: %v", out, err)
	}
	seconds := int64(time.Since(started).Round(time.Second).Seconds())
	b := &BuildInfo{DaprVersion: version, DaprVersionRequested: requested, Source: "release", BuildSource: "release",
		Release: rel, BuildSeconds: &seconds, BuiltAt: utcStamp(time.Now())}
	if err := writeBuildInfo(filepath.Join(out, "build.json"), b); err != nil {
		return err
	}
	bin := filepath.Join(out, "bin")
	os.RemoveAll(bin)
	if err := os.Rename(filepath.Join(tmp, "bin"), bin); err != nil {
		return fail("cannot install %s: %v", bin, err)
	}
	say("official Dapr %s release, checksums verified, in %.1f s -> %s", version, time.Since(started).Seconds(), bin)
	fmt.Println(bin)
	return nil
}

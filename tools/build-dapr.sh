#!/usr/bin/env bash
# Dapr's daprd, placement and scheduler, cached outside the repo: the official release where it can be
# reached, else built at that release from the Go module proxy, or built from a local checkout of dapr/dapr.
#
#   tools/build-dapr.sh [VERSION]                     (default: DEFAULT_DAPR_VERSION below, the bug report's)
#   tools/build-dapr.sh --src DIR [--contrib-src DIR] [--durabletask-src DIR] [--version V]
#   tools/build-dapr.sh --help
#
# stdout: exactly one line, the folder that holds the three binaries. Its parent folder holds build.json
# (what was built or downloaded, from where, every module substituted; `build_source` is release, proxy
# or src) and, for builds, build.log. Progress goes to stderr; every failure is one `error: ...` line on
# stderr and exit code 2.
#
# This script starts processes and keeps the cache; the decisions are Go's, in tools/daprbuild (its own
# small module, built once into the cache): reading and writing go.mod (golang.org/x/mod/modfile), the
# search for a substitute of a module the proxy refuses, build.json, and the release download with its
# checksums. github.com/dapr/dapr has `replace` directives in its go.mod, so `go install ...@vX` refuses
# it; we build tools/daprbin, a module of our own that requires it and repeats those replace lines.
#
# VERSION: first the official release archives (base URL: --release-url, DAPR_RELEASE_URL), verified
# against the .sha256 files the release publishes; a machine that cannot reach them loses at most a
# connect timeout (DAPR_RELEASE_CONNECT_TIMEOUT, 3 s) and builds from the Go module proxy instead, saying
# so in one line. A checksum mismatch is an error, and nothing is installed.
#
# Where the proxy does not serve the requested 1.15 patch release, the newest 1.15.x it does serve is
# built instead, loudly, and the version actually built is what every result records. The requested
# github.com/dapr/dapr version is never swapped otherwise.
#
# Where the proxy refuses a module the Dapr version needs (e.g. 1.16.2 asks for components-contrib
# v1.16.3), the nearest version of that module the proxy serves is put in with a `replace` and the build
# retried: same minor line first (newest patch below the wanted one, then the patches above), then the
# previous minor line's newest. Each substitution is one WARNING line on stderr (on every call, cached or
# not) and an entry in build.json. A served neighbour that the checksum database has no record of is used
# with GONOSUMDB for that module only, and build.json says so ("checksum_verified": false).
set -euo pipefail

DEFAULT_DAPR_VERSION=1.15.8
OFFICIAL_RELEASE_URL=https://github.com/dapr/dapr/releases/download

# Build attempts in all (each substitution costs one).
MAX_ROUNDS="${DAPR_BUILD_MAX_ROUNDS:-8}"

usage() {
  cat <<EOF2
usage: tools/build-dapr.sh [--no-release | --release-url URL] [VERSION]
       tools/build-dapr.sh --src DIR [--contrib-src DIR] [--durabletask-src DIR] [--version V]

Gets daprd, placement and scheduler and prints the folder holding them as the last line on stdout;
build.json beside that folder records what it is (build_source: release, proxy or src).

  VERSION              a Dapr release (default $DEFAULT_DAPR_VERSION): the official release archives, checksums
                       verified, else built from the Go module proxy (daprd with the Redis state store
                       and mDNS only); an unserved 1.15.x builds the newest 1.15.x served, loudly
  --release-url URL    where releases are downloaded from (default \$DAPR_RELEASE_URL, else
                       $OFFICIAL_RELEASE_URL); URL/vVERSION/daprd_OS_ARCH.tar.gz(.sha256)
  --no-release         build from the Go module proxy without trying the release (also DAPR_RELEASE_URL=off)
  --src DIR            build a local checkout of dapr/dapr instead (copied; never modified)
  --contrib-src DIR    with --src: use this checkout of dapr/components-contrib
  --durabletask-src DIR  with --src: use this checkout of dapr/durabletask-go
  --version V          with --src: the version to record and stamp (default: the checkout's
                       \`git describe\`, else a module-cache folder's @vX.Y.Z, else "local")
  --helper             build the kit's Go helper (tools/daprbuild) if needed and print its path

Modules the proxy refuses are replaced by their nearest served version, with a WARNING each.
Environment: DURABLE_KIT_CACHE (cache root), DAPR_BUILD_MAX_ROUNDS (build attempts, default 8),
DAPR_RELEASE_URL, DAPR_RELEASE_CONNECT_TIMEOUT (seconds, default 3).
Exit codes: 0 built, downloaded or cached; 2 cannot be had (one "error:" line says why).
EOF2
}

say() { echo "[dapr-build] $*" >&2; }
warn() { echo "WARNING: $*" >&2; }
die() { echo "error: $*" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------------
# Arguments
want=""; src=""; contrib_src=""; dt_src=""; src_version=""; helper_only=0
release_url="${DAPR_RELEASE_URL:-$OFFICIAL_RELEASE_URL}"
while (($#)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --helper) helper_only=1; shift ;;
    --no-release) release_url=off; shift ;;
    --src | --contrib-src | --durabletask-src | --version | --release-url)
      if (($# < 2)) || [[ -z "$2" ]]; then die "$1 needs a value (see --help)"; fi
      case "$1" in
        --src) src="$2" ;; --contrib-src) contrib_src="$2" ;;
        --durabletask-src) dt_src="$2" ;; --version) src_version="$2" ;; --release-url) release_url="$2" ;;
      esac
      shift 2 ;;
    --src=* | --contrib-src=* | --durabletask-src=* | --version=* | --release-url=*)
      v="${1#*=}"; [[ -n "$v" ]] || die "${1%%=*} needs a value (see --help)"
      case "$1" in
        --src=*) src="$v" ;; --contrib-src=*) contrib_src="$v" ;;
        --durabletask-src=*) dt_src="$v" ;; --version=*) src_version="$v" ;; --release-url=*) release_url="$v" ;;
      esac
      shift ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z "$want" ]] || die "one version at a time (got $want and $1)"; want="$1"; shift ;;
  esac
done
if [[ -n "$src" ]]; then
  [[ -z "$want" ]] || die "give either a VERSION or --src DIR, not both (--version V sets the version a checkout records)"
else
  [[ -z "$contrib_src$dt_src$src_version" ]] || die "--contrib-src, --durabletask-src and --version go with --src DIR"
  want="${want:-$DEFAULT_DAPR_VERSION}"
  want="${want#v}"
  [[ "$want" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "not a Dapr version: '$want' (expected e.g. $DEFAULT_DAPR_VERSION)"
fi
[[ "$release_url" == off || "$release_url" =~ ^https?://[^[:space:]]+$ ]] || die "--release-url takes an http(s) URL or 'off', not '$release_url'"
connect_timeout="${DAPR_RELEASE_CONNECT_TIMEOUT:-3}"
[[ "$connect_timeout" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "DAPR_RELEASE_CONNECT_TIMEOUT takes seconds, not '$connect_timeout'"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${DURABLE_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-bugs-kit}"
cache="$cache_root/dapr"
mkdir -p "$cache"
command -v go >/dev/null || die "Go is needed for Dapr's binaries (apt-get install golang, or go.dev)"
[[ "$MAX_ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "DAPR_BUILD_MAX_ROUNDS must be a positive number, not '$MAX_ROUNDS'"

have_bins() { [[ -x "$1/daprd" && -x "$1/placement" && -x "$1/scheduler" ]]; }

# Content hash of a source tree: every file's path and sha256, symlinks by target; .git and dist/ left out.
tree_hash() { # DIR
  (
    cd "$1"
    find . \( -path ./.git -o -path ./dist \) -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    find . \( -path ./.git -o -path ./dist \) -prune -o -type l -printf '%p -> %l\n' | LC_ALL=C sort
  ) | sha256sum | cut -c1-64
}

# One holder of a cache folder at a time (a second caller waits, then finds it there). FD LOCKFILE
hold() {
  command -v flock >/dev/null || return 0
  eval "exec $1>>\"\$2\""
  if ! flock -n "$1"; then
    say "another build of ${2%.lock} is running; waiting for it"
    flock "$1"
  fi
}

# ---------------------------------------------------------------------------------------------------
# The kit's Go helper, built once per version of its source into the cache.
helper_dir="$cache_root/tools/daprbuild-$(tree_hash "$here/daprbuild" | cut -c1-16)"
H="$helper_dir/daprbuild"
if [[ ! -x "$H" ]]; then
  mkdir -p "$helper_dir"
  hold 7 "$helper_dir.lock"
  if [[ ! -x "$H" ]]; then
    say "building the kit's Go helper (tools/daprbuild), once"
    (cd "$here/daprbuild" && GOFLAGS=-buildvcs=false CGO_ENABLED=0 go build -trimpath -o "$H.new" .) >&2 ||
      die "could not build tools/daprbuild (the kit's Go helper; it needs golang.org/x/mod from the Go module proxy); see the lines above"
    mv "$H.new" "$H"
  fi
  exec 7>&-
fi
if ((helper_only)); then echo "$H"; exit 0; fi
export GOFLAGS="-mod=mod -buildvcs=false"

# ---------------------------------------------------------------------------------------------------
# An official release: cached, else downloaded (and verified), else on to the proxy build.
if [[ -z "$src" && "$release_url" != off ]]; then
  rel="$cache/release-$want"
  if ! have_bins "$rel/bin"; then
    mkdir -p "$cache"
    hold 8 "$rel.lock"
  fi
  if have_bins "$rel/bin"; then
    "$H" cached --out "$rel" --version "$want" --requested "$want" --source release || exit 2
    say "cached: official Dapr $want release -> $rel/bin"
    echo "$rel/bin"
    exit 0
  fi
  rc=0
  line="$("$H" fetch-release --base "$release_url" --version "$want" --out "$rel" --connect-timeout "${connect_timeout}s")" || rc=$?
  exec 8>&-
  if ((rc == 0)); then echo "$line"; exit 0; fi
  ((rc == 3)) || exit 2   # the helper said why, in one error: line
fi

# ---------------------------------------------------------------------------------------------------
# What to build, and where the result lives ($out: build.json, build.log, bin/).
modcache="$(go env GOMODCACHE)"
nosumdb="${GONOSUMDB:-}"; toolchain=""; skipped_sumdb=""
# The helper's answers: the environment of the next go command, as KEY=VALUE lines.
take_env() {
  local k v
  while IFS='=' read -r k v; do
    case "$k" in GONOSUMDB) nosumdb="$v" ;; GOTOOLCHAIN) toolchain="$v" ;; SKIPPED) skipped_sumdb="$v" ;; esac
  done <<<"$1"
}
declare -a local_mods=()     # "module<TAB>absolute dir" wired with replace directives
if [[ -z "$src" ]]; then
  # A version we resolved before (possibly to a fallback) is reused without asking the proxy again.
  got=""
  if [[ -f "$cache/resolved-$want" ]]; then
    prev="$(cat "$cache/resolved-$want")"
    have_bins "$cache/$prev/bin" && got="$prev"
  fi
  if [[ -z "$got" ]]; then
    # The one asked for, else (1.15.x only) the newest earlier 1.15 patch served.
    candidates=("$want")
    if [[ "$want" =~ ^1\.15\.([0-9]+)$ ]]; then
      for ((p = BASH_REMATCH[1] - 1; p >= 0; p--)); do candidates+=("1.15.$p"); done
    fi
    for v in "${candidates[@]}"; do
      # Served? (The helper reads go's answer: served but unknown to the checksum database is taken
      # unverified, said so, and recorded in build.json.)
      rc=0; answer="$("$H" download --probe-dir "$cache" "github.com/dapr/dapr@v$v")" || rc=$?
      if ((rc == 0)); then got="$v"; take_env "$answer"; break; fi
      ((rc == 1)) || exit 2
      ((${#candidates[@]} == 1)) || say "the Go module proxy does not serve github.com/dapr/dapr@v$v"
    done
    if [[ -z "$got" ]]; then
      ((${#candidates[@]} == 1)) && die "no Dapr $want here: the Go module proxy does not serve github.com/dapr/dapr@v$want (no such release, or refused)"
      die "no Dapr version among ${candidates[*]} can be downloaded here"
    fi
  fi
  # go mod download puts a module at GOMODCACHE/PATH@VERSION (github.com/dapr/dapr has no capitals to escape).
  dapr_dir="$modcache/github.com/dapr/dapr@v$got"
  [[ "$got" == "$want" ]] || warn "building Dapr $got instead of $want (the newest 1.15 release the proxy serves); results record $got"
  version="$got"; requested="$want"; source_label="proxy"; src_hash=""
  out="$cache/$got"
else
  "$H" check-checkout "$src" github.com/dapr/dapr --src || exit 2
  src="$(cd "$src" && pwd -P)"
  if [[ -n "$contrib_src" ]]; then
    "$H" check-checkout "$contrib_src" github.com/dapr/components-contrib --contrib-src || exit 2
    local_mods+=("github.com/dapr/components-contrib	$(cd "$contrib_src" && pwd -P)")
  fi
  if [[ -n "$dt_src" ]]; then
    "$H" check-checkout "$dt_src" github.com/dapr/durabletask-go --durabletask-src || exit 2
    local_mods+=("github.com/dapr/durabletask-go	$(cd "$dt_src" && pwd -P)")
  fi
  # Relative replace targets in the checkout's own go.mod (../components-contrib) point beside it.
  skip=()
  for lm in ${local_mods[@]+"${local_mods[@]}"}; do skip+=(--skip "${lm%%	*}"); done
  rel_mods="$("$H" local-replaces --checkout "$src" ${skip[@]+"${skip[@]}"})" || exit 2
  while IFS= read -r lm; do [[ -z "$lm" ]] || local_mods+=("$lm"); done <<<"$rel_mods"

  if [[ -n "$src_version" ]]; then
    version="${src_version#v}"
  elif [[ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null || true)" == "$src" ]] &&
    d="$(git -C "$src" describe --tags --always --dirty 2>/dev/null)"; then
    version="${d#v}"
  elif [[ "$(basename "$src")" =~ ^dapr@v([0-9].*)$ ]]; then
    version="${BASH_REMATCH[1]}"   # a module-cache folder: github.com/dapr/dapr@vX.Y.Z
  else
    version="local"
  fi
  [[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z.+_-]*$ ]] || die "--version: '$version' is not a usable version string (letters, digits, . + _ -)"
  requested="$version"
  source_label="local:$src"
  dapr_dir="$src"
  say "hashing the source tree(s) for the cache key"
  src_hash="$(
    {
      echo "dapr $(tree_hash "$src")"
      for lm in ${local_mods[@]+"${local_mods[@]}"}; do echo "${lm%%	*} $(tree_hash "${lm#*	}")"; done
      echo "kit $(tree_hash "$here/daprbin")"
      echo "version $version"
    } | sha256sum | cut -c1-64
  )"
  out="$cache/src-${src_hash:0:16}"
fi
bin="$out/bin"
# What the helper is told about this build: build.json's context.
ctx=(--version "$version" --requested "$requested" --source "$source_label")
[[ -z "$src_hash" ]] || ctx+=(--src-hash "$src_hash")
for lm in ${local_mods[@]+"${local_mods[@]}"}; do ctx+=(--local "${lm%%	*}=${lm#*	}"); done

hold 9 "$out.lock"

# ---------------------------------------------------------------------------------------------------
# Cached: reuse, saying again what it was built with.
if have_bins "$bin"; then
  "$H" cached --out "$out" --go-version "$(go env GOVERSION)" "${ctx[@]}" || exit 2
  [[ -z "$src" ]] && echo "$version" >"$cache/resolved-$want"
  say "cached: Dapr $version ($source_label) -> $bin"
  echo "$bin"
  exit 0
fi

# ---------------------------------------------------------------------------------------------------
# The module we build: tools/daprbin plus a private, writable copy of dapr/dapr.
mod="$out/module"
state="$out/build-state.json"
rm -rf "$mod" "$bin.new" "$out/substitutions.tsv" "$out/build.json" "$state"
mkdir -p "$mod"
cp -r "$here/daprbin/." "$mod/"
# Upstream's tag-less placeholder (cmd/daprd/components/zz_notag.go, a deliberate panic) is swapped for
# our component list in the copy; `go build -overlay` may not touch the module cache.
mkdir -p "$mod/dapr-src"
tar -C "$dapr_dir" --exclude=./.git --exclude=./dist -cf - . | tar -C "$mod/dapr-src" -xf -
chmod -R u+w "$mod/dapr-src"
[[ -f "$mod/dapr-src/cmd/daprd/components/zz_notag.go" ]] ||
  die "this Dapr source has no cmd/daprd/components/zz_notag.go, which the kit's component list replaces; it is laid out differently from the releases this kit knows"
rm "$mod/dapr-src/cmd/daprd/components/zz_notag.go"
cp "$here/daprbin/daprd/components.go.in" "$mod/dapr-src/cmd/daprd/components/zz_kit.go"

log="$out/build.log"
: >"$log"
rlog="$out/round.log"
[[ -z "$skipped_sumdb" ]] || ctx+=(--skipped-sumdb "$skipped_sumdb")
answer="$(GONOSUMDB="$nosumdb" "$H" prepare --state "$state" --module "$mod" --log "$log" --modcache "$modcache" --probe-dir "$cache" \
  --local-go "$(go env GOVERSION)" --max-rounds "$MAX_ROUNDS" "${ctx[@]}")" || exit 2
take_env "$answer"

# ---------------------------------------------------------------------------------------------------
# Build, substituting refused modules, until it builds or nothing is left to try (the helper decides).
say "downloading and compiling daprd (Redis state store + mDNS only), placement and scheduler; ~5-20 min on 2 cores the first time"
start=$SECONDS
round=0
while :; do
  round=$((round + 1))
  rm -rf "$bin.new"; mkdir -p "$bin.new"
  ((round == 1)) || say "attempt $round"
  (cd "$mod" && env CGO_ENABLED=0 GONOSUMDB="$nosumdb" ${toolchain:+GOTOOLCHAIN="$toolchain"} go build -v -trimpath \
    -ldflags "-X github.com/dapr/dapr/pkg/buildinfo.version=$version" -o "$bin.new/" ./daprd ./placement ./scheduler) >"$rlog" 2>&1 9>&- &
  pid=$!
  rstart=$SECONDS
  rclock="$(date -u +%H:%M:%S)"
  shown=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - shown >= 30)) && kill -0 "$pid" 2>/dev/null; then
      shown=$SECONDS
      say "... still compiling: $(grep -cvE '^go: downloading ' "$rlog") packages done, $((SECONDS - start)) s"
    fi
  done
  rc=0; wait "$pid" || rc=$?
  { echo "=== attempt $round (started $rclock, $((SECONDS - rstart)) s, exit $rc), GONOSUMDB=$nosumdb${toolchain:+, GOTOOLCHAIN=$toolchain}"; cat "$rlog"; } >>"$log"
  ((rc != 0)) || break
  answer="$("$H" next --state "$state" --round-log "$rlog")" || exit 2
  take_env "$answer"
done
rm -f "$rlog"

# Record what was built, then make the binaries visible in one step.
gover="$(cd "$mod" && env ${toolchain:+GOTOOLCHAIN="$toolchain"} go env GOVERSION)"
"$H" record --state "$state" --out "$out" --seconds "$((SECONDS - start))" --go-version "$gover" || exit 2
rm -f "$state"
rm -rf "$bin"
mv "$bin.new" "$bin"
[[ -z "$src" ]] && echo "$version" >"$cache/resolved-$want"
say "built Dapr $version ($source_label) in $((SECONDS - start)) s -> $bin"
echo "$bin"

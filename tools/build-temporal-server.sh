#!/usr/bin/env bash
# The official Temporal server and its SQL schema tool, built from one release of go.temporal.io/server
# (Go module proxy) and cached outside the repo by version.
#
#   tools/build-temporal-server.sh [VERSION]     (default: DEFAULT_TEMPORAL_SERVER_VERSION below)
#   tools/build-temporal-server.sh --help
#
# stdout: exactly one line, the folder holding temporal-server (cmd/server), temporal-sql-tool
# (cmd/tools/sql), the release's PostgreSQL schema (schema/postgresql/v12/...) and build.json (what was built,
# with which Go, how long it took). Progress goes to stderr; every failure is one `error: ...` line, exit 2.
#
# The release's own go.mod is the main module: the build runs in its folder of the module cache (read-only,
# -mod=readonly), so the dependency versions are exactly those the release pins, go.sum-checked. Every
# release is built with one Go, GOTOOLCHAIN=go1.27.3 (a Go module itself, from the same proxy; 1.32.2 needs
# Go >= 1.26.10), so that two releases share the compiled packages they have in common (the Go build cache
# keys on the compiler): a second release builds in a fraction of the first one's time.
# DURABLE_KIT_GOTOOLCHAIN=local uses the installed Go where it is new enough.
set -euo pipefail

DEFAULT_TEMPORAL_SERVER_VERSION=1.32.2
TOOLCHAIN="${DURABLE_KIT_GOTOOLCHAIN:-go1.27.3}"
MODULE=go.temporal.io/server

usage() {
  cat <<EOF
usage: tools/build-temporal-server.sh [VERSION]

Builds temporal-server and temporal-sql-tool of one $MODULE release (e.g. 1.32.2, default
$DEFAULT_TEMPORAL_SERVER_VERSION), cached by version, and prints the folder that holds them as the last line on stdout.
A version the proxy does not serve is refused with one error: line naming the versions it lists.
Environment: DURABLE_KIT_CACHE (cache root), DURABLE_KIT_GOTOOLCHAIN (the Go every release is built
with, default go1.27.3; "local" for the installed one).
Exit codes: 0 built or cached; 2 cannot be built (one "error:" line says why).
EOF
}

say() { echo "[temporal-build] $*" >&2; }
die() { echo "error: $*" >&2; exit 2; }

want=""
while (($#)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z "$want" ]] || die "one version at a time (got $want and $1)"; want="$1"; shift ;;
  esac
done
want="${want:-$DEFAULT_TEMPORAL_SERVER_VERSION}"
want="${want#v}"
[[ "$want" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a Temporal server version: '$want' (expected e.g. $DEFAULT_TEMPORAL_SERVER_VERSION)"

cache="${DURABLE_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-bugs-kit}/temporal-server"
out="$cache/$want"
have() { [[ -x "$1/temporal-server" && -x "$1/temporal-sql-tool" && -f "$1/build.json" && -d "$1/schema/postgresql/v12" ]]; }
if have "$out"; then echo "$out"; exit 0; fi

command -v go >/dev/null || die "Go is needed to build the Temporal server (apt-get install golang-go, or the Go toolchain)"
mkdir -p "$cache"
# One build of a version at a time, across checkouts (the cache is shared); the loser waits and reuses it.
exec 8>>"$cache/.lock-$want"
if ! flock -n 8; then
  say "another build of $want is running; waiting for it"
  flock 8
fi
if have "$out"; then echo "$out"; exit 0; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"; [[ -n "${ticker:-}" ]] && kill "$ticker" 2>/dev/null || true' EXIT
export GOFLAGS="-buildvcs=false -mod=readonly"
started=$SECONDS

say "resolving $MODULE@v$want (Go module proxy)"
# -json reports a refusal in its "Error" field, with the proxy's status (e.g. 403 Forbidden / 404 Not Found).
toolchain="$TOOLCHAIN"
if ! json="$(cd "$work" && GOTOOLCHAIN="$toolchain" go mod download -json "$MODULE@v$want" 2>"$work/download.err")"; then
  why="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' | head -1)"
  if [[ "$why" =~ ([0-9]{3}\ [A-Z][A-Za-z\ ]*) ]]; then
    served="$(cd "$work" && GOTOOLCHAIN="$toolchain" go list -m -versions "$MODULE" 2>/dev/null | cut -d' ' -f2- | sed 's/ /, /g')"
    die "the Go module proxy does not serve $MODULE@v$want (${BASH_REMATCH[1]% }); it lists: ${served:-nothing}"
  fi
  die "cannot download $MODULE@v$want: ${why:-$(tail -1 "$work/download.err")}"
fi
src="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
[[ -n "$src" && -f "$src/go.mod" && -d "$src/cmd/server" && -d "$src/cmd/tools/sql" ]] ||
  die "$MODULE@v$want downloaded, but its source has no cmd/server and cmd/tools/sql (got '$src')"
[[ -d "$src/schema/postgresql/v12/temporal/versioned" && -d "$src/schema/postgresql/v12/visibility/versioned" ]] ||
  die "$MODULE@v$want has no schema/postgresql/v12 folders: this kit sets up PostgreSQL with them"

# The Go the release asks for (its go directive), against the one it will be built with.
need_go="$(sed -n 's/^go \([0-9][0-9.]*\)[[:space:]]*$/\1/p' "$src/go.mod" | head -1)"
gover="$(cd "$work" && GOTOOLCHAIN="$toolchain" go env GOVERSION)" || die "GOTOOLCHAIN=$toolchain cannot be had from the Go module proxy"
if [[ -n "$need_go" ]] && [[ "$(printf '%s\n%s\n' "$need_go" "${gover#go}" | sort -V | tail -1)" != "${gover#go}" ]]; then
  die "v$want needs Go $need_go; GOTOOLCHAIN=$toolchain is $gover (set DURABLE_KIT_GOTOOLCHAIN to go1.27.3 or newer)"
fi

say "building temporal-server and temporal-sql-tool $want with $gover (cold: minutes on 2 cores; cached afterwards)"
: >"$work/build.log"
# Progress: how many packages the go command has compiled so far, every 30 s.
( while sleep 30; do say "  $((SECONDS - started)) s: $(wc -l <"$work/build.log") packages compiled"; done ) &
ticker=$!
rc=0
(cd "$src" && GOTOOLCHAIN="$toolchain" go build -v -trimpath -o "$work/bin/" ./cmd/server ./cmd/tools/sql) >>"$work/build.log" 2>&1 || rc=$?
kill "$ticker" 2>/dev/null || true; ticker=""
if ((rc != 0)); then
  mkdir -p "$cache/logs"; cp "$work/build.log" "$cache/logs/build-$want.log"
  die "go build of $MODULE@v$want failed (exit $rc): $(grep -m1 -v '^[a-z0-9./_-]*$' "$work/build.log" || tail -1 "$work/build.log"); log: $cache/logs/build-$want.log"
fi

rm -rf "$out.new"
mkdir -p "$out.new/schema/postgresql"
mv "$work/bin/server" "$out.new/temporal-server"
mv "$work/bin/sql" "$out.new/temporal-sql-tool"
cp -r "$src/schema/postgresql/v12" "$out.new/schema/postgresql/"
chmod -R u+w "$out.new/schema"
cp "$work/build.log" "$out.new/build.log"
secs=$((SECONDS - started))
# Every value below is checked above (a version, a Go version, whole numbers): no escaping needed.
cat >"$out.new/build.json" <<EOF
{"module": "$MODULE", "version": "$want", "go": "$gover", "gotoolchain": "$toolchain", "packages_compiled": $(wc -l <"$work/build.log"), "build_seconds": $secs, "built_at": "$(date -u +%FT%TZ)"}
EOF
rm -rf "$out"
mv "$out.new" "$out"
say "built $MODULE@v$want in ${secs} s ($(du -m "$out/temporal-server" | cut -f1) MB server): $out"
echo "$out"

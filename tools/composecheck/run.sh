#!/usr/bin/env bash
# Validate a Compose file with compose-go (the loader `docker compose config` uses) and print its
# resolved model as JSON, the last thing on stdout. No Docker needed.
#
#   tools/composecheck/run.sh [-env] [-profile NAME]... [FILE]     (FILE: the repo's docker-compose.yml)
#
# Builds tools/composecheck with Go on first use, and again whenever its sources or the Go version
# change, into the kit's cache outside the repository. Exit codes: 0 valid, 2 invalid (one "error:"
# line), 3 Go is not installed, 1 the build failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${DURABLE_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-bugs-kit}/composecheck"
bin="$cache/composecheck"

command -v go >/dev/null || { echo "error: Go is needed to build tools/composecheck (apt-get install golang, or go.dev)" >&2; exit 3; }

# The build is current when it was made from these very sources by this very Go.
stamp="$({ go version; cat "$here/go.mod" "$here/go.sum" "$here"/*.go; } | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$bin" || "$(cat "$bin.stamp" 2>/dev/null)" != "$stamp" ]]; then
  echo "[composecheck] building with $(go version | cut -d' ' -f3) (first use or sources changed)" >&2
  mkdir -p "$cache"
  tmp="$(mktemp "$cache/composecheck.XXXXXX")"
  trap 'rm -f "$tmp"' EXIT
  (cd "$here" && go build -buildvcs=false -o "$tmp" .) >&2 || { echo "error: building tools/composecheck failed" >&2; exit 1; }
  mv -f "$tmp" "$bin"
  echo "$stamp" >"$bin.stamp"
fi

args=("$@")
# No file among the arguments: the repository's own docker-compose.yml.
if [[ ${#args[@]} -eq 0 || "${args[-1]}" == -* || ( ${#args[@]} -ge 2 && "${args[-2]}" == -profile ) ]]; then
  args+=("$here/../../docker-compose.yml")
fi
exec "$bin" "${args[@]}"

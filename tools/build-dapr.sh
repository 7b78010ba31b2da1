#!/usr/bin/env bash
# Build daprd, placement and scheduler at a Dapr version from the Go module proxy, cached outside the repo.
#
#   tools/build-dapr.sh [VERSION]      (default 1.15.8, the bug report's)
#
# Prints the folder that holds the three binaries as its last line. github.com/dapr/dapr has
# `replace` directives in its go.mod, so `go install ...@vX` refuses it; we write a small module of
# our own (tools/daprbin) that requires it and repeats those replace lines.
#
# Where the proxy does not serve the requested 1.15 patch release, the newest 1.15.x it does serve
# is built instead, loudly, and the version actually built is what every result records.
set -euo pipefail

want="${1:-1.15.8}"
want="${want#v}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${DURABLE_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-bugs-kit}/dapr"
mkdir -p "$cache"
say() { echo "[dapr-build] $*" >&2; }

command -v go >/dev/null || { say "error: Go is needed to build Dapr (apt-get install golang, or go.dev)"; exit 2; }

# A version we resolved before (possibly to a fallback) is reused without asking the proxy again.
if [[ -f "$cache/resolved-$want" ]]; then
  got="$(cat "$cache/resolved-$want")"
  if [[ -x "$cache/$got/bin/daprd" && -x "$cache/$got/bin/placement" && -x "$cache/$got/bin/scheduler" ]]; then
    echo "$cache/$got/bin"; exit 0
  fi
fi

# Which version to build: the one asked for, else (1.15.x only) the newest earlier 1.15 patch served.
candidates=("$want")
if [[ "$want" =~ ^1\.15\.([0-9]+)$ ]]; then
  for ((p = BASH_REMATCH[1] - 1; p >= 0; p--)); do candidates+=("1.15.$p"); done
fi
got=""; gomod=""; srcdir=""
for v in "${candidates[@]}"; do
  if json="$(cd "$cache" && GOFLAGS=-mod=mod go mod download -json "github.com/dapr/dapr@v$v" 2>/dev/null)"; then
    got="$v"
    gomod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$json")"
    srcdir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
    break
  fi
  say "the Go module proxy does not serve github.com/dapr/dapr@v$v"
done
[[ -n "$got" ]] || { say "error: no Dapr version among ${candidates[*]} can be downloaded here"; exit 2; }
[[ "$got" == "$want" ]] || say "WARNING: building Dapr $got instead of $want (the newest 1.15 release the proxy serves); results record $got"

out="$cache/$got"
if [[ -x "$out/bin/daprd" && -x "$out/bin/placement" && -x "$out/bin/scheduler" ]]; then
  echo "$got" >"$cache/resolved-$want"; echo "$out/bin"; exit 0
fi

mod="$out/module"
rm -rf "$mod"; mkdir -p "$mod" "$out/bin"
cp -r "$here/daprbin/." "$mod/"
goversion="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod" | head -1)"
{
  echo "module durablebugskit/daprbin"
  echo
  echo "go ${goversion:-1.24}"
  echo
  echo "require github.com/dapr/dapr v$got"
  echo
  echo "// Repeated from github.com/dapr/dapr's own go.mod: replace directives apply only in the main module."
  # Both forms: `replace a => b v` and the parenthesised block; comments dropped.
  awk '
    /^replace[[:space:]]*\($/ { inblock = 1; next }
    inblock && /^\)/           { inblock = 0; next }
    inblock { sub(/\/\/.*/, ""); if ($0 ~ /=>/) print "replace " $0; next }
    /^replace[[:space:]]+[^(]/ { sub(/\/\/.*/, ""); print }
  ' "$gomod" | sed 's/[[:space:]]\+/ /g'
} >"$mod/go.mod"

# Dapr's own go.sum holds the hashes of everything it builds with: go checks downloads against
# those, so nothing needs the checksum database (which does not answer for every dapr module here).
cp "$srcdir/go.sum" "$mod/go.sum"

# Upstream's tag-less placeholder (cmd/daprd/components/zz_notag.go, a deliberate panic) is swapped for
# our component list in a private copy of the module; `go build -overlay` may not touch the module cache.
cp -r "$srcdir" "$mod/dapr-src"
chmod -R u+w "$mod/dapr-src"
rm "$mod/dapr-src/cmd/daprd/components/zz_notag.go"
cp "$here/daprbin/daprd/components.go.in" "$mod/dapr-src/cmd/daprd/components/zz_kit.go"
echo "replace github.com/dapr/dapr => ./dapr-src" >>"$mod/go.mod"

say "downloading and compiling daprd (Redis state store + mDNS only), placement and scheduler; ~10-20 min on 2 cores the first time"
log="$out/build.log"
(cd "$mod" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -v -trimpath -ldflags "-X github.com/dapr/dapr/pkg/buildinfo.version=$got" -o "$out/bin/" ./daprd ./placement ./scheduler) >"$log" 2>&1 &
pid=$!
start=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
  sleep 20
  kill -0 "$pid" 2>/dev/null && say "... still compiling: $(wc -l <"$log") packages done, $((SECONDS - start)) s"
done
if ! wait "$pid"; then
  missing="$(grep -o '[a-z0-9./-]*@v[0-9][^:]*: reading [^ ]*: 403' "$log" | head -1 | cut -d: -f1 || true)"
  if [[ -n "$missing" ]]; then
    say "error: Dapr $got needs $missing, which the Go module proxy here does not serve; try another version"
    exit 2
  fi
  tail -20 "$log" >&2
  say "error: the Dapr build failed; full log in $log"
  exit 1
fi
say "built Dapr $got in $((SECONDS - start)) s -> $out/bin"
echo "$got" >"$cache/resolved-$want"
echo "$out/bin"

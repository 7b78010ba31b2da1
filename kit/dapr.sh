# shellcheck shell=bash
# The Dapr reproduction (sourced by reproduce_issue.sh): Redis, placement, scheduler, DaprApp and its
# sidecar as local processes; create the workflows, lose their state, observe. Processes only: the app
# records every execution and kit/DaprReport.java makes the figures and the verdict.

# The newest served patch of each line from 1.14 to 1.18, and the fix boundaries: 1.16.0 and 1.16.2
# (dapr/dapr#9157), 1.18.2 and 1.18.3 (#10332); 1.15.8 builds as 1.15.4, the newest 1.15 the proxy serves.
DAPR_MATRIX_DEFAULT=1.14.4,1.15.8,1.16.0,1.16.2,1.16.8,1.17.5,1.18.2,1.18.3

dapr_usage() {
  sed "s/DEFAULT_MATRIX/$DAPR_MATRIX_DEFAULT/" <<'EOF'
Usage: ./reproduce_issue.sh [--mode kill|ttl|ttl-no-restart|crossapp] [--dapr-version V[,V...] | --dapr-matrix [--dapr-versions V,V...]] [--dapr-src DIR]
                            [--workflows N] [--wait-before-kill S] [--outage S] [--observe S] [--ttl S]
                            [--cost-per-call USD] [--activity-seconds S] [--down] [--docker]

Starts Redis, Dapr placement, scheduler and sidecar and DaprApp as local processes, creates workflows,
loses their state, and counts the activity executions that still run without it. An execution counts as
orphaned only when the sidecar says "no such instance" twice and Redis holds none of the instance's keys.

  --mode kill             SIGKILL Redis and the sidecar mid-run, restart them (the seed's illustration; default)
  --mode ttl              the production path: a state store TTL shorter than the workflow; once the state has
                          expired, the sidecar alone restarts (a deploy, a rescheduled pod), Redis untouched
  --mode ttl-no-restart   the TTL expires and nothing restarts (what that does, honestly classified)
  --mode crossapp         dapr/dapr#10332 (1.18.0-1.18.2): the workflow's activities run in a second app; SIGKILL the
                          workflow's Redis and sidecar while they run, so their results cannot be delivered,
                          then restart them: the engine verdict tells whether the queued results retry forever
  --dapr-version V        Dapr to build and run (default 1.15.8, the report's; where the Go module proxy lacks
                          it, the newest 1.15.x it serves). A comma list runs each on a clean stack, side by
                          side: 1.15.8,1.16.2 is the bug next to the upstream fix (dapr/dapr#9157)
  --dapr-src DIR          build from a local dapr/dapr checkout instead (with --contrib-src, --durabletask-src)
  --workflows N           workflows created before the loss (default 1; the seed's scale scenario had 50)
  --wait-before-kill S    seconds between creating the workflows and the kill (default 45)
  --outage S              kill mode: seconds Redis and the sidecar stay down (default 10)
  --observe S             seconds to observe after the loss (default 30)
  --ttl S                 ttl modes: the state store's ttlInSeconds (default 5)
  --cost-per-call USD     what one activity execution costs, for the projection (default 0.03)
  --activity-seconds S    how long an activity with a live workflow runs (default 10, as in the seed)
  --down                  stop a stack an earlier run left up, and exit (the stack stays up otherwise)
  --docker                use Docker Compose (profile dapr) instead of local processes
  --dapr-matrix           run a release matrix, each release on a clean stack in the mode asked: matrix.md,
                          matrix.csv and matrix.png, both verdicts (the app's and daprd's own counters) per release;
                          a release that does not build or run is a row that says why, and the matrix goes on.
                          Default releases: DEFAULT_MATRIX
  --dapr-versions V,V...  the matrix's releases (implies --dapr-matrix)
EOF
}

# Every port of the stack lies below 32768, outside Linux's ephemeral range (32768-60999), and stays there
# with any DURABLE_KIT_PORT_OFFSET (up to 5000). Inside it (Dapr's own 50001, 50005, 9090..., as the kit
# had them) the kernel lends a free port to any program's outgoing connection, whose TIME-WAIT then
# refuses our server the port for 60 s while nothing listens there, and a connect probe of a free port can
# even meet itself (a self-connection) and report a listener: the "port 59092 is in use" of a run just after
# another, and the daprd that "failed to listen" right after the check had found the port free.
APP_PORT=8999 DAPR_HTTP=3500 DAPR_GRPC=25001 REDIS_PORT=6380 PLACEMENT_PORT=25005 SCHEDULER_PORT=25006
DAPR_METRICS_PORT=25092 ETCD_PORT=25070
PLACEMENT_HEALTH_PORT=25080 PLACEMENT_METRICS_PORT=25090 SCHEDULER_HEALTH_PORT=25081 SCHEDULER_METRICS_PORT=25091 ETCD_PEER_PORT=25071
ETCD_HTTP_PORT=25072 PLACEMENT_RAFT_PORT=25011
APP_B_PORT=8998 DAPR_B_HTTP=3501 DAPR_B_GRPC=25002 REDIS_B_PORT=6381 DAPR_B_METRICS_PORT=25093 # the crossapp mode's second app
DAPR_PORT_VARS=(APP_B_PORT DAPR_B_HTTP DAPR_B_GRPC REDIS_B_PORT DAPR_B_METRICS_PORT
  APP_PORT DAPR_HTTP DAPR_GRPC REDIS_PORT PLACEMENT_PORT SCHEDULER_PORT DAPR_METRICS_PORT ETCD_PORT
  PLACEMENT_HEALTH_PORT PLACEMENT_METRICS_PORT SCHEDULER_HEALTH_PORT SCHEDULER_METRICS_PORT ETCD_PEER_PORT ETCD_HTTP_PORT PLACEMENT_RAFT_PORT)
for _p in "${DAPR_PORT_VARS[@]}"; do
  printf -v "$_p" '%d' $((${!_p} + KIT_PORT_OFFSET)) # DURABLE_KIT_PORT_OFFSET moves the whole stack
done
APP_URL="http://127.0.0.1:$APP_PORT"

sidecar_healthy() { # SECONDS [NAME]: whether daprd's /v1.0/healthz answered 204 within them (NAME: watch that process)
  local i
  for ((i = 0; i < $1 * 10; i++)); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DAPR_HTTP/v1.0/healthz")" == 204 ]] && return 0
    [[ -n "${2:-}" ]] && alive_or_die "$2" "the Dapr sidecar" "before it became healthy"
    sleep 0.1
  done
  return 1
}
app_healthy() { curl -sf -o /dev/null "$APP_URL/health"; }
wait_app() {
  local i
  for ((i = 0; i < 1200; i++)); do
    app_healthy && return 0
    [[ $STACK == local ]] && alive_or_die app DaprApp "before it answered /health"
    sleep 0.1
  done
  tail -20 "$RUN_DIR/app.log" >&2; die "DaprApp did not answer /health within 120 s (log: $RUN_DIR/app.log)"
}
instance_code() { curl -s -o /dev/null -w '%{http_code}' "$APP_URL/workflow/$1"; }
now_ms() { date +%s%3N; }

# Visible progress, from the app's log lines (a display only: the figures come from its records), and a
# check, every second, that every process of the stack is still there: a process that dies ends the run as
# an error (which one, when, its last log line), never as a verdict read from a half-dead stack.
countdown() { # SECONDS WHAT [END]: END, epoch seconds, when given, ends it (by the clock: the checks take time too)
  local s ran orphaned end=${3:-$((EPOCHSECONDS + $1))} shown=-1
  while ((EPOCHSECONDS < end)); do
    s=$((end - EPOCHSECONDS))
    stack_alive "$s s left $2"
    if (( (s % 5 == 0 || s == $1) && s != shown )); then
      shown=$s
      ran="$(grep -c '^Hello world!\|^No workflow state found\|^Activity for' "$RUN_DIR/app.log" || true)"
      orphaned="$(grep -c '^No workflow state found' "$RUN_DIR/app.log" || true)"
      printf '   %3d s left %s; activity executions so far: %s (orphaned %s)\n' "$s" "$2" "$ran" "$orphaned" >&2
    fi
    sleep 1
  done
}

# The processes that must be up: the app, and (on the local stack) Redis, placement, scheduler and the sidecar.
STACK_ROLES=(app redis placement scheduler daprd)
role_log() { [[ $1 == daprd ]] && echo "$RUN_DIR/daprd.$DAPRD_N.log" || echo "$RUN_DIR/$1.log"; }
# crossapp mode: the activities' app, its sidecar and its own Redis (the activities' state is not lost)
CROSSAPP_ROLES=(app-b redis-b daprd-b)
role_title() {
  case "$1" in
    app) echo "DaprApp" ;; daprd) echo "the Dapr sidecar (daprd)" ;; redis) echo "Redis" ;;
    app-b) echo "the activities' DaprApp" ;; daprd-b) echo "the activities' sidecar (daprd)" ;; redis-b) echo "the activities' Redis" ;;
    *) echo "the Dapr $1" ;;
  esac
}
stack_alive() { # WHEN: every role's process is alive, else the run ends as an error saying which died and when
  roles_alive "$1"
  if ! app_healthy; then
    sleep 0.5; roles_alive "$1" # a process just killed may not be reaped yet: name it if it died
    dapr_fail "DaprApp stopped answering ($1)"
  fi
}
roles_alive() { # WHEN
  local r pid last
  if [[ $STACK == local ]]; then
    local roles=("${STACK_ROLES[@]}")
    [[ $MODE == crossapp ]] && roles+=("${CROSSAPP_ROLES[@]}")
    for r in "${roles[@]}"; do
      pid="$(pid_of "$r")"
      if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
        last="$(grep -v '^===' "$(role_log "$r")" 2>/dev/null | tail -1 | cut -c1-200)"
        dapr_fail "$(role_title "$r") (pid ${pid:-?}) died by $(date '+%T') ($1)${last:+; its last log line: $last}"
      fi
    done
  fi
}

# The engine's own evidence: daprd's Prometheus counters at a named moment (before-loss, after-restart,
# last-third, end), written as metrics/MS-N-LABEL.prom, or .failed with why it could not be read;
# kit/DaprReport.java reads them. Never a zero for a read that failed.
read_metrics() { # LABEL
  local f="$RUN_DIR/metrics/$(now_ms)-$DAPRD_N-$1" err
  mkdir -p "$RUN_DIR/metrics"
  if err="$(curl -sS -f -m 5 -o "$f.prom" "http://127.0.0.1:$DAPR_METRICS_PORT/metrics" 2>&1)"; then return 0; fi
  rm -f "$f.prom"; echo "GET :$DAPR_METRICS_PORT/metrics: ${err:-no answer}" >"$f.failed"
}
# The scheduler's jobs at the end, from its embedded etcd as Dapr's integration tests list them ("dapr/jobs/"
# keys; the v3 JSON gateway on the etcd client port): scheduler-jobs.json, or .failed with why not.
read_jobs() {
  local f="$RUN_DIR/scheduler-jobs" err
  if [[ -z "${ETCD_CLIENT:-}" ]]; then echo "this scheduler's etcd client port is not known (no --etcd-client-port flag)" >"$f.failed"; return 0; fi
  # keys_only over [dapr/jobs/, dapr/jobs0): base64 of both ends
  if err="$(curl -sS -f -m 5 -o "$f.json" -X POST "http://127.0.0.1:$ETCD_CLIENT/v3/kv/range" \
    -d '{"key": "ZGFwci9qb2JzLw==", "range_end": "ZGFwci9qb2JzMA==", "keys_only": true}' 2>&1)"; then return 0; fi
  rm -f "$f.json"; echo "POST :$ETCD_CLIENT/v3/kv/range: ${err:-no answer}" >"$f.failed"
}

# Each release line's scheduler has its own flags (1.14's refuses --etcd-client-port): read them from its --help.
scheduler_flags() {
  local help
  help="$("$DAPR_BIN/scheduler" --help 2>&1 || true)"
  SCHEDULER_FLAGS=(--port "$SCHEDULER_PORT" --listen-address 127.0.0.1 --healthz-port "$SCHEDULER_HEALTH_PORT"
    --metrics-port "$SCHEDULER_METRICS_PORT" --etcd-data-dir "$1")
  ETCD_CLIENT=""
  if grep -q -- '-etcd-client-port ' <<<"$help"; then
    SCHEDULER_FLAGS+=(--etcd-client-port "$ETCD_PORT"); ETCD_CLIENT="$ETCD_PORT"
  elif grep -q -- '-etcd-client-ports ' <<<"$help"; then
    SCHEDULER_FLAGS+=(--etcd-client-ports "dapr-scheduler-server-0=$ETCD_PORT"); ETCD_CLIENT="$ETCD_PORT"
  fi
  if grep -q -- '-etcd-client-http-ports ' <<<"$help"; then
    SCHEDULER_FLAGS+=(--etcd-client-http-ports "dapr-scheduler-server-0=$ETCD_HTTP_PORT"); ETCD_CLIENT="$ETCD_HTTP_PORT"
  fi
  if grep -q -- '-etcd-initial-cluster ' <<<"$help"; then
    SCHEDULER_FLAGS+=(--etcd-initial-cluster "dapr-scheduler-server-0=http://localhost:$ETCD_PEER_PORT")
  elif grep -q -- '-initial-cluster ' <<<"$help"; then
    SCHEDULER_FLAGS+=(--initial-cluster "dapr-scheduler-server-0=http://localhost:$ETCD_PEER_PORT")
  fi
  if grep -q -- '-id ' <<<"$help"; then SCHEDULER_FLAGS+=(--id dapr-scheduler-server-0); fi
}

# ------------------------------------------------------------------------------ the local stack
DAPRD_N=0
start_daprd() {
  DAPRD_N=$((DAPRD_N + 1))
  # Its metrics and its internal gRPC API listen on every interface unless told otherwise (releases that have the flags).
  local lo=() f help; help="$("$DAPR_BIN/daprd" --help 2>&1 || true)"
  for f in --metrics-listen-address --dapr-internal-grpc-listen-address; do
    if grep -q -- "$f" <<<"$help"; then lo+=("$f" 127.0.0.1); else warn "daprd of Dapr $BUILT has no $f: that port listens on every interface"; fi
  done
  start_bg daprd "$RUN_DIR/daprd.$DAPRD_N.log" env DAPR_HOST_IP=127.0.0.1 "$DAPR_BIN/daprd" --app-id hello-app --app-port "$APP_PORT" \
    --dapr-http-port "$DAPR_HTTP" --dapr-grpc-port "$DAPR_GRPC" --metrics-port "$DAPR_METRICS_PORT" --dapr-listen-addresses 127.0.0.1 \
    --placement-host-address "localhost:$PLACEMENT_PORT" --scheduler-host-address "localhost:$SCHEDULER_PORT" \
    --resources-path "$RESOURCES" --config "$KIT/dapr/config.yaml" --log-level info "${lo[@]}"
  sidecar_healthy 60 daprd && return 0
  tail -20 "$RUN_DIR/daprd.$DAPRD_N.log" >&2; die "the Dapr sidecar did not become healthy within 60 s (log: $RUN_DIR/daprd.$DAPRD_N.log)"
}
start_redis() {
  start_bg redis "$RUN_DIR/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
  wait_port "$REDIS_PORT" 20 "Redis" redis
}

# Builds (or finds cached) the binaries of VERSION (or src:DIR): sets DAPR_BIN, BUILD_INFO and BUILT. Every leg of a run
# is resolved this way before anything starts, so that a version that cannot be built, or two that resolve to one
# build, stop the run before it touches a stack an earlier run left up.
dapr_resolve() { # VERSION (or src:DIR)
  say "Dapr ${1#src:}: binaries"
  local build=("$KIT/tools/build-dapr.sh") rc=0
  if [[ $1 == src:* ]]; then build+=(--src "${1#src:}"); [[ -n "$CONTRIB_SRC" ]] && build+=(--contrib-src "$CONTRIB_SRC"); [[ -n "$DURABLETASK_SRC" ]] && build+=(--durabletask-src "$DURABLETASK_SRC")
  else build+=("$1"); fi
  DAPR_BIN="$("${build[@]}" | tail -1)" || rc=$?
  ((rc == 0)) || child_failed "$rc" "the Dapr build failed (see the lines above)"
  [[ -x "$DAPR_BIN/daprd" ]] || die "the Dapr build gave no daprd in '$DAPR_BIN'"
  BUILD_INFO="$(dirname "$DAPR_BIN")/build.json"
  BUILT="$(basename "$(dirname "$DAPR_BIN")")"; BUILT="${BUILT#release-}"   # an official release lives in release-VERSION/
}

# Placement's and scheduler's own metrics are read by nobody here: they are switched off, so that they listen nowhere.
# Their health endpoints cannot be bound to loopback: every release from 1.14.4 to 1.18.2 parses --healthz-listen-address
# but its healthz server listens on ":PORT" (pkg/healthz/server), and --metrics-listen-address is dropped likewise
# (pkg/metrics FlagOptions.ToOptions). The run says so, once per server.
loopback_flags() { # BINARY NAME: sets LOOPBACK_FLAGS
  local help; help="$("$1" --help 2>&1 || true)"
  LOOPBACK_FLAGS=()
  if grep -q -- '--enable-metrics' <<<"$help"; then LOOPBACK_FLAGS+=(--enable-metrics=false)
  else warn "$2 of Dapr $BUILT has no --enable-metrics: it serves its metrics on every interface"; fi
  warn "$2 of Dapr $BUILT serves /healthz on every interface (port $([[ $2 == placement ]] && echo "$PLACEMENT_HEALTH_PORT" || echo "$SCHEDULER_HEALTH_PORT")): Dapr ignores --healthz-listen-address"
}

local_dapr_up() { # VERSION (or src:DIR), resolved before by dapr_resolve
  dapr_resolve "$1"
  command -v redis-server >/dev/null || {
    say "installing Redis from Debian's packages"
    { apt-get update -qq && apt-get install -y -qq redis-server; } >&2 || die "could not install redis-server (apt-get install redis-server)"
  }
  ports_free "$APP_PORT" "$DAPR_HTTP" "$DAPR_GRPC" "$REDIS_PORT" "$PLACEMENT_PORT" "$SCHEDULER_PORT" "$ETCD_PORT" "$DAPR_METRICS_PORT"
  warn_ephemeral "$APP_PORT" "$DAPR_HTTP" "$DAPR_GRPC" "$REDIS_PORT" "$PLACEMENT_PORT" "$SCHEDULER_PORT" "$ETCD_PORT" "$DAPR_METRICS_PORT" \
    "$ETCD_PEER_PORT" "$ETCD_HTTP_PORT" "$PLACEMENT_HEALTH_PORT" "$SCHEDULER_HEALTH_PORT" "$PLACEMENT_RAFT_PORT"

  # The run's own copy of the components: Redis where this run's Redis listens (DURABLE_KIT_PORT_OFFSET
  # moves it), and in ttl modes the TTL asked for.
  RESOURCES="$RUN_DIR/components"; mkdir -p "$RESOURCES"
  cp "$KIT/dapr/components/resiliency.yaml" "$RESOURCES/"
  local ttl_sed=""
  [[ $MODE == ttl* ]] && ttl_sed="/name: ttlInSeconds/{n;s/value: .*/value: \"$TTL\"/}"
  sed -e "s/localhost:6380/localhost:$REDIS_PORT/" -e "$ttl_sed" "$KIT/dapr/components/statestore.yaml" >"$RESOURCES/statestore.yaml"
  grep -q "localhost:$REDIS_PORT\"" "$RESOURCES/statestore.yaml" || die "could not set Redis's port in $RESOURCES/statestore.yaml"
  [[ $MODE != ttl* ]] || grep -q "value: \"$TTL\"" "$RESOURCES/statestore.yaml" || die "could not set the TTL in $RESOURCES/statestore.yaml"

  local etcd="$KIT_STATE/dapr/scheduler-etcd"
  say "starting Redis :$REDIS_PORT (no persistence), placement :$PLACEMENT_PORT, scheduler :$SCHEDULER_PORT (fresh etcd)"
  rm -rf "$etcd"; mkdir -p "$etcd"
  start_redis
  loopback_flags "$DAPR_BIN/placement" placement
  start_bg placement "$RUN_DIR/placement.log" env DAPR_HOST_IP=127.0.0.1 "$DAPR_BIN/placement" --port "$PLACEMENT_PORT" \
    --listen-address 127.0.0.1 --healthz-port "$PLACEMENT_HEALTH_PORT" \
    --initial-cluster "dapr-placement-0=127.0.0.1:$PLACEMENT_RAFT_PORT" "${LOOPBACK_FLAGS[@]}" # its raft port, moved too: 8201 is every default placement's
  scheduler_flags "$etcd"
  loopback_flags "$DAPR_BIN/scheduler" scheduler
  start_bg scheduler "$RUN_DIR/scheduler.log" env DAPR_HOST_IP=127.0.0.1 "$DAPR_BIN/scheduler" "${SCHEDULER_FLAGS[@]}" "${LOOPBACK_FLAGS[@]}"
  wait_port "$PLACEMENT_PORT" 30 "placement" placement; wait_port "$SCHEDULER_PORT" 60 "scheduler" scheduler
  local app_args=(--records "$RUN_DIR/executions.jsonl" --state-store "127.0.0.1:$REDIS_PORT")
  if [[ $MODE == crossapp ]]; then
    crossapp_up
    app_args=(--activity-app-id activity-app) # its activities run in app B, which records them
  fi
  say "starting DaprApp :$APP_PORT and the sidecar (daprd $BUILT, HTTP :$DAPR_HTTP, gRPC :$DAPR_GRPC)"
  start_bg app "$RUN_DIR/app.log" env DAPR_GRPC_PORT="$DAPR_GRPC" DAPR_HTTP_PORT="$DAPR_HTTP" \
    "$JBANG" "$KIT/DaprApp.java" --listen 127.0.0.1 --port "$APP_PORT" --activity-seconds "$ACTIVITY_SECONDS" "${app_args[@]}"
  start_daprd
  wait_app
}

# crossapp mode (dapr/dapr#10332, 1.18.0-1.18.2): the workflow runs in hello-app, its activities in
# activity-app, each app with its own sidecar and its own Redis, as Dapr's crossapp/resultreminder/orphan.go
# test has it. The activities' app records every execution, asking the workflow's sidecar about its instance.
crossapp_up() {
  ports_free "$APP_B_PORT" "$DAPR_B_HTTP" "$DAPR_B_GRPC" "$REDIS_B_PORT" "$DAPR_B_METRICS_PORT"
  warn_ephemeral "$APP_B_PORT" "$DAPR_B_HTTP" "$DAPR_B_GRPC" "$REDIS_B_PORT" "$DAPR_B_METRICS_PORT"
  local res="$RUN_DIR/components-b"; mkdir -p "$res"
  cp "$KIT/dapr/components/resiliency.yaml" "$res/"
  sed -e "s/localhost:6380/localhost:$REDIS_B_PORT/" "$KIT/dapr/components/statestore.yaml" >"$res/statestore.yaml"
  say "crossapp: the activities' app :$APP_B_PORT, its sidecar (HTTP :$DAPR_B_HTTP, gRPC :$DAPR_B_GRPC) and its Redis :$REDIS_B_PORT"
  start_bg redis-b "$RUN_DIR/redis-b.log" redis-server --port "$REDIS_B_PORT" --bind 127.0.0.1 --save "" --appendonly no
  wait_port "$REDIS_B_PORT" 20 "the activities' Redis" redis-b
  start_bg app-b "$RUN_DIR/app-b.log" env DAPR_GRPC_PORT="$DAPR_B_GRPC" DAPR_HTTP_PORT="$DAPR_B_HTTP" \
    "$JBANG" "$KIT/DaprApp.java" --listen 127.0.0.1 --port "$APP_B_PORT" --activity-seconds "$ACTIVITY_SECONDS" \
    --records "$RUN_DIR/executions.jsonl" --state-store "127.0.0.1:$REDIS_PORT" --workflow-grpc-port "$DAPR_GRPC"
  start_bg daprd-b "$RUN_DIR/daprd-b.log" env DAPR_HOST_IP=127.0.0.1 "$DAPR_BIN/daprd" --app-id activity-app --app-port "$APP_B_PORT" \
    --dapr-http-port "$DAPR_B_HTTP" --dapr-grpc-port "$DAPR_B_GRPC" --metrics-port "$DAPR_B_METRICS_PORT" --dapr-listen-addresses 127.0.0.1 \
    --placement-host-address "localhost:$PLACEMENT_PORT" --scheduler-host-address "localhost:$SCHEDULER_PORT" \
    --resources-path "$res" --config "$KIT/dapr/config.yaml" --log-level info
  local i
  for ((i = 0; i < 1200; i++)); do curl -sf -o /dev/null "http://127.0.0.1:$APP_B_PORT/health" && break; sleep 0.1; done
  curl -sf -o /dev/null "http://127.0.0.1:$APP_B_PORT/health" || die "the activities' DaprApp did not answer /health within 120 s (log: $RUN_DIR/app-b.log)"
}
local_dapr_kill() { stop_named redis KILL; stop_named daprd KILL; }
local_dapr_restore() { start_redis; start_daprd; }
local_dapr_restart_sidecar() { stop_named daprd TERM; start_daprd; }

# ------------------------------------------------------------------------------------ one run
# Ends the run as an error with a partial summary: what was measured until then, and what is missing.
dapr_fail() { # REASON
  dapr_verdict --incomplete "$1" || exit 2 # it says why in one error line, with the partial summary's path
  die "$1" # not reached: a verdict with --incomplete always fails
}
dapr_interrupted() {
  [[ -n "${CREATED_MS:-}" ]] || { echo "nothing was measured yet (run folder: $RUN_DIR)" >&2; return; }
  rm -f "$RUN_DIR/summary.json"
  dapr_verdict --incomplete "interrupted by Ctrl-C" 2>/dev/null || true
  if [[ -s "$RUN_DIR/summary.json" ]]; then
    echo "partial results (interrupted): $RUN_DIR/summary.json" >&2
    echo "$RUN_DIR/summary.json"
  else
    echo "interrupted; no partial summary could be written (logs in $RUN_DIR)" >&2
  fi
}
dapr_verdict() { # [--incomplete REASON]
  local args=(--dir "$RUN_DIR" --app "$APP_URL" --mode "$MODE" --created-ms "$CREATED_MS" --from-ms "${FROM_MS:-$CREATED_MS}"
    --to-ms "${TO_MS:-$(now_ms)}" --cost-per-call "$COST" --version "$BUILT" --command "$DAPR_COMMAND")
  [[ -n "${BUILD_INFO:-}" ]] && args+=(--build-info "$BUILD_INFO")
  [[ -n "${LOSS_MS:-}" ]] && args+=(--loss-ms "$LOSS_MS")
  [[ -n "${RESTORED_MS:-}" ]] && args+=(--restored-ms "$RESTORED_MS")
  local id; for id in "${INSTANCES[@]}"; do args+=(--instance "$id"); done
  [[ $STACK == compose ]] && compose_dapr_logs # the local stack's processes log into $RUN_DIR already
  [[ -s "$RUN_DIR/scheduler-jobs.json" || -s "$RUN_DIR/scheduler-jobs.failed" ]] || read_jobs
  "$JBANG" "$KIT/kit/DaprReport.java" verdict "${args[@]}" "$@"
}

# Waits until every instance reads as not found (the TTL expired), at most 300 s; sets LOSS_MS.
wait_for_expiry() {
  local t id gone
  for ((t = 0; t < 300; t += 1)); do
    gone=0
    for id in "${INSTANCES[@]}"; do [[ "$(instance_code "$id")" == 404 ]] && gone=$((gone + 1)); done
    if (( gone == ${#INSTANCES[@]} )); then LOSS_MS="$(now_ms)"; return 0; fi
    app_healthy || dapr_fail "DaprApp stopped answering while waiting for the TTL to expire"
    (( t % 10 == 0 )) && echo "   $t s: $gone of ${#INSTANCES[@]} instances expired so far" >&2
    sleep 1
  done
  dapr_fail "the instances' state did not expire within 300 s (ttl $TTL s)"
}

dapr_run() { # VERSION
  CREATED_MS="" LOSS_MS="" RESTORED_MS="" FROM_MS="" TO_MS="" INSTANCES=() DAPRD_N=0
  "${STACK}_dapr_up" "$1"
  local i id code
  say "creating $WORKFLOWS workflow(s)"
  for ((i = 1; i <= WORKFLOWS; i++)); do
    id="hello-world-$RUN_ID-$i"
    code="$(curl -s -o "$RUN_DIR/create-$i.json" -w '%{http_code}' -X POST "$APP_URL/workflow/hello" -H 'Content-Type: application/json' \
      -d "{\"instance_id\": \"$id\"}")"
    [[ "$code" == 200 ]] || die "could not create workflow $id (HTTP $code: $(cat "$RUN_DIR/create-$i.json" 2>/dev/null)); see $RUN_DIR/app.log"
    INSTANCES+=("$id")
    [[ -z "$CREATED_MS" ]] && CREATED_MS="$(now_ms)"
  done
  case "$MODE" in
    kill|crossapp)
      say "letting them run for $WAIT_BEFORE_KILL s"
      countdown "$WAIT_BEFORE_KILL" "before the kill"
      read_metrics before-loss
      say "SIGKILL Redis and the sidecar: the workflows' state is gone"
      LOSS_MS="$(now_ms)"
      "${STACK}_dapr_kill"
      local s; for ((s = OUTAGE; s > 0; s -= 5)); do echo "   $s s of outage left" >&2; sleep $((s < 5 ? s : 5)); done
      # A sidecar cannot come up without its app: say that, rather than "the sidecar did not become healthy".
      app_healthy || dapr_fail "DaprApp stopped answering (during the outage)"
      say "restarting Redis and the sidecar"
      "${STACK}_dapr_restore"
      RESTORED_MS="$(now_ms)"
      ;;
    ttl|ttl-no-restart)
      read_metrics before-loss
      say "the state store expires keys after $TTL s: waiting until no instance is found"
      wait_for_expiry
      if [[ $MODE == ttl ]]; then
        say "the state has expired; restarting the sidecar alone (a deploy, a rescheduled pod), Redis untouched"
        "${STACK}_dapr_restart_sidecar"
        RESTORED_MS="$(now_ms)"
      fi
      ;;
  esac
  # The window opens when the stack is back (or, with no restart, at the loss): the fix's one more run of each
  # activity comes right then and must be inside it.
  FROM_MS="${RESTORED_MS:-$LOSS_MS}"
  for id in "${INSTANCES[@]}"; do echo "status after the loss: $id HTTP $(instance_code "$id")" >&2; done
  read_metrics after-restart
  # The window is OBSERVE seconds from FROM_MS, however long the checks above took on a busy machine, and its
  # last third gets a reading of daprd's counters at its start: the app's and the engine's thirds are the same.
  local cut=$(((FROM_MS + (OBSERVE - OBSERVE / 3) * 1000) / 1000)) end=$(((FROM_MS + OBSERVE * 1000) / 1000))
  say "observing for $OBSERVE s"
  countdown "$((cut - EPOCHSECONDS))" "of observation" "$cut"
  read_metrics last-third
  countdown "$((end - EPOCHSECONDS))" "of observation (the last third)" "$end"
  TO_MS="$(now_ms)"
  stack_alive "at the end of the observation"
  read_metrics end
  read_jobs
  dapr_verdict || exit 2 # it said why, in one error line, and wrote the partial summary
}

dapr_main() {
  DAPR_COMMAND="./reproduce_issue.sh $*"
  MODE=kill WAIT_BEFORE_KILL=45 OUTAGE=10 OBSERVE=30 TTL=5 COST=0.03 ACTIVITY_SECONDS=10 WORKFLOWS=1
  CONTRIB_SRC="" DURABLETASK_SRC="" RESOLVED=()
  local versions=1.15.8 src="" down=0 docker=0 matrix=0 matrix_versions="$DAPR_MATRIX_DEFAULT"
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --mode) need_value "$1" $#; MODE="$2"; shift 2 ;;
      --dapr-version) need_value "$1" $#; versions="$2"; shift 2 ;;
      --dapr-matrix) matrix=1; shift ;;
      --dapr-versions) need_value "$1" $#; matrix_versions="$2"; matrix=1; shift 2 ;;
      --dapr-src) need_value "$1" $#; src="$2"; shift 2 ;;
      --contrib-src) need_value "$1" $#; CONTRIB_SRC="$2"; shift 2 ;;
      --durabletask-src) need_value "$1" $#; DURABLETASK_SRC="$2"; shift 2 ;;
      --workflows) need_value "$1" $#; WORKFLOWS="$2"; shift 2 ;;
      --wait-before-kill) need_value "$1" $#; WAIT_BEFORE_KILL="$2"; shift 2 ;;
      --outage) need_value "$1" $#; OUTAGE="$2"; shift 2 ;;
      --observe) need_value "$1" $#; OBSERVE="$2"; shift 2 ;;
      --ttl) need_value "$1" $#; TTL="$2"; shift 2 ;;
      --cost-per-call) need_value "$1" $#; COST="$2"; shift 2 ;;
      --activity-seconds) need_value "$1" $#; ACTIVITY_SECONDS="$2"; shift 2 ;;
      --down) down=1; shift ;;
      --docker) docker=1; shift ;;
      -h|--help) dapr_usage; exit 0 ;;
      *) die "unknown option: $1 (see ./reproduce_issue.sh --help)" ;;
    esac
  done
  [[ $MODE == kill || $MODE == ttl || $MODE == ttl-no-restart || $MODE == crossapp ]] ||
    die "--mode takes kill, ttl, ttl-no-restart or crossapp, got '$MODE'"
  [[ $MODE != crossapp || $docker == 0 ]] || die "--mode crossapp runs on the local stack only (not with --docker)"
  whole --workflows "$WORKFLOWS" 1 200; WORKFLOWS=$((10#$WORKFLOWS))
  whole --wait-before-kill "$WAIT_BEFORE_KILL" 1 86400; WAIT_BEFORE_KILL=$((10#$WAIT_BEFORE_KILL))
  whole --outage "$OUTAGE" 0 3600; OUTAGE=$((10#$OUTAGE))
  whole --observe "$OBSERVE" 6 86400; OBSERVE=$((10#$OBSERVE))
  whole --ttl "$TTL" 1 86400; TTL=$((10#$TTL))
  decimal --cost-per-call "$COST" 0 1000000
  decimal --activity-seconds "$ACTIVITY_SECONDS" 0 3600
  if [[ $matrix == 1 ]]; then
    [[ -z "$src" && $docker == 0 ]] || die "--dapr-matrix runs releases on the local stack: not with --dapr-src or --docker"
    [[ "$matrix_versions" =~ ^[0-9]+\.[0-9]+\.[0-9]+(,[0-9]+\.[0-9]+\.[0-9]+)*$ ]] ||
      die "--dapr-versions takes versions like 1.16.0,1.16.2, got '$matrix_versions'"
    versions="$matrix_versions"
  fi
  [[ "$versions" =~ ^[0-9]+\.[0-9]+\.[0-9]+(,[0-9]+\.[0-9]+\.[0-9]+)*$ ]] || die "--dapr-version takes versions like 1.15.8 or 1.15.8,1.16.2, got '$versions'"
  unique_list --dapr-version "$versions"
  if [[ -n "$src" ]]; then
    [[ -d "$src" ]] || die "--dapr-src: no such folder: $src"
    grep -qs '^module github.com/dapr/dapr$' "$src/go.mod" || die "--dapr-src: $src is not a dapr/dapr checkout (its go.mod does not say module github.com/dapr/dapr)"
    versions="src:$(cd "$src" && pwd)"
  fi
  [[ -z "$CONTRIB_SRC$DURABLETASK_SRC" || -n "$src" ]] || die "--contrib-src and --durabletask-src go with --dapr-src"

  take_lock dapr
  PIDFILE="$KIT_STATE/dapr.pids"
  STACK=local
  if [[ $docker == 1 ]]; then
    command -v docker >/dev/null && docker info >/dev/null 2>&1 || die "--docker needs a running Docker engine (docker info failed); without --docker the local stack needs none"
    STACK=compose
    if [[ $down == 1 ]]; then compose_dapr_down; exit 0; fi
  else
    if [[ $down == 0 && $matrix == 0 ]]; then
      # Every leg is built (or found cached) before anything is stopped or started. (Not the matrix's: there a
      # release that does not build is a row that says why, and the matrix goes on.)
      local v0 built=() b
      IFS=, read -r -a built <<<"$versions"
      for v0 in "${built[@]}"; do
        dapr_resolve "$v0"
        for b in "${RESOLVED[@]}"; do
          [[ "${b#* }" == "$BUILT" ]] && die "--dapr-version: ${b%% *} and $v0 both run Dapr $BUILT here: each version runs once in a run"
        done
        RESOLVED+=("$v0 $BUILT")
      done
    fi
    stop_recorded "$PIDFILE"
    if [[ $down == 1 ]]; then echo "the kit's Dapr stack is down" >&2; exit 0; fi
  fi

  new_run_dir dapr
  ON_INTERRUPT=dapr_interrupted
  if [[ $matrix == 1 ]]; then dapr_matrix "$versions"; return; fi
  local top="$RUN_DIR" v list=() n=0 dirs=()
  IFS=, read -r -a list <<<"$versions"
  for v in "${list[@]}"; do
    n=$((n + 1))
    if [[ ${#list[@]} -gt 1 ]]; then RUN_DIR="$top/$v"; mkdir -p "$RUN_DIR"; fi
    dirs+=("$RUN_DIR")
    dapr_run "$v"
    [[ $n -lt ${#list[@]} ]] && stop_all # each version gets a clean stack; only the last stays up
  done
  RUN_DIR="$top"
  if [[ ${#list[@]} -gt 1 ]]; then
    say "side by side"
    "$JBANG" "$KIT/kit/DaprReport.java" compare --out "$top" "${dirs[@]}" || die "could not put the runs side by side"
  fi
  KEEP_UP=1
  if [[ $STACK == compose ]]; then
    echo "The Compose stack is still up for inspection; stop it with: ./reproduce_issue.sh --docker --down" >&2
  else
    echo "The stack is still up for inspection (logs in $top); stop it with: ./reproduce_issue.sh --down" >&2
  fi
  echo "$top/summary.json"
}

# The release matrix: each release built (its time, or why it failed: a row, and the matrix goes on), then run
# on a clean stack in a subshell of its own, so a leg that fails (exit 2) stops only its own processes.
dapr_matrix() { # V,V,...
  local top="$RUN_DIR" v list=() legs=() started secs rc
  IFS=, read -r -a list <<<"$1"
  say "release matrix ($MODE mode): ${list[*]}"
  for v in "${list[@]}"; do
    RUN_DIR="$top/$v"; mkdir -p "$RUN_DIR"
    say "Dapr $v: building (or the cache)"
    started=$SECONDS
    if "$KIT/tools/build-dapr.sh" "$v" >"$RUN_DIR/build.out" 2> >(tee "$RUN_DIR/build.err" >&2); then
      secs=$((SECONDS - started))
      grep -q '^\[dapr-build\] cached' "$RUN_DIR/build.err" && secs=0 # built earlier: no build time of this run
      set +e
      ( set -e; trap cleanup EXIT; trap 'on_signal 130' INT TERM; trap 'on_signal 129' HUP; dapr_run "$v" ) 2> >(tee "$RUN_DIR/run.err" >&2)
      rc=$?
      set -e
      wait 2>/dev/null || true
      [[ $rc == 130 || $rc == 129 ]] && exit "$rc" # interrupted: the matrix stops too
      [[ $rc == 0 ]] || warn "Dapr $v: the run failed (exit $rc); the matrix goes on"
    else
      secs=-1 rc=2
      warn "Dapr $v did not build; the matrix goes on"
    fi
    legs+=("$v=$RUN_DIR=$secs=$rc")
  done
  RUN_DIR="$top"
  "$JBANG" "$KIT/kit/DaprReport.java" matrix --out "$top" --mode "$MODE" "${legs[@]}" || die "could not write the matrix"
  echo "$top/matrix.md"
}

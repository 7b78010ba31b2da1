# shellcheck shell=bash
# The Docker Compose stacks of ./reproduce_issue.sh --docker (docker-compose.yml at the repo root).
# A library: source it; it only defines functions and the constants below.
#
# Temporal:  compose_temporal_up off|on    start the profile (temporal | temporal-fix), wait for its
#                                          frontend and namespace, check its graceful poll shutdown
#                                          capability, set ADDRESS=localhost:PORT
#            compose_temporal_logs off|on  the server's log into $RUN_DIR/temporal-server-MODE.log
#            compose_temporal_down [-v]    stop every Temporal profile (-v: and drop its database)
# Dapr:      compose_dapr_up VERSION, compose_dapr_kill, compose_dapr_restore, compose_dapr_logs,
#            compose_dapr_down             the Dapr reproduction's steps on the profile dapr
#
# From the orchestrator: KIT (repo root), RUN_DIR (this run's results), JBANG, MODE (Dapr: kill|ttl),
# TEMPORAL_BIN (optional: a host temporal CLI), and the functions say, die, wait_port, sidecar_healthy,
# wait_app, temporal_capability (kit/temporal.sh). Sets ADDRESS (Temporal), BUILT and RESOURCES (Dapr), as the
# local stack's functions do.

# Host ports of the Compose Temporal servers, the same as the local stack's (bug 7233, fix 7235), and
# the Dapr version whose images docker-compose.yml pins. tests/ComposeTests.java checks both against
# docker-compose.yml and the local stack's scripts.
COMPOSE_TEMPORAL_PORT_OFF=7233 COMPOSE_TEMPORAL_PORT_ON=7235
COMPOSE_DAPR_VERSION=1.15.8

# ---------------------------------------------------------------------------------------- Temporal
compose_temporal() { docker compose -f "$KIT/docker-compose.yml" "$@"; }

# compose_temporal_names MODE: sets _ct_profile, _ct_service, _ct_port, _ct_want for off (bug) or on (fix).
compose_temporal_names() {
  case "${1:-}" in
    off) _ct_profile=temporal _ct_service=temporal _ct_port=$COMPOSE_TEMPORAL_PORT_OFF _ct_want=false ;;
    on) _ct_profile=temporal-fix _ct_service=temporal-fix _ct_port=$COMPOSE_TEMPORAL_PORT_ON _ct_want=true ;;
    *) die "the Compose Temporal server mode is off or on, got '${1:-}'" ;;
  esac
}

# The default namespace as JSON, or a failure while the server or the namespace is not there yet. The
# host's temporal CLI goes through the published port, as the workers will; without one, the server's
# admin-tools image asks from inside the Compose network.
compose_temporal_describe() { # PROFILE SERVICE PORT
  if [[ -n "${TEMPORAL_BIN:-}" && -x "${TEMPORAL_BIN:-}" ]]; then
    "$TEMPORAL_BIN" operator namespace describe --address "localhost:$3" --namespace default -o json 2>/dev/null
  else
    compose_temporal --profile "$1" run --rm --no-deps -T --entrypoint temporal "$2-create-namespace" \
      operator namespace describe --address "$2:7233" --namespace default -o json 2>/dev/null
  fi
}

compose_temporal_up() { # MODE: off (the bug) or on (the fix)
  local mode="${1:-}" json="" cap i
  compose_temporal_names "$mode"
  local profile="$_ct_profile" service="$_ct_service" port="$_ct_port" want="$_ct_want"
  say "docker compose: Temporal server, profile $profile (graceful poll shutdown $mode), port $port"
  # up -d returns once the schema job has completed and the server is healthy (their depends_on
  # conditions); the first time it also pulls the images.
  compose_temporal --profile "$profile" up -d >&2 ||
    die "docker compose --profile $profile up failed (see: docker compose --profile $profile logs $service-schema $service)"
  wait_port "$port" 120 "the Compose Temporal server ($service)"
  # The port opens with the container; the frontend and the default namespace come later.
  for ((i = 0; i < 90; i++)); do
    json="$(compose_temporal_describe "$profile" "$service" "$port")" && [[ -n "$json" ]] && break
    json=""
    sleep 2
  done
  [[ -n "$json" ]] ||
    die "the Compose Temporal server on port $port did not describe namespace default within 3 min (see: docker compose --profile $profile logs $service $service-create-namespace)"
  # As the local stack checks, with the SDK's own reading of the namespace (no JSON read by the shell): the
  # capability is absent (false) on the bug server, true on the fix's.
  temporal_capability "localhost:$port" "the Compose Temporal server on port $port"; cap="$CAP" # kit/temporal.sh
  [[ "${cap:-false}" == "$want" ]] ||
    die "the Compose Temporal server on port $port advertises graceful poll shutdown '${cap:-false}', not $want (server ${TEMPORAL_VERSION:-as pinned}; dynamic config in dynamicconfig/)"
  say "Compose Temporal server ready on localhost:$port (graceful poll shutdown: ${cap:-false})"
  # shellcheck disable=SC2034 # read by the orchestrator
  ADDRESS="localhost:$port"
}

compose_temporal_logs() { # MODE
  compose_temporal_names "$1"
  compose_temporal --profile "$_ct_profile" logs --no-color "$_ct_service" >"$RUN_DIR/temporal-server-$1.log" 2>&1 || true
}

compose_temporal_down() { # [-v]: also drop the database volume
  local extra=()
  [[ "${1:-}" == -v ]] && extra=(-v)
  compose_temporal --profile temporal --profile temporal-fix --profile temporal-dev down "${extra[@]}" >&2
}

# -------------------------------------------------------------------------------------------- Dapr
# The Docker Compose stack (profile dapr): the same steps as the local stack, through docker compose.
# DAPR_RECORDS_DIR: where the app container writes executions.jsonl (this run's folder).
compose_dapr() { DAPR_RECORDS_DIR="${RUN_DIR:-$KIT/build/docker/records}" docker compose -f "$KIT/docker-compose.yml" --profile dapr "$@"; }
compose_dapr_up() { # VERSION (the images are pinned in docker-compose.yml)
  [[ "$1" == "$COMPOSE_DAPR_VERSION" ]] || die "--docker runs the images pinned in docker-compose.yml ($COMPOSE_DAPR_VERSION); edit it for other versions"
  # shellcheck disable=SC2153 # MODE is the orchestrator's (kill|ttl)
  [[ $MODE == kill ]] || die "--mode $MODE with --docker: not supported; the TTL modes edit the state store component per run, which the local stack does"
  # shellcheck disable=SC2034 # BUILT and RESOURCES are read by the orchestrator
  BUILT=$COMPOSE_DAPR_VERSION BUILD_INFO=""
  say "building DaprApp.jar with jbang for the app container (build/docker/)"
  mkdir -p "$KIT/build/docker"
  "${JBANG:-$KIT/tools/jbang}" export portable --force -O "$KIT/build/docker/DaprApp.jar" "$KIT/DaprApp.java" >&2
  say "docker compose: clean up a previous stack, then start fresh"
  compose_dapr down -v >&2 || true
  # shellcheck disable=SC2034
  RESOURCES="$KIT/dapr/components"
  compose_dapr up -d >&2
  sidecar_healthy 120 || true # the app's /health below is what must answer
  wait_app
}
compose_dapr_kill() { compose_dapr kill redis dapr >&2; }
compose_dapr_restore() {
  compose_dapr up -d redis dapr >&2
  sidecar_healthy 60 || die "the sidecar did not come back within 60 s (docker compose logs dapr)"
}
compose_dapr_logs() {
  compose_dapr logs --no-color app >"$RUN_DIR/app.log" 2>&1 || true
  compose_dapr logs --no-color dapr >"$RUN_DIR/daprd.log" 2>&1 || true
  compose_dapr logs --no-color dapr-scheduler >"$RUN_DIR/scheduler.log" 2>&1 || true
}
compose_dapr_down() { compose_dapr down >&2; }

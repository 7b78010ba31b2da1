# shellcheck shell=bash
# A production-shaped Temporal cluster on this machine (sourced by reproduce_issue.sh after kit/procs.sh):
# the official server of one release (tools/build-temporal-server.sh) as separate processes (frontend,
# history, two matching nodes and the internal worker), on a PostgreSQL of its own (Debian's packages, a
# fresh data folder, a free loopback port), the schemas set up by that release's temporal-sql-tool, the fix
# flags in a dynamic config file, namespace `default` registered. Everything on 127.0.0.1; every process
# is started with start_bg, so the run's exit, Ctrl-C and --down stop it as they stop the dev server.
# Processes only: what the server is and which flags it took is measured by kit/ServerInfo.java.

# The cluster's own ports, above the dev servers' (7233/7235, +10 HTTP, +1000 UI) and moved by
# DURABLE_KIT_PORT_OFFSET like every other port. The frontend takes the dev server's port of its mode
# (TEMPORAL_PORT_OFF / TEMPORAL_PORT_ON), so a cluster run and a dev-server run are reached the same way.
CLUSTER_PORT_BASE=$((7250 + KIT_PORT_OFFSET))
CLUSTER_PG_PORTS=$((7270 + KIT_PORT_OFFSET)) # PostgreSQL: the first free one of ten from here
CLUSTER_SERVICES=(history matching-1 matching-2 frontend worker)
FANOUT_KEY=frontend.enableMatchingFanOutForPollCancellation
CANCEL_KEY=frontend.enableCancelWorkerPollsOnShutdown

# gRPC and membership ports of one service process.
cluster_ports() { # SERVICE FRONTEND_PORT: sets GRPC_PORT MEMBERSHIP_PORT
  case "$1" in
    frontend) GRPC_PORT=$2 MEMBERSHIP_PORT=$CLUSTER_PORT_BASE ;;
    history) GRPC_PORT=$((CLUSTER_PORT_BASE + 1)) MEMBERSHIP_PORT=$((CLUSTER_PORT_BASE + 2)) ;;
    matching-1) GRPC_PORT=$((CLUSTER_PORT_BASE + 3)) MEMBERSHIP_PORT=$((CLUSTER_PORT_BASE + 4)) ;;
    matching-2) GRPC_PORT=$((CLUSTER_PORT_BASE + 5)) MEMBERSHIP_PORT=$((CLUSTER_PORT_BASE + 6)) ;;
    worker) GRPC_PORT=$((CLUSTER_PORT_BASE + 7)) MEMBERSHIP_PORT=$((CLUSTER_PORT_BASE + 8)) ;;
  esac
}

# PostgreSQL from Debian's packages: on PATH, else the newest /usr/lib/postgresql/N/bin, else installed
# (as root) without the system cluster Debian would otherwise create and start.
cluster_postgres_bin() { # sets PG_BIN (the folder holding postgres and initdb)
  local p
  if p="$(command -v postgres)" && command -v initdb >/dev/null; then PG_BIN="$(dirname "$(readlink -f "$p")")"; return 0; fi
  p="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [[ -n "$p" && -x "$p/postgres" && -x "$p/initdb" ]]; then PG_BIN="$p"; return 0; fi
  ((EUID == 0)) || die "PostgreSQL is not installed: apt-get install postgresql (as root), then run again"
  say "installing PostgreSQL from Debian's packages (apt-get install postgresql; no system cluster is created)"
  mkdir -p /etc/postgresql-common
  [[ -f /etc/postgresql-common/createcluster.conf ]] || echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2 || die "could not install postgresql"
  p="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [[ -n "$p" && -x "$p/postgres" ]] || die "postgresql installed, but no /usr/lib/postgresql/N/bin/postgres"
  PG_BIN="$p"
}

# A data folder left by a run that was killed before its PostgreSQL could remove it.
cluster_forget() {
  local f="$KIT_STATE/cluster.datadir" d
  [[ -f "$f" ]] || return 0
  d="$(cat "$f")"
  [[ "$d" == /tmp/durable-kit-cluster.* && -d "$d" ]] && rm -rf "$d"
  rm -f "$f"
}

# One service's config file: the release's development-postgres12 layout, on our ports and database.
cluster_config() { # FILE SERVICE FRONTEND_PORT PG_PORT DIR
  local file="$1" svc="$2" fport="$3" pg="$4" dir="$5" s
  local matching_port=$((CLUSTER_PORT_BASE + 3)) matching_mport=$((CLUSTER_PORT_BASE + 4))
  if [[ $svc == matching-2 ]]; then matching_port=$((CLUSTER_PORT_BASE + 5)) matching_mport=$((CLUSTER_PORT_BASE + 6)); fi
  {
    cat <<EOF
# Written by kit/cluster.sh for the $svc process: after the release's config/development-postgres12.yaml.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
EOF
    for s in default:temporal:20 visibility:temporal_visibility:10; do
      cat <<EOF
    postgres-${s%%:*}:
      sql:
        pluginName: "postgres12"
        databaseName: "$(cut -d: -f2 <<<"$s")"
        connectAddr: "127.0.0.1:$pg"
        connectProtocol: "tcp"
        user: "temporal"
        password: "temporal"
        maxConns: ${s##*:}
        maxIdleConns: ${s##*:}
        maxConnLifetime: "1h"
EOF
    done
    cat <<EOF
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
services:
  frontend:
    rpc:
      grpcPort: $fport
      membershipPort: $CLUSTER_PORT_BASE
      bindOnLocalHost: true
      httpPort: $((fport + 10))
  history:
    rpc:
      grpcPort: $((CLUSTER_PORT_BASE + 1))
      membershipPort: $((CLUSTER_PORT_BASE + 2))
      bindOnLocalHost: true
  matching:
    rpc:
      grpcPort: $matching_port
      membershipPort: $matching_mport
      bindOnLocalHost: true
  worker:
    rpc:
      grpcPort: $((CLUSTER_PORT_BASE + 7))
      membershipPort: $((CLUSTER_PORT_BASE + 8))
      bindOnLocalHost: true
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:$fport"
dcRedirectionPolicy:
  policy: "noop"
publicClient:
  hostPort: "127.0.0.1:$fport"
dynamicConfigClient:
  filepath: "$dir/dynamicconfig.yaml"
  pollInterval: "10s"
EOF
  } >"$file"
}

# The fix flags: graceful poll shutdown off or on, and (fix on only) where poll cancellation fans out.
# A key the release does not register is written all the same: the server ignores it with a warning, and
# ServerInfo records it as not in force.
cluster_dynamic_config() { # FILE MODE(off|on) FANOUT(off|on|-)
  {
    echo "# Written by kit/cluster.sh: the fix flags of this cluster."
    echo "$CANCEL_KEY:"
    echo "  - value: $([[ $2 == on ]] && echo true || echo false)"
    echo "    constraints: {}"
    if [[ $3 != - ]]; then
      echo "$FANOUT_KEY:"
      echo "  - value: $([[ $3 == on ]] && echo true || echo false)"
      echo "    constraints: {}"
    fi
  } >"$1"
}

# Starts the cluster (the build first: cached after the first time); sets ADDRESS, CLUSTER_BIN, CLUSTER_DIR.
cluster_up() { # VERSION MODE(off|on) FANOUT(off|on|-) PORT
  local version="$1" mode="$2" fanout="$3" fport="$4" svc pg dir i log t0=$SECONDS
  say "Temporal server $version (official build, cached by version)"
  CLUSTER_BIN="$("$KIT/tools/build-temporal-server.sh" "$version")" || die "could not build Temporal server $version"
  cluster_postgres_bin
  [[ -n "${TEMPORAL_BIN:-}" ]] || temporal_cli # the CLI registers the namespace
  ports_free "$fport" "$((fport + 10))" $(seq "$CLUSTER_PORT_BASE" $((CLUSTER_PORT_BASE + 8)))
  for ((pg = CLUSTER_PG_PORTS; pg < CLUSTER_PG_PORTS + 10; pg++)); do listening "$pg" || break; done
  ((pg < CLUSTER_PG_PORTS + 10)) || die "no free loopback port for PostgreSQL in $CLUSTER_PG_PORTS-$((CLUSTER_PG_PORTS + 9))"

  # A fresh data folder, outside /root (PostgreSQL runs as the postgres user when we are root).
  cluster_forget
  dir="$(mktemp -d /tmp/durable-kit-cluster.XXXXXX)"
  echo "$dir" >"$KIT_STATE/cluster.datadir"
  # One folder per cluster of the run (a matrix starts several): cluster-<version>-<mode>[-fanout-<mode>].
  CLUSTER_DIR="$dir" log="$RUN_DIR/cluster-$version-$mode$([[ $fanout != - ]] && echo "-fanout-$fanout")"
  mkdir -p "$log" "$dir/data"
  chmod 755 "$dir"
  local as=()
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || die "running as root, PostgreSQL needs the postgres user (apt-get install postgresql creates it)"
    chown postgres: "$dir/data"
    as=(setpriv --reuid=postgres --regid=postgres --init-groups)
  fi
  echo temporal >"$dir/pw" && chmod 644 "$dir/pw"
  say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg (fresh data folder $dir/data)"
  "${as[@]}" "$PG_BIN/initdb" -D "$dir/data" -U temporal --pwfile="$dir/pw" --auth-host=scram-sha-256 --auth-local=trust --no-sync \
    -E UTF8 --locale=C.UTF-8 >"$log/initdb.log" 2>&1 || die "initdb failed (see $log/initdb.log)"
  # The wrapper outlives the signals a stop sends, turns them into a fast shutdown (no waiting for clients)
  # and removes the data folder once PostgreSQL is down.
  start_bg postgresql "$log/postgresql.log" bash -c '
    trap "" TERM INT
    "$@" & pid=$!
    trap "kill -INT $pid 2>/dev/null" TERM INT
    wait $pid; wait $pid; rm -rf "'"$dir"'"' postgres "${as[@]}" "$PG_BIN/postgres" -D "$dir/data" -p "$pg" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300
  wait_port "$pg" 60 "PostgreSQL"
  CLUSTER_PG="$pg" CLUSTER_PERSISTENCE="postgresql $("$PG_BIN/postgres" --version | awk '{print $3}')"

  say "schemas by temporal-sql-tool $version: temporal, temporal_visibility"
  local db sub sql=("$CLUSTER_BIN/temporal-sql-tool" --plugin postgres12 --ep 127.0.0.1 -p "$pg" -u temporal --pw temporal)
  for db in temporal:temporal temporal_visibility:visibility; do
    sub="${db#*:}" db="${db%%:*}"
    for ((i = 0; i < 50; i++)); do "${sql[@]}" --db "$db" create >>"$log/schema.log" 2>&1 && break; sleep 0.2; done
    ((i < 50)) || die "temporal-sql-tool could not create database $db (see $log/schema.log)"
    "${sql[@]}" --db "$db" setup-schema -v 0.0 >>"$log/schema.log" 2>&1 || die "setup-schema $db failed (see $log/schema.log)"
    "${sql[@]}" --db "$db" update-schema -d "$CLUSTER_BIN/schema/postgresql/v12/$sub/versioned" >>"$log/schema.log" 2>&1 ||
      die "update-schema $db failed (see $log/schema.log)"
  done

  cluster_dynamic_config "$dir/dynamicconfig.yaml" "$mode" "$fanout"
  cp "$dir/dynamicconfig.yaml" "$log/dynamicconfig.yaml"
  # 1.30+ take --config-file; 1.29 reads <config dir>/<env>.yaml.
  local how=(--config-file) cfg
  "$CLUSTER_BIN/temporal-server" --help 2>/dev/null | grep -q -- '--config-file' || how=()
  say "Temporal $version as separate processes: ${CLUSTER_SERVICES[*]} (frontend 127.0.0.1:$fport, graceful poll shutdown $mode$([[ $fanout != - ]] && echo ", matching fan-out $fanout"))"
  for svc in "${CLUSTER_SERVICES[@]}"; do
    cfg="$dir/config/$svc.yaml"; mkdir -p "$dir/config"
    cluster_config "$cfg" "$svc" "$fport" "$pg" "$dir"
    cp "$cfg" "$log/$svc.yaml"
    local args=(--config-file "$cfg")
    ((${#how[@]})) || args=(--root / --config "$dir/config" --env "$svc")
    start_bg "temporal-$svc" "$log/$svc.log" "$CLUSTER_BIN/temporal-server" "${args[@]}" --allow-no-auth start --service "${svc%-[0-9]}"
    # History first, alone: every service writes the cluster metadata record into a fresh database at start,
    # and two doing it at once fail one of them on the unique key (seen: history exited, "SaveClusterMetadata
    # operation failed ... duplicate key"). Once history serves, the record exists and the rest only read it.
    if [[ $svc == history ]]; then cluster_ports history "$fport"; wait_port "$GRPC_PORT" 120 "Temporal history"; fi
  done
  for svc in "${CLUSTER_SERVICES[@]}"; do
    cluster_ports "$svc" "$fport"
    wait_port "$GRPC_PORT" 120 "Temporal $svc"
  done
  ADDRESS="localhost:$fport"
  # The frontend answers before the ring has every service: register until it takes, then until usable.
  for ((i = 0; i < 150; i++)); do
    "$TEMPORAL_BIN" operator namespace describe --address "$ADDRESS" --namespace default >/dev/null 2>&1 && break
    "$TEMPORAL_BIN" operator namespace create --address "$ADDRESS" --namespace default --retention 24h >>"$log/namespace.log" 2>&1 || sleep 0.4
  done
  ((i < 150)) || die "namespace default could not be registered on the cluster within 60 s (see $log/namespace.log)"
  # The frontend's gRPC health check (what the SDK's connected stubs wait for) can lag its first answers on a
  # busy machine: the clients get a frontend that says SERVING.
  for ((i = 0; i < 150; i++)); do
    "$TEMPORAL_BIN" operator cluster health --address "$ADDRESS" >>"$log/health.log" 2>&1 && break
    sleep 0.4
  done
  ((i < 150)) || die "the cluster's frontend did not report SERVING within 60 s (see $log/health.log)"
  say "cluster ready in $((SECONDS - t0)) s"
  SERVER_INFO=(--kind cluster --persistence "$CLUSTER_PERSISTENCE" --dynamic-config "$dir/dynamicconfig.yaml"
    --server-binary "$CLUSTER_BIN/temporal-server")
  for svc in "${CLUSTER_SERVICES[@]}"; do SERVER_INFO+=(--service "${svc%-[0-9]}"); done
}

# The way in first (the internal worker and the frontend, which cancel their polls on the way out), then
# matching and history, each group at once; then PostgreSQL, which removes its data folder.
cluster_down() {
  local group svc pid i t0=$SECONDS
  for group in "worker frontend" "matching-1 matching-2 history"; do
    for svc in $group; do
      pid="$(pid_of "temporal-$svc")"
      [[ -n "$pid" ]] && kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for svc in $group; do stop_named "temporal-$svc"; done
  done
  # Its shutdown checkpoint syncs every file written: seconds on a busy disk, so it gets 30 s, not stop_pid's 5.
  pid="$(pid_of postgresql)"
  if [[ -n "$pid" ]]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  stop_named postgresql
  [[ "${CLUSTER_DIR:-}" == /tmp/durable-kit-cluster.* ]] && rm -rf "$CLUSTER_DIR"
  rm -f "$KIT_STATE/cluster.datadir"
  say "cluster stopped in $((SECONDS - t0)) s"
}

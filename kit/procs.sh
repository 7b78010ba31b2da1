# shellcheck shell=bash
# Process control for the kit's scripts (sourced by reproduce_issue.sh and tests/run.sh): start a process in
# its own process group, stop it, wait for a port, refuse a second run, and stop everything on every exit.
# Only processes; no JSON is read or written here.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { echo "warning: $*" >&2; }
die() { echo "error: $*" >&2; exit 2; }

KIT_CACHE="${DURABLE_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/durable-bugs-kit}"
# DURABLE_KIT_PORT_OFFSET=N moves every port the kit's local stacks and tests use up by N, and gives the run's
# locks and pidfiles a state folder of their own, so a second checkout (or a test run) can work beside a long
# run: two runs on other offsets share only the build cache.
KIT_PORT_OFFSET="${DURABLE_KIT_PORT_OFFSET:-0}"
[[ "$KIT_PORT_OFFSET" =~ ^[0-9]{1,4}$ ]] && ((10#$KIT_PORT_OFFSET <= 5000)) ||
  { echo "error: DURABLE_KIT_PORT_OFFSET takes a whole number from 0 to 5000, got '$KIT_PORT_OFFSET'" >&2; exit 2; }
KIT_PORT_OFFSET=$((10#$KIT_PORT_OFFSET))
if ((KIT_PORT_OFFSET == 0)); then KIT_STATE="${DURABLE_KIT_STATE:-$KIT_CACHE/state}"
else KIT_STATE="${DURABLE_KIT_STATE:-$KIT_CACHE/state-$KIT_PORT_OFFSET}"; fi

# ------------------------------------------------------------------------------- input checks
# need_value FLAG ARGC: a flag's value is there (called with "$#" before reading $2).
need_value() { (( $2 >= 2 )) || die "$1 needs a value"; }
# A whole number in [MIN, MAX], decimal even with leading zeros ("08" is 8).
whole() { # NAME VALUE MIN MAX
  [[ "$2" =~ ^[0-9]{1,9}$ ]] || die "$1 must be a whole number from $3 to $4, got '$2'"
  local v=$((10#$2))
  (( v >= $3 && v <= $4 )) || die "$1 must be a whole number from $3 to $4, got '$2'"
}
# A decimal number in (0, MAX] (or [0, MAX] with MIN 0): no NaN, no Infinity, no exponent.
decimal() { # NAME VALUE MIN(0|positive) MAX
  [[ "$2" =~ ^[0-9]{1,9}(\.[0-9]{1,6})?$|^\.[0-9]{1,6}$ ]] || die "$1 must be a number like 0.5, got '$2'"
  awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !((lo == "positive" ? v > 0 : v >= 0) && v <= hi) }' ||
    die "$1 must be $([[ $3 == positive ]] && echo 'above 0' || echo 'at least 0') and at most $4, got '$2'"
}

# ------------------------------------------------------------------------------ our processes
PIDS=() NAMES=()
KEEP_UP=0        # set to 1 to leave the recorded processes running on a successful exit
PIDFILE=""       # where the processes left running are recorded, for a later --down
ON_INTERRUPT=""  # a function to run on Ctrl-C before everything stops (prints what was measured)

# The start time of a process in clock ticks since boot: with the pid, it names one process for good,
# whereas a pid alone is reused within minutes on a busy machine.
# Never fails: a process that has just died (and been reaped) gives an empty answer, not an exit under set -e.
proc_start() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null || true; }

start_bg() { # NAME LOGFILE command...: own process group; the log is appended to, never truncated
  local name="$1" log="$2"; shift 2
  mkdir -p "$(dirname "$log")"
  printf '=== %s: %s started at %s\n' "$KIT_SCRIPT_NAME" "$name" "$(date '+%F %T')" >>"$log"
  # fd 9 is the run's lock: a process left running must not hold it. disown: no "Killed" job notices.
  setsid "$@" >>"$log" 2>&1 </dev/null 9>&- &
  PIDS+=("$!"); NAMES+=("$name")
  disown "$!"
  record_pids
}

stop_pid() { # PID [SIGNAL]: the whole process group, then wait for it (KILL after 5 s)
  local pid="$1" sig="${2:-TERM}" i
  kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

stop_named() { # NAME [SIGNAL]
  local i
  for i in "${!NAMES[@]}"; do
    if [[ "${NAMES[$i]}" == "$1" && -n "${PIDS[$i]}" ]]; then stop_pid "${PIDS[$i]}" "${2:-TERM}"; PIDS[i]=""; fi
  done
  record_pids
}

pid_of() { # NAME: the live pid started under that name, if any
  local i
  for i in "${!NAMES[@]}"; do [[ "${NAMES[$i]}" == "$1" && -n "${PIDS[$i]}" ]] && echo "${PIDS[$i]}"; done | tail -1
  return 0
}

stop_all() {
  local i
  for i in "${!PIDS[@]}"; do
    [[ -n "${PIDS[$i]}" ]] || continue
    echo "stopping ${NAMES[$i]}" >&2
    stop_pid "${PIDS[$i]}"
    PIDS[i]=""
  done
  record_pids
}

# The pidfile always says what is running now: "name pid start-time" a line, rewritten on every change.
record_pids() {
  [[ -n "$PIDFILE" ]] || return 0
  local i tmp="$PIDFILE.tmp.$$" st
  mkdir -p "$(dirname "$PIDFILE")"
  : >"$tmp"
  for i in "${!PIDS[@]}"; do
    [[ -n "${PIDS[$i]}" ]] || continue
    st="$(proc_start "${PIDS[$i]}")"
    [[ -n "$st" ]] && echo "${NAMES[$i]} ${PIDS[$i]} $st" >>"$tmp"
  done
  if [[ -s "$tmp" ]]; then mv -f "$tmp" "$PIDFILE"; else rm -f "$tmp" "$PIDFILE"; fi
}

# Stops what an earlier run recorded, but only processes that are still the ones it started.
stop_recorded() { # PIDFILE
  [[ -f "$1" ]] || return 0
  local name pid st
  while read -r name pid st; do
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    if [[ "$(proc_start "$pid")" != "$st" ]]; then continue; fi # gone, or the pid now names another process
    echo "stopping $name left up by an earlier run (pid $pid)" >&2
    stop_pid "$pid"
  done <"$1"
  rm -f "$1"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ $KEEP_UP == 1 && $rc == 0 ]]; then record_pids; exit 0; fi
  stop_all
  exit "$rc"
}
interrupted() {
  trap - INT TERM
  echo >&2
  echo "interrupted: stopping everything this script started" >&2
  [[ -n "$ON_INTERRUPT" ]] && "$ON_INTERRUPT" || true
  exit 130
}
trap cleanup EXIT
trap interrupted INT TERM

# One run of a kind at a time: a second one refuses in one line instead of corrupting the first.
take_lock() { # NAME
  mkdir -p "$KIT_STATE"
  local lock="$KIT_STATE/$1.lock"
  exec 9>>"$lock"
  if ! flock -n 9; then
    die "another $1 run is in progress (pid $(cat "$lock.pid" 2>/dev/null || echo '?')); wait for it, or stop it with Ctrl-C"
  fi
  echo $$ >"$lock.pid"
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # PORT SECONDS WHAT
  local i
  for ((i = 0; i < $2 * 10; i++)); do listening "$1" && return 0; sleep 0.1; done
  die "$3 did not open port $1 within $2 s"
}
ports_free() { # PORT...: refuses to start next to something we did not start
  local p
  for p in "$@"; do listening "$p" && die "port $p is in use: stop what holds it (./reproduce_issue.sh --down stops a stack this kit left up)"; done
  return 0
}

new_run_dir() { # KIND: sets RUN_ID and RUN_DIR (a fresh folder of this run's own)
  RUN_ID="$(date +%Y%m%d-%H%M%S)-$1-$$"
  RUN_DIR="$KIT/results/$RUN_ID"
  mkdir -p "$RUN_DIR" || die "cannot create $RUN_DIR"
}

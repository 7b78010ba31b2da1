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
# A TCP port: 1-65535, checked before anything starts (a port beyond it is not "slow to open", it is wrong).
port_number() { whole "$1" "$2" 1 65535; }
# HOST:PORT with the port in 1-65535.
host_port() { # NAME VALUE
  [[ "$2" =~ ^[A-Za-z0-9._-]+:([0-9]{1,9})$ ]] || die "$1 takes HOST:PORT, got '$2'"
  ((10#${BASH_REMATCH[1]} >= 1 && 10#${BASH_REMATCH[1]} <= 65535)) || die "$1: the port must be from 1 to 65535, got '$2'"
}
# A comma list names each item once: two legs of one version would write one folder, or blame each other.
unique_list() { # NAME LIST
  local seen=() x y
  IFS=, read -r -a seen <<<"$2"
  for x in "${!seen[@]}"; do for ((y = 0; y < x; y++)); do
    [[ "${seen[$x]}" == "${seen[$y]}" ]] && die "$1 names ${seen[$x]} twice: each version runs once in a run"
  done; done
  return 0
}
# A child of ours failed: exit code 2 is the kit's "I said why in one error line", so nothing is added to it.
child_failed() { # RC MESSAGE
  (($1 == 2)) && exit 2
  die "$2 (exit code $1)"
}
decimal() { # NAME VALUE MIN(0|positive) MAX
  [[ "$2" =~ ^[0-9]{1,9}(\.[0-9]{1,6})?$|^\.[0-9]{1,6}$ ]] || die "$1 must be a number like 0.5, got '$2'"
  awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !((lo == "positive" ? v > 0 : v >= 0) && v <= hi) }' ||
    die "$1 must be $([[ $3 == positive ]] && echo 'above 0' || echo 'at least 0') and at most $4, got '$2'"
}

# ------------------------------------------------------------------------------ our processes
PIDS=() NAMES=() LOGS=()
KEEP_UP=0        # set to 1 to leave the recorded processes running on a successful exit
PIDFILE=""       # where the processes left running are recorded, for a later --down
ON_INTERRUPT=""  # a function to run on Ctrl-C before everything stops (prints what was measured)

# The start time of a process in clock ticks since boot: with the pid, it names one process for good,
# whereas a pid alone is reused within minutes on a busy machine.
# Never fails: a process that has just died (and been reaped) gives an empty answer, not an exit under set -e.
proc_start() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null || true; }

# A signal (Ctrl-C, TERM, a closed terminal) that comes while a process is being started is held until that
# process is recorded. The waiter below forks it before its pid reaches this shell: a run that stopped in
# between left it running in a session of its own, in no pidfile, out of reach of stop_all and of --down.
STARTING=0 PENDING_SIGNAL="" STOPPING=0
on_signal() { # EXIT-CODE: the INT, TERM and HUP trap
  if ((STARTING > 0)); then PENDING_SIGNAL="$1"; return 0; fi
  interrupted "$1"
}
hold_signals() { STARTING=$((STARTING + 1)); }
release_signals() { # a signal held meanwhile is acted on now, with everything started so far recorded
  STARTING=$((STARTING - 1))
  if ((STARTING == 0)) && [[ -n "$PENDING_SIGNAL" ]]; then
    local code="$PENDING_SIGNAL"; PENDING_SIGNAL=""
    interrupted "$code"
  fi
  return 0
}

start_bg() { # NAME LOGFILE command...: own process group; the log is appended to, never truncated
  local name="$1" log="$2" pid="" fd rc; shift 2
  # Nothing starts once the run is stopping: it would outlive the stop.
  ((STOPPING == 0)) || { warn "not starting $name: the run is stopping"; return 1; }
  mkdir -p "$(dirname "$log")" 2>/dev/null || die "cannot create the folder of $log"
  printf '=== %s: %s started at %s\n' "$KIT_SCRIPT_NAME" "$name" "$(date '+%F %T')" 2>/dev/null >>"$log" ||
    die "cannot write $log (is the disk full?)"
  hold_signals
  # The process is the leader of its own group (its pid is what the pidfile names); a small waiter beside it
  # appends its exit code to its log when it ends, so a wait for it can say at once that it died, and how.
  # The waiter keeps none of our descriptors: a run left up must not hold the caller's stdout or stderr.
  exec {fd}< <(
    setsid "$@" >>"$log" 2>&1 </dev/null 9>&- &
    echo "$!"
    exec >/dev/null 2>&1 </dev/null 9>&-
    rc=0; wait "$!" || rc=$?
    printf '=== %s: %s exited with code %d at %s\n' "$KIT_SCRIPT_NAME" "$name" "$rc" "$(date '+%F %T')" >>"$log"
  )
  # A held signal interrupts the read (status above 128); the pid is still in the pipe, so read again.
  while :; do rc=0; read -r -u "$fd" pid || rc=$?; ((rc > 128)) || break; done
  exec {fd}<&-
  if [[ -n "$pid" ]]; then PIDS+=("$pid"); NAMES+=("$name"); LOGS+=("$log"); record_pids; fi
  release_signals
  [[ -n "$pid" ]] || die "could not start $name (see $log)"
}

# A process started by start_bg that has ended: its exit code (from its log), or "unknown".
exit_code_of() { # NAME
  local log i code=""
  log="$(log_of "$1")"
  for ((i = 0; i < 20; i++)); do # the waiter writes it right after the exit
    code="$(sed -n "s/^=== .*: $1 exited with code \([0-9]*\) at .*/\1/p" "$log" 2>/dev/null | tail -1)"
    [[ -n "$code" ]] && break
    sleep 0.1
  done
  echo "${code:-unknown}"
}
log_of() { # NAME: the log of the latest process started under that name
  local i l=""
  for i in "${!NAMES[@]}"; do [[ "${NAMES[$i]}" == "$1" ]] && l="${LOGS[$i]}"; done
  echo "$l"
}
# Whether the latest process started under NAME is still running (a name never started counts as running:
# there is nothing to watch).
alive() { # NAME
  local pid; pid="$(pid_of "$1")"
  [[ -z "$pid" ]] && { [[ -z "$(log_of "$1")" ]]; return; }
  kill -0 "$pid" 2>/dev/null
}
# Ends the run at once when the process started under NAME has exited: its exit code, the last lines of its
# own log, and one error line. WHAT names it for the user; WHILE says what was being waited for.
alive_or_die() { # NAME WHAT WHILE
  alive "$1" && return 0
  local log code; log="$(log_of "$1")"; code="$(exit_code_of "$1")"
  if [[ -n "$log" && -f "$log" ]]; then
    echo "the last lines of $log:" >&2
    grep -v '^=== ' "$log" | tail -n 12 | sed 's/^/   | /' >&2
  fi
  die "$2 exited (code $code) $3; its log: $log"
}

stop_pid() { # PID [SIGNAL]: the whole process group, then wait for it (KILL after 5 s)
  local pid="$1" sig="${2:-TERM}" i
  kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do running_group "$pid" || return 0; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do running_group "$pid" || return 0; sleep 0.1; done
  warn "process $pid (or one of its group) is still there 2 s after SIGKILL"
}
# The process, or any process of the group it leads (a JVM under jbang's launcher), is still there.
running_group() { kill -0 -- "-$1" 2>/dev/null || kill -0 "$1" 2>/dev/null; }

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

# A signal while everything stops is acknowledged, not obeyed: obeyed, it ended this script halfway through
# stop_all and left the rest running (seen: a test harness sent TERM twice, and a Dapr stack and a dev
# server outlived the run). A third leaves at once; the pidfile still names what runs, for the next run.
STOP_SIGNALS=0
while_stopping() {
  STOP_SIGNALS=$((STOP_SIGNALS + 1))
  if ((STOP_SIGNALS >= 2)); then
    echo "leaving now${PIDFILE:+: what still runs is recorded in $PIDFILE, and the next run stops it}" >&2
    trap - EXIT
    exit 130
  fi
  echo "still stopping what this script started (a second signal leaves it running)" >&2
}

cleanup() {
  local rc=$?
  trap - EXIT
  trap while_stopping INT TERM HUP
  STOPPING=1
  release_locks
  if [[ $KEEP_UP == 1 && $rc == 0 ]]; then record_pids; exit 0; fi
  stop_all
  # A run that failed before it wrote anything leaves no empty results folder behind.
  if [[ $rc != 0 && -n "${RUN_DIR:-}" ]]; then rmdir "$RUN_DIR" "${RUN_TOP:-$RUN_DIR}" 2>/dev/null || true; fi
  exit "$rc"
}
interrupted() { # EXIT-CODE
  trap while_stopping INT TERM HUP
  STOPPING=1
  echo >&2
  echo "interrupted: stopping everything this script started" >&2
  [[ -n "$ON_INTERRUPT" ]] && "$ON_INTERRUPT" || true
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT TERM
trap 'on_signal 129' HUP # a closed terminal: the partial summary and its path, as after Ctrl-C

# One run of a kind at a time: a second one refuses in one line instead of corrupting the first. The run is named
# by its pid and start time in KIND.lock.pid; the flock is held only while that file is read and written, never for
# the run, so no child (a `sleep`, a starter still running after the script was killed) can keep it. An owner that
# is gone is taken over, saying so.
LOCKS=()
take_lock() { # NAME
  mkdir -p "$KIT_STATE" 2>/dev/null || die "cannot create the state folder $KIT_STATE"
  local lock="$KIT_STATE/$1.lock" owner="" st=""
  exec 9>>"$lock" || die "cannot open $lock"
  flock -w 10 9 || die "could not take $lock within 10 s"
  [[ -s "$lock.pid" ]] && { read -r owner st <"$lock.pid" || true; }
  if [[ -n "$owner" && "$owner" != "$$" && -n "$st" && "$(proc_start "$owner")" == "$st" ]]; then
    exec 9>&-
    die "another $1 run is in progress (pid $owner); wait for it, or stop it with Ctrl-C"
  fi
  [[ -n "$owner" && "$owner" != "$$" ]] && warn "taking over the $1 lock from run $owner, which is gone"
  { echo "$$ $(proc_start $$)" >"$lock.pid.tmp" && mv -f "$lock.pid.tmp" "$lock.pid"; } 2>/dev/null ||
    { exec 9>&-; die "cannot write $lock.pid"; }
  exec 9>&-
  LOCKS+=("$lock.pid")
}
release_locks() {
  local f owner st
  # Only the script that took them: a subshell's cleanup (a matrix leg) would otherwise free the run's lock
  # while the run goes on ($$ names the script in its subshells too).
  [[ "$BASHPID" == "$$" ]] || return 0
  for f in "${LOCKS[@]}"; do
    owner=""; read -r owner st <"$f" 2>/dev/null || true
    [[ "$owner" == "$$" ]] && rm -f "$f"
  done
  LOCKS=()
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # PORT SECONDS WHAT [NAME]: with NAME (as given to start_bg), a process that exits ends the wait at once
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    listening "$1" && return 0
    [[ -n "${4:-}" ]] && alive_or_die "$4" "$3" "before it opened port $1"
    sleep 0.1
  done
  die "$3 did not open port $1 within $2 s"
}
# A port in the machine's ephemeral range (net.ipv4.ip_local_port_range) is lent by the kernel to outgoing
# connections whenever nothing is bound to it, and one such connection (or its TIME-WAIT, 60 s) then refuses
# our server the port although nothing listens there; a connect probe can even connect to itself on it.
in_range() { # LOW HIGH PORT...: the ports among PORT... that lie in [LOW, HIGH]
  local lo="$1" hi="$2" p out=(); shift 2
  for p in "$@"; do ((p >= lo && p <= hi)) && out+=("$p"); done
  echo "${out[*]}"
}
warn_ephemeral() { # PORT...: one warning line when this machine lends any of them to outgoing connections
  local lo hi inside
  read -r lo hi 2>/dev/null </proc/sys/net/ipv4/ip_local_port_range || return 0
  inside="$(in_range "$lo" "$hi" "$@")"
  [[ -z "$inside" ]] || warn "port(s) $inside lie in this machine's ephemeral port range ($lo-$hi, net.ipv4.ip_local_port_range): an outgoing connection may hold one for a minute, and a server then fails to bind it"
}
ports_free() { # PORT...: refuses to start next to something we did not start
  local p
  for p in "$@"; do listening "$p" && die "port $p is in use: stop what holds it (./reproduce_issue.sh --down stops a stack this kit left up)"; done
  return 0
}

new_run_dir() { # KIND: sets RUN_ID and RUN_DIR (a fresh folder of this run's own)
  RUN_ID="$(date +%Y%m%d-%H%M%S)-$1-$$"
  RUN_DIR="$KIT/results/$RUN_ID" RUN_TOP="$KIT/results/$RUN_ID"
  mkdir -p "$RUN_DIR" 2>/dev/null || die "cannot create $RUN_DIR"
}

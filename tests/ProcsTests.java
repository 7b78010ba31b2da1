// kit/procs.sh, the kit's process control, against real processes standing in for the engines
// (sleep, bash): the pidfile, the lock, the waits, the signals, the input checks. No server is
// needed, so every test here is fast.

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

public class ProcsTests {
  /**
   * What a bash script printed (stdout and stderr together), its exit code and how long it took.
   */
  record Ran(int exit, String out, double seconds) {
    long errorLines() {
      return out.lines().filter(l -> l.startsWith("error:")).count();
    }
  }

  static final String PRELUDE = Fakes.PRELUDE;

  /** Runs SCRIPT after sourcing kit/procs.sh, with a state folder of its own; at most 60 s. */
  static Ran bash(Path state, String script) throws Exception {
    var pb = Fakes.kitBash(state, script).redirectErrorStream(true);
    long t0 = System.nanoTime();
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script ended");
    return new Ran(p.exitValue(), out, (System.nanoTime() - t0) / 1e9);
  }

  /**
   * --down stops only what it can prove it started: a pid now naming another process is left alone.
   */
  @Test
  @Tag("fast")
  void downLeavesAProcessWhosePidWasReusedAlone() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      Path pidfile = Files.createTempFile("pids", ".txt");
      Files.writeString(
          pidfile, "redis " + sleeper.pid() + " 1\n"); // start time 1: not this process
      Process p =
          new ProcessBuilder(
                  "bash",
                  "-c",
                  "KIT=$PWD; KIT_SCRIPT_NAME=test; source kit/procs.sh; stop_recorded " + pidfile)
              .inheritIO()
              .start();
      assertEquals(0, p.waitFor());
      assertTrue(sleeper.isAlive(), "an unrelated process that holds a recorded pid is not killed");
      Files.writeString(pidfile, Fakes.pidfileLine("redis", sleeper));
      p =
          new ProcessBuilder(
                  "bash",
                  "-c",
                  "KIT=$PWD; KIT_SCRIPT_NAME=test; source kit/procs.sh; stop_recorded "
                      + pidfile
                      + " 2>/dev/null")
              .start();
      assertEquals(0, p.waitFor());
      sleeper.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      assertFalse(sleeper.isAlive(), "the process it did start is stopped");
    } finally {
      sleeper.destroyForcibly();
    }
  }

  /**
   * A recorded process that dies on its own (the app killed from outside, as CI once did mid-kill)
   * must not end a set -e script silently: the pidfile is rewritten without it and the run goes on
   * to say what happened.
   */
  @Test
  @Tag("fast")
  void aProcessThatDiesOnItsOwnDoesNotEndTheScript() throws Exception {
    Path dir = Files.createTempDirectory("procs");
    Ran r =
        bash(
            dir,
            "PIDFILE="
                + dir.resolve("pids")
                + "; start_bg sleeper "
                + dir.resolve("log")
                + " sleep 60; start_bg other "
                + dir.resolve("log")
                + " sleep 60; kill -KILL \"$(pid_of sleeper)\"; sleep 0.5; record_pids; cat"
                + " \"$PIDFILE\"; stop_all 2>/dev/null; echo went-on");
    String out = r.out();
    assertEquals(0, r.exit(), out);
    assertTrue(out.contains("went-on"), out);
    assertFalse(out.contains("sleeper "), "the dead process is no longer recorded: " + out);
    assertTrue(out.contains("other "), "the live one still is: " + out);
  }

  /**
   * Issue 17 item 6: a run killed with SIGKILL while a child of its own still runs (a `sleep`, the
   * starter) no longer holds the lock through that child: the next run takes the lock over, saying
   * whose it was.
   */
  @Test
  @Tag("fast")
  void aLockWhoseOwnerWasKilledIsTakenOverWhileItsChildStillRuns() throws Exception {
    Path state = Files.createTempDirectory("lock");
    Process owner = lockOwner(state);
    try {
      new ProcessBuilder("kill", "-KILL", String.valueOf(owner.pid())).start().waitFor();
      owner.waitFor(10, TimeUnit.SECONDS);
      Ran next = bash(state, "take_lock demo; echo took-it");
      assertEquals(0, next.exit(), next.out());
      assertTrue(next.out().contains("took-it"), next.out());
      assertTrue(
          next.out()
              .contains("taking over the demo lock from run " + owner.pid() + ", which is gone"),
          next.out());
    } finally {
      Fakes.stopTree(owner);
    }
  }

  /** A run in STATE that holds the demo lock (its child, a sleep, too), once it has taken it. */
  static Process lockOwner(Path state) throws Exception {
    Process owner =
        Fakes.kitBash(state, "take_lock demo; echo locked; sleep 30")
            .redirectErrorStream(true)
            .start();
    try {
      assertEquals("locked", Fakes.firstLine(owner));
    } catch (Throwable notLocked) {
      Fakes.stopTree(owner);
      throw notLocked;
    }
    return owner;
  }

  /** ...and a live owner still refuses a second run, in one error line. */
  @Test
  @Tag("fast")
  void aLockWhoseOwnerIsAliveRefusesASecondRun() throws Exception {
    Path state = Files.createTempDirectory("lock");
    Process owner = lockOwner(state);
    try {
      Ran next = bash(state, "take_lock demo; echo took-it");
      assertEquals(2, next.exit(), next.out());
      assertEquals(1, next.errorLines(), next.out());
      assertTrue(
          next.out().contains("another demo run is in progress (pid " + owner.pid() + ")"),
          next.out());
    } finally {
      Fakes.stopTree(owner);
    }
  }

  /**
   * Issue 17 item 7: a process that exits at start (the scheduler of 1.14.4 on an unknown flag) is
   * reported at once, with its exit code and the last lines of its own log, not after the wait for
   * its port runs out.
   */
  @Test
  @Tag("fast")
  void aWaitForAPortEndsAtOnceWhenTheProcessExits() throws Exception {
    Path dir = Files.createTempDirectory("wait");
    Ran r =
        bash(
            dir,
            "start_bg scheduler "
                + dir.resolve("scheduler.log")
                + " bash -c 'echo \"unknown flag: --etcd-client-port\"; exit 3'; wait_port 1 60"
                + " scheduler scheduler");
    assertEquals(2, r.exit(), r.out());
    assertTrue(
        r.seconds() < 20, "reported at once, not after the 60 s wait: " + r.seconds() + " s");
    assertEquals(1, r.errorLines(), r.out());
    assertTrue(r.out().contains("scheduler exited (code 3) before it opened port 1"), r.out());
    assertTrue(
        r.out().contains("| unknown flag: --etcd-client-port"),
        "its own last lines are shown: " + r.out());
  }

  /**
   * Issue 17 item 10: a log that cannot be written (a full disk) is one error line and exit 2, not
   * bash's write error.
   */
  @Test
  @Tag("fast")
  void aLogThatCannotBeWrittenIsOneErrorLine() throws Exception {
    Ran r = bash(Files.createTempDirectory("full"), "start_bg x /dev/full sleep 5; echo started");
    assertEquals(2, r.exit(), r.out());
    assertEquals(1, r.errorLines(), r.out());
    assertFalse(r.out().contains("write error"), r.out());
    assertFalse(r.out().contains("started"), r.out());
  }

  /**
   * Issue 17 item 12: SIGHUP (a closed terminal) says where the partial results are, as Ctrl-C
   * does, and exits 129.
   */
  @Test
  @Tag("fast")
  void aHangUpSaysWhereThePartialResultsAre() throws Exception {
    Path state = Files.createTempDirectory("hup");
    Process p =
        Fakes.kitBash(
                state,
                "partial() { echo \"partial results (interrupted): /x/summary.json\" >&2; };"
                    + " ON_INTERRUPT=partial; echo up; for ((i = 0; i < 300; i++)); do sleep 0.1;"
                    + " done")
            .redirectErrorStream(true)
            .start();
    assertEquals("up", Fakes.firstLine(p));
    new ProcessBuilder("kill", "-HUP", String.valueOf(p.pid())).start().waitFor();
    String rest = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(20, TimeUnit.SECONDS));
    assertEquals(129, p.exitValue(), rest);
    assertTrue(rest.contains("partial results (interrupted): /x/summary.json"), rest);
  }

  /**
   * Issue 17 items 2 and 9: repeated list items and ports outside 1-65535 are one error line each.
   */
  @Test
  @Tag("fast")
  void repeatedVersionsAndPortsOutOfRangeAreOneErrorLine() throws Exception {
    Path state = Files.createTempDirectory("input");
    for (String bad :
        List.of(
            "unique_list --dapr-version 1.15.8,1.16.2,1.15.8",
            "port_number --port 0",
            "port_number --port 65536",
            "host_port --address localhost:99999",
            "host_port --address localhost:0",
            "host_port --address nohost")) {
      Ran r = bash(state, bad + "; echo accepted");
      assertEquals(2, r.exit(), bad + ": " + r.out());
      assertEquals(1, r.errorLines(), bad + ": " + r.out());
      assertFalse(r.out().contains("accepted"), bad);
    }
    for (String good :
        List.of(
            "unique_list --dapr-version 1.15.8,1.16.2",
            "port_number --port 65535",
            "host_port --address localhost:1")) {
      Ran r = bash(state, good + "; echo accepted");
      assertTrue(r.out().contains("accepted"), good + ": " + r.out());
    }
  }

  /**
   * Issue 17, "also known": DURABLE_KIT_PORT_OFFSET gives a run its own state folder (lock,
   * pidfiles) with its ports, so a second checkout can run beside a long run;
   * DURABLE_KIT_TEMPORAL_PORTS moves only two servers, not the state, as kit/temporal.sh and the
   * README now say.
   */
  @Test
  @Tag("fast")
  void theStateFolderFollowsThePortOffsetAndNotTheTemporalPorts() throws Exception {
    String show =
        "KIT=$PWD; KIT_SCRIPT_NAME=test; source kit/procs.sh; source kit/temporal.sh; echo"
            + " \"$KIT_STATE $TEMPORAL_PORT_OFF\"";
    var env = new java.util.HashMap<String, String>();
    String[] plain = run(show, env), offset, moved;
    env.put("DURABLE_KIT_PORT_OFFSET", "700");
    offset = run(show, env);
    env.remove("DURABLE_KIT_PORT_OFFSET");
    env.put("DURABLE_KIT_TEMPORAL_PORTS", "9233,9235");
    moved = run(show, env);
    assertEquals(plain[0] + "-700", offset[0], "the offset's own state folder");
    assertEquals("7933", offset[1]);
    assertEquals(plain[0], moved[0], "the Temporal ports alone keep the shared state folder");
    assertEquals("9233", moved[1]);
  }

  static String[] run(String script, java.util.Map<String, String> env) throws Exception {
    var pb = new ProcessBuilder("bash", "-c", script);
    pb.environment().remove("DURABLE_KIT_STATE");
    pb.environment().remove("DURABLE_KIT_PORT_OFFSET");
    pb.environment().remove("DURABLE_KIT_TEMPORAL_PORTS");
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertEquals(0, p.waitFor(), out);
    return out.split(" ");
  }

  /**
   * A child of ours that failed with the kit's exit code 2 has said why in its one error line:
   * nothing is added.
   */
  @Test
  @Tag("fast")
  void aChildsOwnErrorLineIsTheOnlyOne() throws Exception {
    Path state = Files.createTempDirectory("child");
    Ran r =
        bash(
            state,
            "rc=0; bash -c 'echo \"error: no such version\" >&2; exit 2' || rc=$?; child_failed $rc"
                + " 'could not get it'");
    assertEquals(2, r.exit());
    assertEquals(1, r.errorLines(), r.out());
    r = bash(state, "rc=0; bash -c 'exit 1' || rc=$?; child_failed $rc 'could not get it'");
    assertEquals(2, r.exit());
    assertTrue(r.out().contains("error: could not get it (exit code 1)"), r.out());
  }

  /**
   * The 59092 flake's suspect, proven real: Ctrl-C while start_bg waits for the pid of a process
   * its waiter has just forked. That process must be recorded and stopped with the rest, not left
   * running unrecorded in a session of its own (out of reach of --down too). A DEBUG trap in the
   * waiter (set -T: inherited by the process substitution) sends the signal at that very moment:
   * after the fork, before the pid is written.
   */
  @Test
  @Tag("fast")
  void aSignalWhileAProcessIsStartingStopsThatProcessToo() throws Exception {
    interruptsCanBeTrapped();
    Path dir = Files.createTempDirectory("starting");
    Path pidOf = dir.resolve("fake.pid");
    String hook =
        "if [[ $BASHPID != $$ && $BASH_COMMAND == 'echo \"$!\"' ]]; then kill -INT $$; sleep 1;"
            + " fi";
    Ran r =
        bash(
            dir,
            "PIDFILE="
                + dir.resolve("pids")
                + "; set -T; trap '"
                + hook.replace("'", "'\\''")
                + "' DEBUG; start_bg fake "
                + dir.resolve("fake.log")
                + " bash -c 'echo $$ > "
                + pidOf
                + "; exec sleep 300'; trap - DEBUG; echo went-on");
    long pid = -1;
    try {
      assertEquals(130, r.exit(), r.out());
      assertFalse(r.out().contains("went-on"), "the run stops at the signal: " + r.out());
      for (int i = 0; i < 50 && !Files.exists(pidOf); i++) Thread.sleep(100);
      assertTrue(Files.exists(pidOf), "the fake process was started: " + r.out());
      pid = Long.parseLong(Files.readString(pidOf).trim());
      var fake = ProcessHandle.of(pid);
      for (int i = 0; i < 50 && fake.map(ProcessHandle::isAlive).orElse(false); i++)
        Thread.sleep(100);
      assertFalse(
          fake.map(ProcessHandle::isAlive).orElse(false),
          "the process that was starting as the signal came is stopped with the run: " + r.out());
      assertTrue(r.out().contains("stopping fake"), r.out());
      assertFalse(Files.exists(dir.resolve("pids")), "and the pidfile says nothing runs");
    } finally {
      if (pid > 0) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** start_bg of "slow", which takes SECONDS to end after a TERM; its pid goes to DIR/slow.pid. */
  static String startSlowToStop(Path dir, String seconds) {
    return "start_bg slow "
        + dir.resolve("slow.log")
        + " bash -c 'echo $$ > "
        + dir.resolve("slow.pid")
        + "; trap \"sleep "
        + seconds
        + "; exit 0\" TERM; while :; do sleep 0.1; done'; ";
  }

  /** Waits up to 5 s for a file to be written (a started process's pid). */
  static String awaitFile(Path f) {
    return "for i in $(seq 50); do [[ -s " + f + " ]] && break; sleep 0.1; done; ";
  }

  /**
   * A second signal while everything stops (an impatient Ctrl-C, a harness that sends TERM twice)
   * is acknowledged and the stop goes on: obeyed, it ended the script inside stop_all, and what it
   * had not stopped yet outlived the run.
   */
  @Test
  @Tag("fast")
  void aSecondSignalWhileEverythingStopsIsAcknowledgedAndEverythingStillStops() throws Exception {
    interruptsCanBeTrapped();
    Path dir = Files.createTempDirectory("twice");
    Path slowPid = dir.resolve("slow.pid"), otherPid = dir.resolve("other.pid");
    Ran r =
        bash(
            dir,
            "PIDFILE="
                + dir.resolve("pids")
                + "; "
                + startSlowToStop(dir, "1.5")
                + "start_bg other "
                + dir.resolve("other.log")
                + " bash -c 'echo $$ > "
                + otherPid
                + "; exec sleep 300'; "
                + awaitFile(otherPid)
                + "(sleep 0.7; kill -TERM $$) & kill -INT $$; sleep 10; echo went-on");
    long slow = -1, other = -1;
    try {
      slow = Long.parseLong(Files.readString(slowPid).trim());
      other = Long.parseLong(Files.readString(otherPid).trim());
      assertEquals(130, r.exit(), r.out());
      assertFalse(r.out().contains("went-on"), r.out());
      assertTrue(r.out().contains("still stopping what this script started"), r.out());
      assertTrue(r.out().contains("stopping other"), "the stop went on to the next: " + r.out());
      for (long pid : new long[] {slow, other}) {
        var h = ProcessHandle.of(pid);
        for (int i = 0; i < 50 && h.map(ProcessHandle::isAlive).orElse(false); i++)
          Thread.sleep(100);
        assertFalse(h.map(ProcessHandle::isAlive).orElse(false), pid + " outlived: " + r.out());
      }
      assertFalse(Files.exists(dir.resolve("pids")), "and the pidfile says nothing runs");
    } finally {
      for (long pid : new long[] {slow, other})
        if (pid > 0) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** A third signal leaves at once, and the pidfile still names what runs, for the next run. */
  @Test
  @Tag("fast")
  void aThirdSignalLeavesAtOnceWithWhatStillRunsRecorded() throws Exception {
    interruptsCanBeTrapped();
    Path dir = Files.createTempDirectory("thrice");
    Path slowPid = dir.resolve("slow.pid");
    Ran r =
        bash(
            dir,
            "PIDFILE="
                + dir.resolve("pids")
                + "; "
                + startSlowToStop(dir, "20")
                + awaitFile(slowPid)
                + "(sleep 0.5; kill -TERM $$; sleep 0.5; kill -TERM $$) & kill -INT $$; sleep 10");
    long slow = -1;
    try {
      slow = Long.parseLong(Files.readString(slowPid).trim());
      assertEquals(130, r.exit(), r.out());
      assertTrue(r.out().contains("leaving now: what still runs is recorded in"), r.out());
      assertTrue(r.seconds() < 8, "it left at once, not after the slow stop: " + r.seconds());
      assertTrue(
          Files.readString(dir.resolve("pids")).startsWith("slow " + slow + " "),
          "the pidfile names what still runs");
    } finally {
      // the whole group: its TERM trap's sleep too
      if (slow > 0) new ProcessBuilder("kill", "-KILL", "--", "-" + slow).start().waitFor();
    }
  }

  /**
   * Skips a test that sends the script SIGINT when these tests were started with SIGINT ignored (in
   * the background of a non-interactive shell: `tests/run.sh &`, nohup). Bash cannot trap a signal
   * ignored on entry, so the script's Ctrl-C path cannot run there: not a failure of it, and not a
   * pass either.
   */
  static void interruptsCanBeTrapped() throws Exception {
    // Asked of a bash started as the tests start theirs: the JVM's own mask is not what its
    // children get.
    Process p =
        new ProcessBuilder("bash", "-c", "sed -n 's/^SigIgn:[[:space:]]*//p' /proc/self/status")
            .redirectErrorStream(true)
            .start();
    String ignored = new String(p.getInputStream().readAllBytes()).trim();
    p.waitFor();
    if (ignored.isEmpty()) ignored = "0";
    boolean intIgnored = (Long.parseUnsignedLong(ignored, 16) & (1L << (2 - 1))) != 0;
    org.junit.jupiter.api.Assumptions.assumeFalse(
        intIgnored,
        "SIGINT is ignored in this test process (started in the background?): SigIgn " + ignored);
  }

  /**
   * A signal that came while a start was held is acted on once the start is recorded; nothing
   * starts once the run is stopping (its ON_INTERRUPT step, its cleanup).
   */
  @Test
  @Tag("fast")
  void nothingStartsOnceTheRunIsStopping() throws Exception {
    interruptsCanBeTrapped();
    Path dir = Files.createTempDirectory("stopping");
    Ran r =
        bash(
            dir,
            "late() { start_bg late "
                + dir.resolve("late.log")
                + " sleep 300 || echo refused; }; ON_INTERRUPT=late; kill -INT $$; sleep 5");
    assertEquals(130, r.exit(), r.out());
    assertTrue(
        r.out().contains("warning: not starting late: the run is stopping")
            && r.out().contains("refused"),
        r.out());
    assertFalse(Files.exists(dir.resolve("late.log")), "it was never started: " + r.out());
  }

  /**
   * A matrix leg runs in a subshell with the run's cleanup as its EXIT trap: its end must not free
   * the run's lock ($$ names the script in the subshell too), or a second run could start beside
   * the matrix's next leg (and the next leg's cleanup said "No such file or directory").
   */
  @Test
  @Tag("fast")
  void aSubshellsCleanupLeavesTheRunsLockInPlace() throws Exception {
    Path state = Files.createTempDirectory("leglock");
    Ran r =
        bash(
            state,
            "take_lock dapr; ( trap cleanup EXIT; exit 2 ) || true; ls \""
                + state
                + "\"; ( trap cleanup EXIT; exit 2 ) || true; echo second-leg-done");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("dapr.lock.pid"), "the lock is still the run's: " + r.out());
    assertTrue(r.out().contains("second-leg-done"), r.out());
    assertFalse(r.out().contains("No such file"), r.out());
  }

  /**
   * The 59092 flake's cause: the Dapr stack's ports were Dapr's own (50001, 59092...), inside
   * Linux's ephemeral range, where the kernel lends a free port to any outgoing connection (and a
   * connect probe can meet itself: "port 59092 is in use" with nothing listening, then a TIME-WAIT
   * that refuses daprd the port for 60 s). Every port of the stack, at offset 0 and at the highest
   * offset, lies outside this machine's range (32768-60999 where /proc does not say).
   */
  @Test
  @Tag("fast")
  void noPortOfTheDaprStackIsOneTheKernelLendsToConnections() throws Exception {
    long lo = 32768, hi = 60999;
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    if (Files.isReadable(range)) {
      String[] r = Files.readAllLines(range).get(0).trim().split("\\s+");
      lo = Long.parseLong(r[0]);
      hi = Long.parseLong(r[1]);
    }
    for (String offset : List.of("0", "300", "5000")) {
      var pb =
          new ProcessBuilder(
              "bash",
              "-c",
              "KIT=$PWD; KIT_SCRIPT_NAME=test; source kit/procs.sh; source kit/dapr.sh; trap -"
                  + " EXIT; for v in $(compgen -v | grep -E '_PORT$|^DAPR_(B_)?(HTTP|GRPC)$'); do"
                  + " echo \"$v ${!v}\"; done");
      pb.environment().put("DURABLE_KIT_PORT_OFFSET", offset);
      pb.environment().remove("DURABLE_KIT_STATE");
      Process p = pb.start();
      List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
      assertEquals(0, p.waitFor());
      assertEquals(20, lines.size(), "every port of the stack: " + lines);
      for (String l : lines) {
        long port = Long.parseLong(l.split(" ")[1]);
        assertFalse(
            port >= lo && port <= hi,
            l + " at offset " + offset + " lies in the ephemeral range " + lo + "-" + hi);
      }
    }
    Ran r = bash(Files.createTempDirectory("range"), "in_range 32768 60999 8999 59092 25092 32768");
    assertEquals("59092 32768", r.out().trim());
  }
}

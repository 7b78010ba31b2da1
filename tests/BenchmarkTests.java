// The side-by-side benchmark's pure parts (fast, no server): recognising the original kit, the
// run's copy of it (only its constants change), its chaos worker's log lines as incarnations, where
// a hand-over falls, and the figures of a run (percentiles, busy restarts, Wilson), the Fisher test
// and the report's bad input. The original's scripts are not in this repository: the tests write
// the few lines they need themselves.

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

public class BenchmarkTests {

  /**
   * The constants the original's scripts hold, each once, as the benchmark expects to find them.
   */
  static Path fakeOriginal(Path dir) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("activity_worker.py"),
        "client = await Client.connect(\"localhost:7233\")\n"
            + "Worker(client, task_queue=\"activities\")\n");
    Files.writeString(
        dir.resolve("start_workflows.py"),
        "client = await Client.connect(\"localhost:7233\")\n"
            + "workflow_id = f\"simple-workflow-{i}\"\n"
            + "start(id=workflow_id, task_queue=\"workflows\")\n");
    Files.writeString(
        dir.resolve("workflow_worker.py"),
        "client = await Client.connect(\"localhost:7233\")\n"
            + "Worker(client, task_queue=\"workflows\")\n");
    Files.writeString(
        dir.resolve("workflows.py"), "activity_options = {\"task_queue\": \"activities\"}\n");
    Files.writeString(dir.resolve("requirements.txt"), "temporalio>=1.18.1\n");
    return dir;
  }

  @Test
  @Tag("fast")
  void theOriginalIsRecognisedAndItsPinnedSdkRead() throws Exception {
    Path dir = fakeOriginal(Files.createTempDirectory("orig"));
    assertEquals("temporalio==1.18.1", Original.check(dir).pipSpec());
    assertEquals("1.2.3", Original.pin("grpcio\ntemporalio==1.2.3\n").version());
    assertThrows(Cli.Fail.class, () -> Original.pin("requests\n"));
    // --original-sdk: another release for the same scripts; anything but a version is refused,
    // since it goes into pip's command line and a folder name.
    assertEquals("temporalio==1.35.0", Original.otherSdk("1.35.0").pipSpec());
    for (String bad : List.of("", "1", "1.35.0; rm -rf /", "../1.2", "latest"))
      assertThrows(Cli.Fail.class, () -> Original.otherSdk(bad), bad);
  }

  @Test
  @Tag("fast")
  void aFolderThatIsNotTheOriginalIsOneLineOfError() throws Exception {
    Path empty = Files.createTempDirectory("notorig");
    var e = assertThrows(Cli.Fail.class, () -> Original.check(empty));
    assertTrue(e.getMessage().contains("is not the original kit"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertThrows(Cli.Fail.class, () -> Original.check(empty.resolve("nowhere")));
    // A constant moved (a fork that already made the address configurable) is not the original we
    // know.
    Path changed = fakeOriginal(Files.createTempDirectory("fork"));
    Files.writeString(
        changed.resolve("start_workflows.py"),
        "client = await Client.connect(os.environ['ADDR'])\n");
    var f = assertThrows(Cli.Fail.class, () -> Original.check(changed));
    assertTrue(f.getMessage().contains("start_workflows.py"), f.getMessage());
  }

  @Test
  @Tag("fast")
  void theRunsCopyChangesOnlyTheAddressQueuesAndIds() throws Exception {
    Path dir = fakeOriginal(Files.createTempDirectory("orig"));
    Path to = Files.createTempDirectory("copy");
    Original.copy(
        dir, to, new Original.Target("localhost:7833", "workflows:r1", "activities:r1", "run1-"));
    String start = Files.readString(to.resolve("start_workflows.py"));
    assertTrue(
        start.contains("Client.connect(\"localhost:7833\")")
            && start.contains("f\"run1-{i}\"")
            && start.contains("task_queue=\"workflows:r1\""),
        start);
    assertTrue(
        Files.readString(to.resolve("workflows.py")).contains("\"task_queue\": \"activities:r1\""));
    assertTrue(
        Files.readString(to.resolve("activity_worker.py"))
            .contains("task_queue=\"activities:r1\""));
    // Line count and everything else unchanged; the checkout itself untouched.
    assertEquals(
        Files.readAllLines(dir.resolve("start_workflows.py")).size(),
        Files.readAllLines(to.resolve("start_workflows.py")).size());
    assertTrue(Files.readString(dir.resolve("start_workflows.py")).contains("localhost:7233"));
    // Nothing that could break out of a Python string literal goes in.
    assertThrows(
        Cli.Fail.class,
        () ->
            Original.patched(
                Original.read(dir), new Original.Target("x\");import os#", "a", "b", "c")));
  }

  static final long REF = Instant.parse("2026-12-01T19:00:00Z").toEpochMilli();

  @Test
  @Tag("fast")
  void theOriginalsLogLinesAreIncarnations() {
    List<String> log =
        List.of(
            "19:00:01.000 - [Restart #1] Worker starting (max 1 concurrent activity, restart"
                + " interval: 0.1s, graceful timeout: 5.0s)",
            "19:00:01.100 - [Restart #1] Worker shutdown() called",
            "19:00:01.104 - [Restart #1] Worker shutdown() returned (took 0.003s)",
            "19:00:01.105 - [Restart #1] Worker done (run() returned)",
            "19:00:01.106 - [Restart #2] Worker starting (max 1 concurrent activity, restart"
                + " interval: 0.1s, graceful timeout: 5.0s)",
            "19:00:01.200 - [Restart #2] Worker shutdown() called",
            "something else entirely");
    var incs = Original.incarnations(log, REF);
    assertEquals(2, incs.size());
    var first = incs.get(0);
    assertEquals(REF + 1_000, first.startMs());
    assertEquals(REF + 1_100, first.shutdownBeginMs());
    assertEquals(REF + 1_104, first.shutdownEndMs());
    assertEquals(3L, first.shutdownMs(), "the original's own timing of its shutdown");
    assertFalse(incs.get(1).shutDown(), "cut short by the run's end");
    assertNull(incs.get(1).shutdownMs());
    // Where a hand-over falls: the last incarnation started at or before it.
    assertEquals(1, Original.handedTo(incs, null, REF + 1_102).restart());
    assertEquals(2, Original.handedTo(incs, null, REF + 1_150).restart());
    assertNull(Original.handedTo(incs, null, REF + 999));
  }

  @Test
  @Tag("fast")
  void theWarmUpWaitCountsOnlyEndedRestartsOfTheRunsOwnChaosWorker() throws Exception {
    Path dir = Files.createTempDirectory("bench-warm");
    var ready = new Benchmark.Ready();
    ready.warmRestarts = 2;
    ready.activityQueue = "activities:run";
    // The original: a restart counts once its shutdown() returned.
    ready.workerLog = dir.resolve("activity-worker.log");
    assertEquals(0, ready.restartsEnded(), "no log yet: nothing ended");
    Files.write(
        ready.workerLog,
        List.of(
            "19:00:01.000 - [Restart #1] Worker starting (max 1 concurrent activity)",
            "19:00:01.100 - [Restart #1] Worker shutdown() called",
            "19:00:01.104 - [Restart #1] Worker shutdown() returned (took 0.003s)",
            "19:00:01.106 - [Restart #2] Worker starting (max 1 concurrent activity)",
            "19:00:01.200 - [Restart #2] Worker shutdown() called"));
    assertEquals(1, ready.restartsEnded());
    // The kit: restart records of the processes whose config names this run's queue only.
    ready.workerLog = null;
    ready.events = dir.resolve("events");
    try (var mine = new Cli.JsonLines(ready.events.resolve("restarts-11.jsonl"));
        var other = new Cli.JsonLines(ready.events.resolve("restarts-22.jsonl"))) {
      mine.append(new Events.WorkerConfig(11, "activities:run", 0.1, 1, 5, 0.001, "1.38.0", 0));
      other.append(new Events.WorkerConfig(22, "activities:other", 0.1, 1, 5, 0.001, "1.38.0", 0));
      for (int r = 1; r <= 3; r++) {
        mine.append(new Events.Restart("w1.r" + r + "@11", 1, r, 0, 1, 2, true, false));
        other.append(new Events.Restart("w1.r" + r + "@22", 1, r, 0, 1, 2, true, false));
      }
    }
    assertEquals(3, ready.restartsEnded(), "the other queue's restarts never count");
    ready.warmRestarts = 0;
    assertEquals(0, ready.restartsEnded(), "no wait asked: nothing read");
  }

  @Test
  @Tag("fast")
  void workersOfSeveralProcessesAreToldApartByPid() {
    List<String> log =
        List.of(
            "19:00:00.500 - Started worker process 1 (PID: 111)",
            "19:00:00.600 - Started worker process 2 (PID: 222)",
            "19:00:01.000 - [Worker 1] [Restart #1] Worker starting (...)",
            "19:00:01.050 - [Worker 2] [Restart #1] Worker starting (...)");
    var incs = Original.incarnations(log, REF);
    assertEquals(111L, Original.handedTo(incs, 111L, REF + 1_060).pid());
    assertEquals(2, Original.handedTo(incs, 222L, REF + 1_060).worker());
  }

  @Test
  @Tag("fast")
  void aTimeOfDayIsPutOnTheDayNearestTheRun() {
    long justBeforeMidnight = Instant.parse("2026-12-01T23:59:59Z").toEpochMilli();
    assertEquals(
        Instant.parse("2026-12-02T00:00:05Z").toEpochMilli(),
        Original.epochMs(java.time.LocalTime.of(0, 0, 5), justBeforeMidnight));
    assertEquals(
        Instant.parse("2026-12-01T23:59:50Z").toEpochMilli(),
        Original.epochMs(java.time.LocalTime.of(23, 59, 50), justBeforeMidnight));
  }

  @Test
  @Tag("fast")
  void aRunsFiguresCountOnlyRestartsInTheBusyWindow() {
    var incs =
        List.of(
            new Report.BenchmarkRun.Incarnation(0, 100L, 3L),
            new Report.BenchmarkRun.Incarnation(110, 210L, 10L),
            new Report.BenchmarkRun.Incarnation(220, 320L, 20L),
            new Report.BenchmarkRun.Incarnation(330, null, null));
    var r =
        Report.BenchmarkRun.of(
            new Report.BenchmarkRun.Run("kit", 1, 1.5, "sdk", "p-", 1, 0.1),
            100,
            2.5,
            List.of(150L, 200L, 300L),
            incs,
            4,
            new Report.BenchmarkRun.Handovers(2, 1, 1, 0, List.of(-5L, 2L, 7L, 20L)),
            null);
    assertEquals(
        1,
        r.busy().restarts(),
        "only the shutdown that began between the first and the last hand-over");
    assertEquals(0.15, r.busy().seconds());
    assertEquals(3, r.shutdown().count());
    assertEquals(10, r.shutdown().p50Ms());
    assertEquals(4.0, r.lost().pct());
    assertEquals(4.0, r.lost().perBusyRestart());
    assertTrue(r.lost().ci95().get(0) < 4.0 && r.lost().ci95().get(1) > 4.0);
    String csv = Report.csvLine(r, new Report.Cpu(1.5, null, 2.0, 3.0));
    assertEquals(Report.BENCHMARK_CSV_HEADER.split(",").length, csv.split(",", -1).length);
    assertTrue(Report.BENCHMARK_CSV_HEADER.startsWith("kit,round,load,"));
    for (String col :
        List.of(
            "start_seconds",
            "busy_seconds",
            "shutdown_p50_ms",
            "shutdown_p90_ms",
            "lost_pct",
            "lost_per_busy_restart")) {
      assertTrue(List.of(Report.BENCHMARK_CSV_HEADER.split(",")).contains(col), col);
    }
  }

  @Test
  @Tag("fast")
  void cpuIsReadFromTheKernelsCounts() throws Exception {
    Path dir = Files.createTempDirectory("cpu");
    // Two processes of one group; a comm with a space and a parenthesis must not shift the fields.
    Files.writeString(
        dir.resolve("cpu-activity-worker.stat"),
        "10 (java) S 1 10 10 0 -1 0 0 0 0 0 150 50 0 0 20 0\n"
            + "11 (a b) c) S 1 10 10 0 -1 0 0 0 0 0 30 20 0 0 20 0\n");
    Files.writeString(
        dir.resolve("cpu-server-before.stat"),
        "5 (temporal) S 1 5 5 0 -1 0 0 0 0 0 100 0 0 0 20 0\n");
    Files.writeString(
        dir.resolve("cpu-server-after.stat"),
        "5 (temporal) S 1 5 5 0 -1 0 0 0 0 0 400 50 0 0 20 0\n");
    Files.writeString(dir.resolve("start.time"), "2.50 0.61 0.09\n");
    var c = Report.Cpu.of(dir);
    assertEquals(2.5, c.chaosWorker());
    assertEquals(3.5, c.server());
    assertEquals(0.7, c.starter());
    assertNull(c.workflowWorker(), "no copy: not measured, never 0");
  }

  @Test
  @Tag("fast")
  void lostMeansHandedThenTimedOutStartToClose() {
    assertTrue(
        Report.BenchmarkRun.handedThenTimedOut(
            new Loss.History("w", "r", "timed_out", "1@h", 5L, "start_to_close", 9L)));
    assertTrue(
        Report.BenchmarkRun.handedThenTimedOut(
            new Loss.History("w", "r", "timed_out", "1@h", 5L, "START_TO_CLOSE", 9L)));
    assertFalse(
        Report.BenchmarkRun.handedThenTimedOut(
            new Loss.History("w", "r", "timed_out", null, null, "start_to_close", 9L)),
        "never handed over");
    assertFalse(
        Report.BenchmarkRun.handedThenTimedOut(
            new Loss.History("w", "r", "timed_out", "1@h", 5L, "heartbeat", 9L)));
    assertFalse(
        Report.BenchmarkRun.handedThenTimedOut(
            new Loss.History("w", "r", "completed", "1@h", 5L, null, null)));
  }

  @Test
  @Tag("fast")
  void fisherExactAgreesWithKnownValues() {
    // The lady tasting tea: 3 of 4 right, two-sided p = 0.486.
    assertEquals("0.486", Report.fisherP(3, 1, 1, 3));
    assertEquals("1.000", Report.fisherP(5, 95, 5, 95));
    assertTrue(Double.parseDouble(Report.fisherP(50, 950, 10, 990)) < 0.001);
  }

  @Test
  @Tag("fast")
  void theReportNeedsBothKits() throws Exception {
    Path dir = Files.createTempDirectory("bench");
    var r =
        Report.BenchmarkRun.of(
            new Report.BenchmarkRun.Run("kit", 1, 1.0, "sdk", "p-", 1, 0.1),
            10,
            1,
            List.of(0L, 1000L),
            List.of(new Report.BenchmarkRun.Incarnation(0, 100L, 3L)),
            0,
            new Report.BenchmarkRun.Handovers(0, 0, 0, 0, List.of()),
            null);
    Cli.writeJson(dir.resolve("r1-kit/run.json"), r);
    int rc = Cli.run(new Report(), new String[] {"benchmark", dir.toString()});
    assertEquals(2, rc, "only the kit's runs: not a comparison");
    var o =
        Report.BenchmarkRun.of(
            new Report.BenchmarkRun.Run("original", 1, 1.0, "temporalio==1.18.1", "q-", 1, 0.1),
            10,
            2,
            List.of(0L, 2000L),
            List.of(new Report.BenchmarkRun.Incarnation(0, 100L, 4L)),
            1,
            new Report.BenchmarkRun.Handovers(1, 0, 0, 0, List.of(-3L)),
            null);
    Cli.writeJson(dir.resolve("r1-original/run.json"), o);
    assertEquals(0, Cli.run(new Report(), new String[] {"benchmark", dir.toString()}));
    String md = Files.readString(dir.resolve("benchmark.md"));
    assertTrue(
        md.contains("| 10 starts, first start to last start | 2.00 s | 1.00 s | 0.50 |"), md);
    assertEquals(3, Files.readAllLines(dir.resolve("benchmark.csv")).size());
  }

  @Test
  @Tag("fast")
  void theOriginalRunsFirstInOddRoundsAndTheKitInEvenOnesAndTheReportKeepsThatOrder()
      throws Exception {
    assertEquals(List.of("original", "kit"), Report.BenchmarkRun.order(1));
    assertEquals(List.of("kit", "original"), Report.BenchmarkRun.order(2));
    assertEquals(List.of("original", "kit"), Report.BenchmarkRun.order(3));
    assertEquals(List.of("kit", "original"), Report.BenchmarkRun.order(4));
    assertThrows(Cli.Fail.class, () -> Report.BenchmarkRun.order(0));
    Path dir = Files.createTempDirectory("bench");
    for (int round = 1; round <= 2; round++)
      for (String kit : List.of("original", "kit"))
        Cli.writeJson(
            dir.resolve("r" + round + "-" + kit + "/run.json"),
            Report.BenchmarkRun.of(
                new Report.BenchmarkRun.Run(kit, round, 1.0, "sdk", kit + round + "-", 1, 0.1),
                10,
                2,
                List.of(0L, 2000L),
                List.of(new Report.BenchmarkRun.Incarnation(0, 100L, 4L)),
                0,
                new Report.BenchmarkRun.Handovers(0, 0, 0, 0, List.of()),
                null));
    assertEquals(0, Cli.run(new Report(), new String[] {"benchmark", dir.toString()}));
    List<String> rows = Files.readAllLines(dir.resolve("benchmark.csv"));
    assertEquals(
        List.of("original,1", "kit,1", "kit,2", "original,2"),
        rows.subList(1, rows.size()).stream()
            .map(l -> String.join(",", List.of(l.split(",")).subList(0, 2)))
            .toList(),
        String.join("\n", rows));
  }

  @Test
  @Tag("fast")
  void theShutdownsAreSplitByWhetherTheServerHandedATaskOverWhileTheyRan() throws Exception {
    var incs =
        List.of(
            new Report.BenchmarkRun.Incarnation(0, 100L, 3L), // hand-over at 101: with
            new Report.BenchmarkRun.Incarnation(110, 200L, 4L), // 199 and 205 fall outside: without
            new Report.BenchmarkRun.Incarnation(210, 300L, 10L), // 300, the call itself: with
            new Report.BenchmarkRun.Incarnation(320, 400L, 2L), // 402, the return itself: with
            new Report.BenchmarkRun.Incarnation(410, 500L, 5L), // none near: without
            new Report.BenchmarkRun.Incarnation(520, null, null)); // still running: neither
    var handed = List.of(402L, 101L, 199L, 205L, 300L, 50L); // unsorted, as the histories come
    var split = Report.BenchmarkRun.ShutdownsByHandover.of(incs, handed);
    assertEquals(new Report.BenchmarkRun.Shutdowns(2, 4, 4), split.withoutHandover());
    assertEquals(new Report.BenchmarkRun.Shutdowns(3, 3, 3), split.withHandover());
    var quiet = Report.BenchmarkRun.ShutdownsByHandover.of(incs, List.of(1000L));
    assertNull(quiet.withHandover(), "no shutdown was handed a task: no median, not a zero");
    assertEquals(5, quiet.withoutHandover().count());

    Path dir =
        reportedRound(kit -> oneRun(kit, kit.equals("kit") ? handed : List.of(1000L), incs, null));
    String md = Files.readString(dir.resolve("benchmark.md"));
    assertTrue(
        md.contains(
            "| graceful shutdown median / p90 (shutdowns), no task handed over while it ran |"
                + " 4 / 5 ms (5) | 4 / 4 ms (2) | 1.00 |"),
        md);
    assertTrue(
        md.contains(
            "| graceful shutdown median / p90 (shutdowns), a task handed over while it ran | - |"
                + " 3 / 3 ms (3) | - |"),
        md);
    List<String> csv = Files.readAllLines(dir.resolve("benchmark.csv"));
    var columns =
        List.of(
            "kit",
            "shutdowns_without_handover",
            "shutdown_without_handover_p50_ms",
            "shutdown_without_handover_p90_ms",
            "shutdowns_with_handover",
            "shutdown_with_handover_p50_ms",
            "shutdown_with_handover_p90_ms");
    assertEquals(List.of("original", "5", "4", "5", "", "", ""), csvFields(csv, 1, columns));
    assertEquals(List.of("kit", "2", "4", "4", "3", "3", "3"), csvFields(csv, 2, columns));
  }

  @Test
  @Tag("fast")
  void theKitsShutdownIsSplitAtItsShutdownWorkerAnswerAndItsLastPollsClose() throws Exception {
    // w1.r1: answered 3 ms after it was sent, its open poll cut 1 ms later, shut down 2 ms after.
    // w1.r2: its poll had closed (with a task) before the answer: that step is 0.
    // w1.r3: no ShutdownWorker record (an SDK without the call): left out.
    var restarts =
        List.of(
            new Events.Restart("w1.r1@9", 1, 1, 0, 100, 106, true, false),
            new Events.Restart("w1.r2@9", 1, 2, 106, 200, 205, true, false),
            new Events.Restart("w1.r3@9", 1, 3, 205, 300, 309, true, false));
    var calls =
        List.of(
            new Events.ShutdownCall("w1.r1@9", "k1", "aq", 100, 103, "ok"),
            new Events.ShutdownCall("w1.r2@9", "k2", "aq", 200, 204, "ok"));
    var polls =
        java.util.Map.of(
            "w1.r1@9",
            List.of(
                new Events.Poll("w1.r1@9", "k1", 10, 50, "ok", null),
                new Events.Poll("w1.r1@9", "k1", 50, 104, "cancelled", null)),
            "w1.r2@9",
            List.of(new Events.Poll("w1.r2@9", "k2", 150, 199, "ok", null)));
    var steps = Report.BenchmarkRun.shutdownSteps(restarts, calls, polls);
    assertEquals(2, steps.shutdowns());
    // Round trips 3 and 4, polls closed +1 and +0, executors ended +2 and +1; the kit's percentiles
    // take the lower of two (Report.pct).
    assertEquals(List.of(3L, 3L), List.of(steps.roundTripP50Ms(), steps.roundTripP90Ms()));
    assertEquals(List.of(0L, 0L), List.of(steps.pollClosedP50Ms(), steps.pollClosedP90Ms()));
    assertEquals(List.of(1L, 1L), List.of(steps.endedP50Ms(), steps.endedP90Ms()));
    var one = Report.BenchmarkRun.shutdownSteps(restarts.subList(0, 1), calls, polls);
    assertEquals(
        List.of(3L, 1L, 2L),
        List.of(one.roundTripP50Ms(), one.pollClosedP50Ms(), one.endedP50Ms()),
        "w1.r1 alone: each step as its records give it");
    assertNull(
        Report.BenchmarkRun.shutdownSteps(restarts.subList(2, 3), calls, polls),
        "no shutdown with a ShutdownWorker record: no steps, not zeros");

    Path dir =
        reportedRound(
            kit ->
                oneRun(
                    kit,
                    List.of(0L, 2000L),
                    List.of(new Report.BenchmarkRun.Incarnation(0, 100L, 4L)),
                    kit.equals("kit") ? steps : null));
    String md = Files.readString(dir.resolve("benchmark.md"));
    assertTrue(
        md.contains("| not recorded (no wire tap on its side) | (3/3, +0/0, +1/1 ms) | |"), md);
    List<String> csv = Files.readAllLines(dir.resolve("benchmark.csv"));
    var steps3 =
        List.of(
            "shutdown_round_trip_p50_ms", "shutdown_poll_closed_p50_ms", "shutdown_ended_p50_ms");
    assertEquals(
        List.of("original", "", "", ""),
        csvFields(csv, 1, List.of("kit", steps3.get(0), steps3.get(1), steps3.get(2))));
    assertEquals(
        List.of("kit", "3", "0", "1"),
        csvFields(csv, 2, List.of("kit", steps3.get(0), steps3.get(1), steps3.get(2))));
  }

  /** One round, the original's run and the kit's, written and reported: the benchmark's folder. */
  static Path reportedRound(java.util.function.Function<String, Report.BenchmarkRun> runOf)
      throws Exception {
    Path dir = Files.createTempDirectory("bench");
    for (String kit : List.of("original", "kit"))
      Cli.writeJson(dir.resolve("r1-" + kit + "/run.json"), runOf.apply(kit));
    assertEquals(0, Cli.run(new Report(), new String[] {"benchmark", dir.toString()}));
    return dir;
  }

  /** A round-1 run of 10 workflows, 2 s of starts, nothing lost. */
  static Report.BenchmarkRun oneRun(
      String kit,
      List<Long> handed,
      List<Report.BenchmarkRun.Incarnation> incs,
      Report.BenchmarkRun.ShutdownSteps steps) {
    return Report.BenchmarkRun.of(
        new Report.BenchmarkRun.Run(kit, 1, 1.0, "sdk", kit + "-", 1, 0.1),
        10,
        2,
        handed,
        incs,
        0,
        new Report.BenchmarkRun.Handovers(0, 0, 0, 0, List.of()),
        steps);
  }

  /** The named columns of one row of a benchmark.csv read as lines (header first). */
  static List<String> csvFields(List<String> csv, int row, List<String> names) {
    List<String> header = List.of(csv.get(0).split(",", -1)),
        fields = List.of(csv.get(row).split(",", -1));
    assertEquals(header.size(), fields.size(), "row " + row + " has a field per column");
    return names.stream()
        .map(
            n -> {
              assertTrue(header.contains(n), "no column " + n + " in " + csv.get(0));
              return fields.get(header.indexOf(n));
            })
        .toList();
  }
}

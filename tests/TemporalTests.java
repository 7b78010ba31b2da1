// Temporal half of the kit. "fast": the pure classification (every branch), the workers' records,
// the reports' bookkeeping and bad input, plus the workflow on the SDK's in-memory test server.
// "e2e": the real dev server at TEMPORAL_TEST_ADDRESS (tests/run.sh starts one) and
// ./reproduce_issue.sh temporal.

import static org.junit.jupiter.api.Assertions.*;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

public class TemporalTests {

  // ------------------------------------------------------------------- classification, every
  // branch

  static final Events.Restart W1R3 =
      new Events.Restart("w1.r3@42", 1, 3, 1_000, 1_100, 1_130, true, false);

  /** The chaos worker of the run under test (pid 42), and another run's (pid 43) beside it. */
  static final Events.WorkerConfig
      MINE = new Events.WorkerConfig(42, "activities:run", 0.1, 1, 5, 0.01, "1.38.0", 0),
      THEIRS = new Events.WorkerConfig(43, "activities:other", 0.1, 1, 5, 0.01, "1.38.0", 0);

  static Events.Records records(boolean executionFiles, Events.Event... events) {
    return Events.Records.of(List.of(events), executionFiles);
  }

  static Loss.History handedAndTimedOut(String id) {
    return new Loss.History(
        id, "run-" + id, "failed", "w1.r3@42", 1_105L, "start_to_close", 4_105L);
  }

  /** Task a, handed to w1.r3@42 and timed out, beside W1R3's restart record and EXECUTION. */
  static Loss.Explained classifyA(Events.Execution execution) {
    return Loss.classify(handedAndTimedOut("a"), records(true, W1R3, execution));
  }

  @Test
  @Tag("fast")
  void aTaskHandedToAWorkerThatNeverBeganItIsLostWithThatWorkersEvidence() {
    var e = classifyA(new Events.Execution("other", "run-other", "1", 1, "w1.r2@42", 900));
    assertEquals(Loss.Outcome.LOST, e.outcome(), e.toString());
    assertEquals("w1.r3@42", e.handover().identity());
    assertEquals(1, e.incarnation().worker());
    assertEquals(3, e.incarnation().restart());
    assertEquals(
        5L,
        e.incarnation().msFromShutdownBegin(),
        "handed 5 ms after that incarnation's shutdown began");
    assertFalse(e.executedByAWorker());
  }

  @Test
  @Tag("fast")
  void aTaskThatAWorkerBeganAndThenTimedOutRanAndIsNotLost() {
    var e = classifyA(new Events.Execution("a", "run-a", "1", 1, "w1.r3@42", 1_106));
    assertEquals(Loss.Outcome.RAN_THEN_TIMED_OUT, e.outcome(), e.toString());
    assertTrue(e.executedByAWorker());
  }

  @Test
  @Tag("fast")
  void anExecutionRecordOfAnotherRunWithTheSameWorkflowIdDoesNotCount() {
    // A reused workflow id: the earlier run's record names the same id but another run id.
    var e = classifyA(new Events.Execution("a", "an-earlier-run", "1", 1, "w1.r1@7", 10));
    assertEquals(Loss.Outcome.LOST, e.outcome(), e.toString());
  }

  @Test
  @Tag("fast")
  void withoutAnyExecutionRecordsATimeoutCannotBeCalledLost() {
    var e = Loss.classify(handedAndTimedOut("a"), records(false, W1R3));
    assertEquals(Loss.Outcome.NO_EXECUTION_RECORDS, e.outcome(), e.toString());
    var s =
        Loss.summarize(
            setup(),
            Map.of("a", e.outcome()),
            List.of(e),
            records(false),
            null,
            null,
            0,
            10_000,
            null);
    assertEquals(0, s.lost());
    assertNotNull(s.incomplete(), "a summary that could not tell is marked incomplete");
  }

  @Test
  @Tag("fast")
  void otherFailuresAreNeitherLostNorTimedOutRuns() {
    var scheduleToStart =
        Loss.classify(
            new Loss.History("b", "r", "timed_out", null, null, "schedule_to_start", 5L),
            records(true));
    assertEquals(Loss.Outcome.FAILED_OTHER, scheduleToStart.outcome());
    assertTrue(
        scheduleToStart.reason().contains("never handed to a worker"), scheduleToStart.reason());
    var terminated =
        Loss.classify(
            new Loss.History("c", "r", "terminated", null, null, null, null), records(true));
    assertEquals(Loss.Outcome.FAILED_OTHER, terminated.outcome());
    assertEquals("workflow terminated", terminated.reason());
    var heartbeat =
        Loss.classify(
            new Loss.History("d", "r", "failed", "w1.r3@42", 1_105L, "heartbeat", 3_000L),
            records(true, W1R3));
    assertEquals(
        Loss.Outcome.FAILED_OTHER,
        heartbeat.outcome(),
        "a heartbeat timeout is not the lost-task shape");
  }

  @Test
  @Tag("fast")
  void theIncarnationNearestTheHandOverIsTheOneMeantWhenAPidIsReused() {
    var old = new Events.Restart("w1.r3@42", 1, 3, 10, 110, 130, true, false);
    var r = records(true, old, W1R3);
    assertSame(W1R3, r.incarnation("w1.r3@42", 1_105));
    assertSame(old, r.incarnation("w1.r3@42", 120));
  }

  @Test
  @Tag("fast")
  void restartsCountOnlyThisQueuesWorkersWhileWorkWasQueued() {
    var mine = MINE;
    var theirs = THEIRS;
    var r =
        records(
            true,
            mine,
            theirs,
            new Events.Restart(
                "w1.r1@42", 1, 1, 0, 500, 520, true, false), // before the run's first start
            new Events.Restart("w1.r2@42", 1, 2, 520, 1_500, 1_520, true, false), // while queued
            new Events.Restart("w1.r3@42", 1, 3, 1_520, 2_500, 2_520, true, false), // while queued
            new Events.Restart(
                "w1.r4@42", 1, 4, 2_520, 9_000, 9_020, true, false), // idle, after the last close
            new Events.Restart(
                "w1.r9@43", 1, 9, 1_000, 1_600, 1_620, true, false)); // another run's worker
    var s =
        Loss.summarize(
            setup(),
            Map.of("a", Loss.Outcome.LOST, "b", Loss.Outcome.COMPLETED),
            List.of(),
            r,
            null,
            null,
            1_000,
            3_000,
            null);
    assertEquals(2, s.restarts().whileWorkQueued());
    assertEquals(4, s.restarts().total());
    assertEquals(0.5, s.restarts().lostPerRestart(), 1e-9);
  }

  @Test
  @Tag("fast")
  void withNoWorkerOnThisQueueNoOtherQueuesRestartsAreCounted() {
    var theirs = THEIRS;
    var r =
        records(
            true, theirs, new Events.Restart("w1.r9@43", 1, 9, 1_000, 1_600, 1_620, true, false));
    var s =
        Loss.summarize(
            setup(), Map.of("a", Loss.Outcome.LOST), List.of(), r, null, null, 1_000, 3_000, null);
    assertEquals(0, s.restarts().total(), "another run's worker is not this run's");
    assertEquals(0, s.restarts().whileWorkQueued());
    assertNull(s.restarts().lostPerRestart());
  }

  @Test
  @Tag("fast")
  void theRestartWindowEndsWhenTheWorkRanOutNotAtTheLastClose() {
    // The last close is a lost task's timeout, 10 s after its hand-over: restarts in that tail met
    // no work.
    var lost =
        Loss.classify(
            new Loss.History("a", "ra", "failed", "w1.r3@42", 5_000L, "start_to_close", 15_000L),
            records(true, W1R3));
    assertEquals(
        5_000,
        Loss.workEndedMs(4_000, List.of(lost), 15_000, 99_000),
        "the last hand-over, later than the last completed close");
    assertEquals(
        6_000,
        Loss.workEndedMs(6_000, List.of(lost), 15_000, 99_000),
        "the last completed close, later than the hand-over");
    assertEquals(
        15_000,
        Loss.workEndedMs(0, List.of(), 15_000, 99_000),
        "nothing completed or handed over: the last close");
    assertEquals(99_000, Loss.workEndedMs(0, List.of(), 0, 99_000), "nothing closed yet: now");
  }

  // ------------------------------------------------------------------ the side of the wire, every
  // branch

  static final Loss.Handover HANDED = new Loss.Handover("w1.r3@42", 1_105);

  static Events.Poll poll(
      String identity, long sent, long closed, String status, Events.Task task) {
    return new Events.Poll(identity, "key-" + identity, sent, closed, status, task);
  }

  static Events.Task task(String workflowId, String runId) {
    return new Events.Task(workflowId, runId, "1", 1, 1_100L, 1_105L);
  }

  @Test
  @Tag("fast")
  void aTaskAPollReturnedAndNoWorkerBeganWasReceivedNotRunAndNamesThatPoll() {
    var returned = poll("w1.r3@42", 1_090, 1_106, "ok", task("a", "ra"));
    var side =
        Wire.side(
            HANDED,
            "a",
            "ra",
            records(true, W1R3, poll("w1.r3@42", 1_000, 1_080, "ok", task("b", "rb")), returned));
    assertEquals(Wire.Where.RECEIVED_NOT_RUN, side.where(), side.toString());
    assertEquals(returned, side.poll());
  }

  @Test
  @Tag("fast")
  void aTaskNoPollReturnedWasNeverReceivedAndNamesThePollOpenAtTheHandOver() {
    var open = poll("w1.r3@42", 1_090, 1_101, "cancelled", null);
    var later =
        poll(
            "w1.r3@42",
            1_200,
            1_300,
            "ok",
            null); // sent after the hand-over: not the one open then
    var call = new Events.ShutdownCall("w1.r3@42", "key-w1.r3@42", "aq", 1_100, 1_103, "ok");
    var side =
        Wire.side(
            HANDED,
            "a",
            "ra",
            records(
                true,
                W1R3,
                poll("w1.r3@42", 1_000, 1_080, "ok", task("b", "rb")),
                open,
                later,
                call));
    assertEquals(Wire.Where.NEVER_RECEIVED, side.where(), side.toString());
    assertEquals(open, side.poll());
    assertEquals(
        4L,
        side.pollEndedMsBeforeHandover(),
        "the worker ended its poll 4 ms before the server recorded the hand-over");
    assertTrue(side.why().contains("cancelled 4 ms before the hand-over"), side.why());
    assertEquals(call, side.shutdownWorker());
  }

  @Test
  @Tag("fast")
  void withoutTheRecordsToTellNoSideIsGuessed() {
    assertEquals(
        Wire.Where.INCOMPLETE,
        Wire.side(HANDED, "a", "ra", records(true, W1R3)).where(),
        "no wire records at all");
    var otherIncarnation = records(true, W1R3, poll("w1.r4@42", 1_000, 1_200, "ok", null));
    assertEquals(
        Wire.Where.INCOMPLETE,
        Wire.side(HANDED, "a", "ra", otherIncarnation).where(),
        "none of this incarnation");
    var onlyAfter = records(true, W1R3, poll("w1.r3@42", 1_110, 1_200, "ok", null));
    var side = Wire.side(HANDED, "a", "ra", onlyAfter);
    assertEquals(
        Wire.Where.INCOMPLETE, side.where(), "no poll of it was open at the hand-over: " + side);
    assertEquals(
        Wire.Where.INCOMPLETE,
        Wire.side(null, "a", "ra", onlyAfter).where(),
        "no hand-over in the history");
  }

  @Test
  @Tag("fast")
  void lostWhereAddsUpToLostAndEachLostTaskCarriesItsPoll() {
    var cfg = MINE;
    var r =
        records(
            true,
            cfg,
            W1R3,
            poll("w1.r3@42", 1_090, 1_106, "ok", task("a", "run-a")),
            poll("w1.r3@42", 1_106, 1_101 + 20, "cancelled", null));
    var received = Loss.classify(handedAndTimedOut("a"), r);
    var never = Loss.classify(handedAndTimedOut("b"), r);
    var unknown =
        Loss.classify(
            new Loss.History("c", "run-c", "failed", "w9.r9@42", 1_105L, "start_to_close", 4_105L),
            r);
    var ran =
        Loss.classify(
            new Loss.History("d", "run-d", "failed", "w1.r3@42", 1_105L, "heartbeat", 4_105L), r);
    assertNull(ran.wire(), "only a lost task is given a side");
    var s =
        Loss.summarize(
            setup(),
            Map.of(
                "a",
                Loss.Outcome.LOST,
                "b",
                Loss.Outcome.LOST,
                "c",
                Loss.Outcome.LOST,
                "e",
                Loss.Outcome.COMPLETED),
            List.of(received, never, unknown),
            r,
            null,
            null,
            0,
            10_000,
            null);
    assertEquals(new Wire.LostWhere(1, 1, 1), s.lostWhere());
    assertEquals(
        s.lost(),
        s.lostWhere().neverReceived()
            + s.lostWhere().receivedNotRun()
            + s.lostWhere().incomplete());
    assertNotNull(received.wire().poll().task(), "the poll that returned it");
    assertNotNull(never.wire().poll(), "the poll open at the hand-over");
  }

  @Test
  @Tag("fast")
  void shutdownWorkerAndInstanceKeysAreCountedForThisRunsWorkersOnly() {
    var mine = MINE;
    var theirs = THEIRS;
    var r2 = new Events.Restart("w1.r2@42", 1, 2, 0, 900, 950, true, false);
    var r =
        records(
            true,
            mine,
            theirs,
            r2,
            W1R3,
            poll("w1.r2@42", 0, 900, "ok", null),
            poll("w1.r3@42", 950, 1_100, "cancelled", null),
            new Events.Poll("w1.r1@43", "shared", 0, 10, "ok", null),
            new Events.Poll("w1.r2@43", "shared", 0, 10, "ok", null),
            new Events.ShutdownCall("w1.r2@42", "key-w1.r2@42", "activities:run", 900, 904, "ok"),
            new Events.ShutdownCall(
                "w1.r3@42", "another", "activities:run", 1_100, 1_120, "unavailable"),
            new Events.ShutdownCall("w1.r1@43", "shared", "activities:other", 0, 1, "ok"));
    var e = Wire.evidence(r, Loss.pidsServing(r, "activities:run"));
    assertEquals(
        new Wire.ShutdownWorker(2, 2, 2, 4L, 20L, Map.of("ok", 1, "unavailable", 1)),
        e.shutdownWorker());
    assertEquals(new Wire.InstanceKeys(2, 2, 0, 0, 1, 1), e.instanceKeys());
    assertEquals(2, e.polls());
    var other = Wire.evidence(r, Loss.pidsServing(r, "activities:other"));
    assertEquals(
        2,
        other.instanceKeys().incarnationsSharingKeys(),
        "two incarnations that poll with one key share it");
    var none =
        Wire.evidence(
            records(true, mine, W1R3, poll("w1.r3@42", 0, 1, "ok", null)), java.util.Set.of(42L));
    assertEquals(
        new Wire.ShutdownWorker(1, 0, 0, null, null, Map.of()),
        none.shutdownWorker(),
        "an SDK that never sends it");
    assertNull(
        Wire.evidence(records(true, mine, W1R3), java.util.Set.of(42L)),
        "no wire records: no figures, not zeros");
  }

  @Test
  @Tag("fast")
  void theWireTapReadsWhatEachCallCarried() {
    var req =
        PollActivityTaskQueueRequest.newBuilder()
            .setIdentity("w1.r3@42")
            .setTaskQueue(TaskQueue.newBuilder().setName("aq"))
            .setWorkerInstanceKey("k-1")
            .build();
    assertEquals("w1.r3@42", WireTap.field(req, "identity"));
    assertEquals("k-1", WireTap.field(req, "worker_instance_key"));
    assertEquals("aq", WireTap.field(req, "task_queue"), "a TaskQueue message gives its name");
    assertNull(
        WireTap.field(req, "no_such_field"), "an API without the field: null, not a failure");
    assertNull(
        WireTap.taskOf(PollActivityTaskQueueResponse.getDefaultInstance()),
        "an empty answer carries no task");
    var answer =
        PollActivityTaskQueueResponse.newBuilder()
            .setTaskToken(com.google.protobuf.ByteString.copyFromUtf8("t"))
            .setWorkflowExecution(
                io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                    .setWorkflowId("a")
                    .setRunId("ra"))
            .setActivityId("1")
            .setAttempt(1)
            .setScheduledTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1))
            .build();
    assertEquals(new Events.Task("a", "ra", "1", 1, 1_000L, null), WireTap.taskOf(answer));
  }

  @Test
  @Tag("fast")
  void aWireLogThatCannotBeWrittenIsAnError() throws Exception {
    Path blocked = Files.createTempDirectory("wire").resolve("not-a-folder");
    Files.writeString(blocked, "a file where a folder should be");
    var e =
        assertThrows(
            Cli.Fail.class, () -> new Events.BufferedLines(blocked.resolve("wire-1.jsonl")));
    assertTrue(e.getMessage().startsWith("cannot write event log"), e.getMessage());
  }

  @Test
  @Tag("fast")
  void aRunsReportCarriesVersionsCommandTableEvidenceChartAndEnvironment() throws Exception {
    var cfg = MINE;
    var r = records(true, cfg, W1R3, poll("w1.r3@42", 1_090, 1_101, "cancelled", null));
    var lost = Loss.classify(handedAndTimedOut("a"), r);
    var s =
        Loss.summarize(
            setup(),
            Map.of("a", Loss.Outcome.LOST, "b", Loss.Outcome.COMPLETED),
            List.of(lost),
            r,
            new Loss.Versions("1.32.0", "1.38.0", "1.38.0", false, "1.9.1"),
            null,
            0,
            10_000,
            null);
    Path dir = Files.createTempDirectory("report");
    Cli.writeJson(dir.resolve("summary.json"), s);
    var back = Report.read(dir.resolve("summary.json"));
    var tree = Cli.JSON.readTree(dir.resolve("summary.json").toFile()).get("lost_tasks").get(0);
    assertEquals("lost", tree.get("outcome").asText(), "enums are written in lower case");
    assertEquals("never_received", tree.get("wire").get("where").asText());
    assertEquals(
        Wire.Where.NEVER_RECEIVED, back.lostTasks().get(0).wire().where(), "the side reads back");
    Report.wireChart(dir.resolve("wire.png"), back);
    assertTrue(Files.size(dir.resolve("wire.png")) > 1000, "a chart was drawn");
    String md = Report.runReport(back, "wire.png");
    for (String expected :
        List.of(
            "| Temporal CLI (dev server) | 1.9.1 |",
            "| server | 1.32.0 |",
            "| Java SDK of the chaos worker | 1.38.0 |",
            "off: the bug",
            "./reproduce_issue.sh temporal --workflows 2",
            "| 2 | 1 | 1 | 0 | 0 |",
            "| 1 | 1 | 0 | 0 |",
            "never_received",
            "  - poll: sent -15 ms, closed -4 ms (cancelled, empty)",
            "ShutdownWorker: sent by none of 1 restarts",
            "![",
            "## Environment",
            " cores, Java ")) {
      assertTrue(md.contains(expected), "report.md lacks '" + expected + "':\n" + md);
    }
  }

  @Test
  @Tag("fast")
  void countsAddUpAndTheModeIsWhatTheServerAdvertised() {
    Map<String, Loss.Outcome> o = new HashMap<>();
    o.put("a", Loss.Outcome.COMPLETED);
    o.put("b", Loss.Outcome.LOST);
    o.put("c", Loss.Outcome.RAN_THEN_TIMED_OUT);
    o.put("d", Loss.Outcome.FAILED_OTHER);
    o.put("e", Loss.Outcome.RUNNING);
    var s =
        Loss.summarize(
            setup(),
            o,
            List.of(),
            records(true),
            new Loss.Versions("1.32.0", "1.38.0", "1.38.0", true),
            null,
            0,
            1,
            null);
    assertEquals(5, s.started());
    assertEquals(2, s.failedOther(), "ran-then-timed-out and other failures");
    assertEquals(20.0, s.lostPct(), 1e-9);
    assertNull(
        Loss.summarize(setup(), o, List.of(), records(true), null, null, 0, 1, "interrupted")
            .lostPct(),
        "no rate for an incomplete run");
    assertEquals("fix", s.mode());
    assertEquals(List.of("e"), s.stillRunning());
  }

  static Loss.Setup setup() {
    return new Loss.Setup(
        "r",
        "workflows:r",
        "activities:run",
        0.1,
        1,
        3,
        0,
        null,
        "./reproduce_issue.sh temporal --workflows 2");
  }

  @Test
  @Tag("fast")
  void wilsonIntervalMatchesKnownValues() {
    double[] ci = Loss.wilson(26, 1000); // 2.6%, the seed's worst single-worker rate
    assertEquals(0.0178, ci[0], 0.0005);
    assertEquals(0.0379, ci[1], 0.0005);
    double[] none = Loss.wilson(0, 300);
    assertEquals(0.0, none[0], 1e-9);
    assertEquals(0.0126, none[1], 0.0005);
  }

  // --------------------------------------------------------------------------- the workers'
  // records

  @Test
  @Tag("fast")
  void recordsAreReadIncrementallyAndALineCutShortIsReadOnceWhole() throws Exception {
    Path dir = Files.createTempDirectory("events");
    Path f = dir.resolve("executions-1.jsonl");
    var r = new Events.Records(dir);
    String line =
        Cli.JSON.writeValueAsString(new Events.Execution("a", "ra", "1", 1, "w1.r1@1", 5));
    Files.writeString(f, line.substring(0, 20)); // a writer mid-line
    assertFalse(r.refresh().executed("a", "ra"));
    Files.writeString(f, line.substring(20) + "\n", java.nio.file.StandardOpenOption.APPEND);
    assertTrue(r.refresh().executed("a", "ra"), "the completed line is read on the next look");
    Files.writeString(
        f,
        "{\"type\":\"execution\",\"workflow_id\":\"tru\n",
        java.nio.file.StandardOpenOption.APPEND); // killed mid-write
    Files.writeString(
        f,
        Cli.JSON.writeValueAsString(new Events.Execution("b", "rb", "1", 1, "w1.r1@1", 6)) + "\n",
        java.nio.file.StandardOpenOption.APPEND);
    assertTrue(r.refresh().executed("b", "rb"), "a broken line does not hide the next one");
    assertTrue(r.haveExecutionRecords());
  }

  /**
   * The kit's workflow and activity (as worker w1.r1@test, recording to LOG) on ENV's in-memory
   * server, started; a stub for workflow ID on WORKFLOW_QUEUE.
   */
  static Workflows.HelloWorkflow hello(
      TestWorkflowEnvironment env,
      String workflowQueue,
      String activityQueue,
      Cli.JsonLines log,
      String id) {
    env.newWorker(workflowQueue)
        .registerWorkflowImplementationTypes(Workflows.HelloWorkflowImpl.class);
    env.newWorker(activityQueue)
        .registerActivitiesImplementations(new Workflows.HelloActivitiesImpl("w1.r1@test", log));
    env.start();
    return env.getWorkflowClient()
        .newWorkflowStub(
            Workflows.HelloWorkflow.class,
            WorkflowOptions.newBuilder().setTaskQueue(workflowQueue).setWorkflowId(id).build());
  }

  @Test
  @Tag("fast")
  void workflowRunsItsActivityOnTheGivenQueueAndTheExecutionIsRecorded() throws Exception {
    Path events = Files.createTempDirectory("events");
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      var log = new Cli.JsonLines(events.resolve("executions-1.jsonl"));
      var stub = hello(env, "wf-q", "act-q", log, "hello-unit-1");
      assertEquals("Hello from w1.r1@test", stub.run(new Workflows.Params(5, 0.2, 1.0, "act-q")));
      String runId = WorkflowStub.fromTyped(stub).getExecution().getRunId();
      log.close();
      assertTrue(
          new Events.Records(events).refresh().executed("hello-unit-1", runId),
          "the activity's own record names its workflow execution");
    }
  }

  @Test
  @Tag("fast")
  void anActivityThatOutlivesItsTimeoutFailsTheWorkflowAfterOneAttempt() throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      var log =
          new Cli.JsonLines(Files.createTempDirectory("events").resolve("executions-1.jsonl"));
      var stub =
          hello(env, Workflows.WORKFLOW_QUEUE, Workflows.ACTIVITY_QUEUE, log, "hello-unit-2");
      var e =
          assertThrows(
              WorkflowFailedException.class,
              () -> stub.run(new Workflows.Params(1, 3, null, Workflows.ACTIVITY_QUEUE)));
      assertTrue(
          String.valueOf(e.getCause().getCause()).contains("START_TO_CLOSE"),
          "timed out start-to-close: " + e.getCause().getCause());
    }
  }

  // ------------------------------------------------------------------------------------ reports

  static Path writeSummary(
      Path dir, boolean fix, int workers, double interval, int lost, int started, String sdk)
      throws Exception {
    return writeSummary(dir, "1.32.0", fix, workers, interval, lost, started, sdk);
  }

  static Path writeSummary(
      Path dir,
      String server,
      boolean fix,
      int workers,
      double interval,
      int lost,
      int started,
      String sdk)
      throws Exception {
    Map<String, Loss.Outcome> o = new HashMap<>();
    for (int i = 0; i < started; i++)
      o.put("w" + i, i < lost ? Loss.Outcome.LOST : Loss.Outcome.COMPLETED);
    var s =
        Loss.summarize(
            new Loss.Setup("r", "q", "aq", interval, workers, 3, 0, null, null),
            o,
            List.of(),
            records(true),
            new Loss.Versions(server, "1.38.0", sdk, fix),
            null,
            0,
            1,
            null);
    Cli.writeJson(dir.resolve("summary.json"), s);
    return dir.resolve("summary.json");
  }

  /** kit/Tables.java, which writes every Markdown and CSV table of the reports. */
  @Test
  @Tag("fast")
  void aTableHasItsHeaderASeparatorAndRowsOfItsWidthAndCsvQuotesOnlyWhatItMust() {
    var t = Tables.of("a", "b").row(1, null).row("x, y", "say \"hi\"");
    assertEquals("| a | b |\n|---|---|\n| 1 | null |\n| x, y | say \"hi\" |\n", t.markdown());
    assertEquals("a,b\n1,null\n\"x, y\",\"say \"\"hi\"\"\"\n", t.csv());
    assertEquals("a\n", Tables.of("a").csv(), "no rows: the header alone");
    assertThrows(IllegalArgumentException.class, () -> t.row(1), "a row narrower than the header");
    assertThrows(
        IllegalArgumentException.class, () -> t.row(1, 2, 3), "a row wider than the header");
    assertEquals(List.of("a", "b", "c"), Tables.join(List.of("a"), List.of("b", "c")));
  }

  @Test
  @Tag("fast")
  void sweepTablesCarryBothModesTheOriginalsFiguresAndAChart() throws Exception {
    Path dir = Files.createTempDirectory("sweep");
    writeSummary(dir.resolve("off-n1-i0.1"), false, 1, 0.1, 26, 1000, "1.38.0");
    writeSummary(dir.resolve("on-n1-i0.1"), true, 1, 0.1, 0, 1000, "1.38.0");
    assertEquals(0, Cli.run(new Report(), new String[] {"sweep", dir.toString()}));
    String md = Files.readString(dir.resolve("sweep.md"));
    assertTrue(md.contains("| 0.1 | 2.60% (1.78-3.78) | 0.00% (0.00-0.38) | 2.6% |"), md);
    assertEquals(3, Files.readAllLines(dir.resolve("sweep.csv")).size());
    assertTrue(Files.size(dir.resolve("sweep.png")) > 1000, "a chart was drawn");
  }

  @Test
  @Tag("fast")
  void matrixCellsRecordTheMeasuredVersions() throws Exception {
    Path dir = Files.createTempDirectory("matrix");
    // As measured: CLI 1.5.1 embeds server 1.29.1 (no graceful poll shutdown), CLI 1.9.1 embeds
    // 1.32.0.
    writeSummary(
        dir.resolve("cli-1.5.1_sdk-1.35.0_off"), "1.29.1", false, 1, 0.1, 80, 1000, "1.35.0");
    writeSummary(
        dir.resolve("cli-1.9.1_sdk-1.35.0_off"), "1.32.0", false, 1, 0.1, 100, 1000, "1.35.0");
    writeSummary(
        dir.resolve("cli-1.9.1_sdk-1.35.0_on"), "1.32.0", true, 1, 0.1, 110, 1000, "1.35.0");
    assertEquals(0, Cli.run(new Report(), new String[] {"matrix", dir.toString()}));
    List<String> csv = Files.readAllLines(dir.resolve("matrix.csv"));
    assertEquals(4, csv.size(), "three cells, each from its own summary");
    assertTrue(csv.get(1).startsWith("1.5.1,1.29.1,1.35.0,off,false,1000,80,"), csv.get(1));
    assertTrue(csv.get(3).contains(",on,true,"), csv.get(3));
    assertTrue(Files.size(dir.resolve("matrix.png")) > 1000);
  }

  /** The decision kit/temporal.sh asks of Report matrix-cell for each server and fix mode. */
  @Test
  @Tag("fast")
  void aServerWithoutTheFixHasNoFixCellAndAnUnknownCapabilityIsNoMeasurement() {
    assertEquals(Report.CellDecision.RUN, Report.cellDecision("off", "false"));
    assertEquals(Report.CellDecision.RUN, Report.cellDecision("on", "true"));
    assertEquals(
        Report.CellDecision.NO_FIX_CELL,
        Report.cellDecision("on", "false"),
        "a server that has no fix gives no fix cell");
    assertThrows(
        Cli.Fail.class,
        () -> Report.cellDecision("off", "true"),
        "the bug cell must not measure the fix");
    assertThrows(Cli.Fail.class, () -> Report.cellDecision("on", "unknown"));
    assertThrows(Cli.Fail.class, () -> Report.cellDecision("both", "true"));
    var out = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    System.setOut(new PrintStream(out, true));
    try {
      assertEquals(
          0,
          Cli.run(
              new Report(), new String[] {"matrix-cell", "--mode", "on", "--capability", "false"}));
    } finally {
      System.setOut(saved);
    }
    assertEquals("no-fix-cell", out.toString().trim(), "what the shell reads");
    assertBad(new Report(), "matrix-cell", "--mode", "off", "--capability", "");
  }

  @Test
  @Tag("fast")
  void aHangCaseWithoutARestartRecordSaysWhatTheWorkersExitSays() {
    var r = new Events.Restart("w1.r1@9", 1, 1, 0, 1_000, 3_500, true, false);
    assertEquals("2.5 s", Report.shutdownTook(r, "0"));
    assertEquals("never returned (killed after 60 s)", Report.shutdownTook(null, "124"));
    String neverConnected = Report.shutdownTook(null, "2");
    assertFalse(
        neverConnected.contains("killed"),
        "a worker that never connected was not killed: " + neverConnected);
    assertTrue(neverConnected.contains("exited with code 2"), neverConnected);
    assertTrue(Report.shutdownTook(null, null).startsWith("unknown"));
  }

  @Test
  @Tag("fast")
  void compareRefusesARunMeasuredInTheOtherMode() throws Exception {
    Path dir = Files.createTempDirectory("cmp");
    Path fix = writeSummary(dir.resolve("fix"), true, 1, 0.1, 0, 10, "1.38.0");
    String err =
        assertBad(
            new Report(),
            "compare",
            "--bug",
            fix.toString(),
            "--out",
            dir.resolve("s.json").toString());
    assertTrue(err.contains("not the bug run"), err);
  }

  // ---------------------------------------------------------------------------------- bad input

  /**
   * The starter's rehearsal needs no server (the fast tests have none): every start it sends is
   * answered by its own in-process stand-in, which is gone afterwards.
   */
  @Test
  @Tag("fast")
  void theRehearsalIsAnsweredInProcessAndNeedsNoServer() throws Exception {
    var template =
        io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest.newBuilder()
            .setNamespace("default")
            .setWorkflowType(
                io.temporal.api.common.v1.WorkflowType.newBuilder().setName("HelloWorkflow"))
            .setTaskQueue(io.temporal.api.taskqueue.v1.TaskQueue.newBuilder().setName("q"))
            .build();
    var r = Rehearsal.run(template, 2, 25, "none");
    assertEquals(50, r.answered(), "both rounds of 25, each answered");
    assertTrue(r.seconds() > 0 && r.seconds() < 30, "took " + r.seconds() + " s");
  }

  /** Requests go uncompressed unless asked (the original's SDK compresses nothing). */
  @Test
  @Tag("fast")
  void requestsAreUncompressedUnlessGzipIsAsked() {
    java.util.function.Function<String, Object> compressionOf =
        name ->
            Temporal.Connection.compression(
                    io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder(), name)
                .build()
                .getGrpcCompression();
    assertEquals(io.temporal.serviceclient.GrpcCompression.NONE, compressionOf.apply("none"));
    assertEquals(io.temporal.serviceclient.GrpcCompression.GZIP, compressionOf.apply("gzip"));
    assertThrows(Cli.Fail.class, () -> compressionOf.apply("zstd"));
    var starter = new StartWorkflows();
    new picocli.CommandLine(starter).parseArgs();
    assertEquals("none", starter.connection.grpcCompression, "every role's default");
    assertEquals(
        "none",
        new Temporal.Connection().grpcCompression,
        "a connection made without picocli (the e2e tests make theirs so) compresses nothing too");
  }

  /** Bad input: one line on stderr, exit code 2, no stack trace. */
  @Test
  @Tag("fast")
  void badInputGivesOneLineAndExitCode2() {
    assertBad(new ActivityWorker(), "0");
    assertBad(new ActivityWorker(), "NaN");
    assertBad(new ActivityWorker(), "-n", "0");
    assertBad(new ActivityWorker(), "--graceful-shutdown-timeout", "-1");
    assertBad(new ActivityWorker(), "--hang-margin", "NaN");
    assertBad(new ActivityWorker(), "--bogus");
    assertBad(new StartWorkflows(), "-5");
    assertBad(new StartWorkflows(), "--activity-timeout", "0", "3");
    assertBad(new StartWorkflows(), "--activity-sleep", "Infinity", "3");
    assertBad(new StartWorkflows(), "--max-wait", "NaN", "3");
    assertBad(new StartWorkflows(), "--run-id", "a/b", "3");
    assertBad(new StartWorkflows(), "abc");
    assertBad(new StartWorkflows(), "99999999999999999999");
    assertBad(new StartWorkflows(), "--rehearsal", "-1", "3");
    assertBad(new WorkflowWorker(), "--nope");
    assertBad(new Report(), "sweep", "/nonexistent");
    assertBad(
        new Report(), "compare", "--bug", "/nonexistent/summary.json", "--out", "/tmp/x.json");
  }

  @Test
  @Tag("fast")
  void unreachableServerIsOneLineAndDoesNotHang() {
    long t0 = System.nanoTime();
    String err = assertBad(new StartWorkflows(), "--address", "127.0.0.1:1", "1");
    assertTrue(err.contains("cannot reach the Temporal server"), err);
    err = assertBad(new WorkflowWorker(), "--address", "nohost:1");
    assertTrue(err.contains("cannot reach the Temporal server"), err);
    // Nothing listens on either: each gives up at its TCP connect (refused, or no such host), not
    // after the 30 s a listening server gets; the bound is "gives up", not a timing.
    assertTrue(
        (System.nanoTime() - t0) / 1e9 < 20, "took " + (System.nanoTime() - t0) / 1e9 + " s");
  }

  @Test
  @Tag("fast")
  void aSummaryThatCannotBeWrittenIsAnErrorAndNothingIsClaimed() throws Exception {
    Path dir = Files.createTempDirectory("ro");
    Path blocked = dir.resolve("not-a-folder");
    Files.writeString(blocked, "a file where a folder should be");
    var e =
        assertThrows(
            Cli.Fail.class, () -> Cli.writeJson(blocked.resolve("summary.json"), Map.of("a", 1)));
    assertTrue(e.getMessage().startsWith("cannot write"), e.getMessage());
  }

  @Test
  @Tag("fast")
  void theScriptsBadInputIsOneErrorLineAndExit2() throws Exception {
    for (String[] args :
        List.of(
            new String[] {"temporal", "--interval"},
            new String[] {"temporal", "--workflows", "08x"},
            new String[] {"temporal", "-n", "0"},
            new String[] {"temporal", "--interval", "NaN"},
            new String[] {"temporal", "--workflows", "99999999999999999999"},
            new String[] {"temporal", "--matrix", "--server-versions", ""},
            new String[] {"temporal", "--matrix", "--sdk-versions", "x.y"},
            new String[] {"--observe", "99999999999999999999"},
            new String[] {"--mode", "nope"},
            new String[] {"--dapr-version", "abc"},
            new String[] {"--activity-seconds", "Infinity"},
            new String[] {"--dapr-src", "/nonexistent"},
            new String[] {"--workflows"})) {
      Reproduce.assertRefused(args);
    }
    Process p =
        new ProcessBuilder("./reproduce_issue.sh", "temporal", "--workflows", "08", "--help")
            .start();
    assertEquals(0, p.waitFor(), "--help answers");
  }

  static String assertBad(java.util.concurrent.Callable<Integer> command, String... args) {
    PrintStream saved = System.err;
    var captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true));
    int rc;
    try {
      rc = Cli.run(command, args);
    } finally {
      System.setErr(saved);
    }
    String err = captured.toString().trim();
    assertEquals(2, rc, "exit code for " + String.join(" ", args) + "; stderr: " + err);
    assertEquals(
        1, err.lines().count(), "one line for " + String.join(" ", args) + ", got: " + err);
    assertTrue(err.startsWith("error: "), err);
    return err;
  }

  // ---------------------------------------------------------------------------------------- e2e

  static Temporal.Connection realServer() {
    String address = System.getenv("TEMPORAL_TEST_ADDRESS");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        address != null,
        "TEMPORAL_TEST_ADDRESS is not set: tests/run.sh starts the real dev server");
    var c = new Temporal.Connection();
    c.address = address;
    return c;
  }

  /**
   * A lost task made on purpose: a "worker" takes the activity task from the real server and dies
   * before running it. The accounting must call it lost, name that worker, and tell it apart from a
   * completed workflow and from an activity that ran but timed out.
   */
  @Test
  @Tag("e2e")
  void accountingTellsALostTaskFromACompletedOneAndFromOneThatRanTooLong() throws Exception {
    var conn = realServer();
    WorkflowClient client = conn.client("e2e-test");
    Path events = Files.createTempDirectory("events");
    String run = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    String wq = "workflows:" + run, aq = "activities:" + run;
    WorkerFactory workflows = WorkerFactory.newInstance(client);
    workflows.newWorker(wq).registerWorkflowImplementationTypes(Workflows.HelloWorkflowImpl.class);
    workflows.start();
    var executions = new Cli.JsonLines(events.resolve("executions-1.jsonl"));
    var restarts = new Cli.JsonLines(events.resolve("restarts-1.jsonl"));
    try {
      // 1. Lost: a thief polls the activity queue itself, takes the task, and never runs it.
      String thief = "w7.r3@1";
      String lostId = "hello-" + run + "-lost";
      String lostRun = start(client, wq, lostId, new Workflows.Params(2, 0, null, aq));
      long shutdownBegan = System.currentTimeMillis();
      PollActivityTaskQueueResponse task =
          conn.rpc(30)
              .pollActivityTaskQueue(
                  PollActivityTaskQueueRequest.newBuilder()
                      .setNamespace(conn.namespace())
                      .setTaskQueue(TaskQueue.newBuilder().setName(aq))
                      .setIdentity(thief)
                      .build());
      assertEquals(lostId, task.getWorkflowExecution().getWorkflowId(), "the thief took our task");
      restarts.append(
          new Events.Restart(
              thief, 7, 3, shutdownBegan - 100, shutdownBegan, shutdownBegan + 20, true, false));

      // 2. Completed and 3. ran-but-timed-out: a real worker that records its executions.
      WorkerFactory activities = WorkerFactory.newInstance(client);
      activities
          .newWorker(aq)
          .registerActivitiesImplementations(
              new Workflows.HelloActivitiesImpl("w1.r1@2", executions));
      activities.start();
      String okId = "hello-" + run + "-ok", slowId = "hello-" + run + "-slow";
      start(client, wq, okId, new Workflows.Params(5, 0, null, aq));
      String slowRun = start(client, wq, slowId, new Workflows.Params(1, 3, null, aq));
      waitClosed(client, lostId, okId, slowId);
      activities.shutdownNow();
      var records = new Events.Records(events).refresh();

      var lost =
          Loss.classify(
              conn.history(
                  lostId, lostRun, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED),
              records);
      assertEquals(Loss.Outcome.LOST, lost.outcome(), lost.toString());
      assertEquals(thief, lost.handover().identity());
      assertEquals(7, lost.incarnation().worker());
      assertEquals(3, lost.incarnation().restart());
      assertEquals("start_to_close", lost.timeout().type());
      assertTrue(Math.abs(lost.incarnation().msFromShutdownBegin()) < 5_000, lost.toString());

      var slow =
          Loss.classify(
              conn.history(
                  slowId, slowRun, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED),
              records);
      assertEquals(
          Loss.Outcome.RAN_THEN_TIMED_OUT, slow.outcome(), "it ran, so it is not lost: " + slow);
    } finally {
      workflows.shutdownNow();
      executions.close();
      restarts.close();
    }
  }

  /**
   * The whole one-command experiment, short: every workflow accounted for, the bug loses tasks, the
   * fix is measured as such.
   */
  @Test
  @Tag("e2e")
  void shortChaosRunAccountsForEveryWorkflowInBothModes() throws Exception {
    realServer();
    var run =
        Reproduce.run(
            "temporal", "--workflows", "300", "--interval", "0.1", "--activity-timeout", "3");
    Reproduce
        .temporalDown(); // the run leaves its servers up for inspection; the summary is all this
    // test reads
    assertEquals(0, run.exit(), "reproduce_issue.sh temporal failed");
    var side = Cli.readJson(run.summary(), Report.Side.class);
    for (Loss.Summary s : List.of(side.bug(), side.fix())) {
      assertEquals(300, s.started());
      assertEquals(300, s.completed() + s.lost() + s.failedOther() + s.running(), s.toString());
      assertEquals(0, s.running(), "--wait waited for every workflow");
      assertEquals(s.lost(), s.lostTasks().size(), "one piece of evidence per lost task");
      assertEquals(0.1, s.setup().interval(), 1e-9);
      assertEquals(1, s.setup().workers());
      assertTrue(
          s.setup().activityTaskQueue().startsWith("activities:"),
          "a queue of the run's own: " + s.setup().activityTaskQueue());
      assertEquals(
          "1.38.0", s.versions().workerSdkVersion(), "the worker's SDK, from its own record");
      assertTrue(s.restarts().whileWorkQueued() > 0);
      assertNull(s.incomplete());
    }
    assertEquals("bug", side.bug().mode(), "bug run had the capability off");
    assertEquals("fix", side.fix().mode(), "fix run had it on");
    assertNotEquals(side.bug().setup().activityTaskQueue(), side.fix().setup().activityTaskQueue());
    assertTrue(
        side.bug().lost() > 0,
        "at a 0.1 s restart interval the bug loses tasks: " + side.bug().lost());
    for (Loss.Explained l : side.bug().lostTasks()) {
      assertTrue(l.handover().identity().matches("w1\\.r\\d+@\\d+"), l.toString());
      assertNotNull(l.incarnation(), "the worker's own restart record is found: " + l);
    }
  }

  /**
   * The worker's side of the wire on the real dev server, fix off, 0.1 s: every lost task carries
   * the poll record its side rests on, and the sides add up to `lost`. Each restart of SDK 1.38.0
   * sent ShutdownWorker, with the key its polls carried, and no two incarnations share a key.
   */
  @Test
  @Tag("e2e")
  void everyLostTaskHasAPollRecordAndASideAndTheSidesAddUpToLost() throws Exception {
    realServer();
    var run =
        Reproduce.run(
            "temporal",
            "--workflows",
            "150",
            "--interval",
            "0.1",
            "--activity-timeout",
            "3",
            "--server-fix",
            "off");
    assertEquals(0, run.exit(), "reproduce_issue.sh temporal failed");
    Loss.Summary s = Cli.readJson(run.summary(), Report.Side.class).bug();
    assertTrue(s.lost() > 0, "at a 0.1 s restart interval the bug loses tasks: " + s.lost());
    var w = s.lostWhere();
    assertEquals(s.lost(), w.neverReceived() + w.receivedNotRun() + w.incomplete(), w.toString());
    assertEquals(0, w.incomplete(), "every lost task's side was told from its records: " + w);
    for (Loss.Explained l : s.lostTasks()) {
      assertNotNull(l.wire(), l.toString());
      assertNotNull(l.wire().poll(), "the poll record the side rests on: " + l);
      assertEquals(
          l.handover().identity(),
          l.wire().poll().identity(),
          "a poll of the incarnation it was handed to");
    }
    var sw = s.wire().shutdownWorker();
    assertTrue(
        sw.calls() > 0 && sw.restartsThatSentIt() > 0, "SDK 1.38.0 sends ShutdownWorker: " + sw);
    var keys = s.wire().instanceKeys();
    assertEquals(0, keys.pollsWithoutKey(), "SDK 1.38.0 puts a worker instance key on every poll");
    assertEquals(
        0,
        keys.incarnationsSharingKeys(),
        "each incarnation (a new Worker) has a key of its own: " + keys);
    Path dir = run.summary().getParent().resolve("bug");
    assertTrue(
        Files.readString(dir.resolve("report.md")).contains("## Where the lost tasks died"),
        "report.md beside the summary");
    assertTrue(Files.size(dir.resolve("wire.png")) > 1000, "its chart");
  }

  /**
   * Why SDK 1.35.0 gains nothing from the server's fix, measured on the wire: it does send
   * ShutdownWorker (from its workflow worker, for an activity-only worker too), but its activity
   * polls carry no worker instance key, so the server cannot tie them to that shutdown; 1.38.0's
   * polls carry the key its ShutdownWorker names.
   */
  @Test
  @Tag("e2e")
  void anSdkBefore1361PollsWithoutTheKeyItsShutdownWorkerNamesAnd138PollsWithIt() throws Exception {
    realServer();
    var run =
        Reproduce.run(
            "temporal",
            "--matrix",
            "--server-versions",
            "1.9.1",
            "--sdk-versions",
            "1.35.0,1.38.0",
            "--workflows",
            "20",
            "--activity-timeout",
            "2");
    assertEquals(0, run.exit(), "the matrix run failed");
    var cells = Report.cells(run.summary().getParent());
    assertEquals(4, cells.size(), "two SDKs, fix off and on");
    for (Report.Cell c : cells) {
      var e = c.summary().wire();
      String what = c.sdk() + ", fix " + c.mode() + ": " + e;
      assertTrue(e.polls() > 0 && e.shutdownWorker().restarts() > 0, what);
      assertEquals(
          e.shutdownWorker().restarts(),
          e.shutdownWorker().restartsThatSentIt(),
          "every restart sends ShutdownWorker: " + what);
      if (c.sdk().equals("1.35.0")) {
        assertEquals(
            e.polls(), e.instanceKeys().pollsWithoutKey(), "1.35.0 polls carry no key: " + what);
        assertEquals(0, e.instanceKeys().shutdownCallsMatchingTheirPolls(), what);
      } else {
        assertEquals(0, e.instanceKeys().pollsWithoutKey(), what);
        assertEquals(
            e.shutdownWorker().calls(),
            e.instanceKeys().shutdownCallsMatchingTheirPolls(),
            "its ShutdownWorker names its polls' key: " + what);
      }
    }
  }

  /**
   * A 2 x 1 matrix with few workflows: each cell's server version and capability are measured, not
   * assumed.
   */
  @Test
  @Tag("e2e")
  void aSmallVersionMatrixMeasuresEachServersVersionAndCapability() throws Exception {
    realServer();
    var run =
        Reproduce.run(
            "temporal",
            "--matrix",
            "--server-versions",
            "1.5.1,1.9.1",
            "--sdk-versions",
            "1.38.0",
            "--workflows",
            "60",
            "--activity-timeout",
            "2");
    assertEquals(0, run.exit(), "the matrix run failed");
    Path dir = run.summary().getParent();
    var cells = Report.cells(dir);
    var byName = new HashMap<String, Report.Cell>();
    cells.forEach(c -> byName.put(c.cli() + "/" + c.mode(), c));
    assertTrue(
        byName.containsKey("1.5.1/off")
            && byName.containsKey("1.9.1/off")
            && byName.containsKey("1.9.1/on"),
        byName.keySet().toString());
    assertFalse(
        byName.containsKey("1.5.1/on"),
        "the old server has no graceful poll shutdown: no fix cell");
    assertNotEquals(
        byName.get("1.5.1/off").server(),
        byName.get("1.9.1/off").server(),
        "two servers, two measured versions");
    assertTrue(
        byName.get("1.9.1/off").server().startsWith("1.32"), byName.get("1.9.1/off").server());
    assertEquals(Boolean.FALSE, byName.get("1.5.1/off").capability());
    assertEquals(Boolean.TRUE, byName.get("1.9.1/on").capability());
    for (Report.Cell c : cells) {
      assertEquals(60, c.summary().started());
      assertEquals("1.38.0", c.sdk());
    }
    assertTrue(Files.exists(dir.resolve("matrix.csv")) && Files.exists(dir.resolve("matrix.png")));
  }

  static String start(WorkflowClient client, String queue, String id, Workflows.Params params) {
    var stub =
        client.newWorkflowStub(
            Workflows.HelloWorkflow.class,
            WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id).build());
    return WorkflowClient.start(stub::run, params).getRunId();
  }

  static void waitClosed(WorkflowClient client, String... ids) {
    for (String id : ids) {
      try {
        WorkflowStub.fromTyped(client.newWorkflowStub(Workflows.HelloWorkflow.class, id))
            .getResult(60, TimeUnit.SECONDS, String.class);
      } catch (WorkflowFailedException expected) {
        // lost and slow fail by design
      } catch (java.util.concurrent.TimeoutException e) {
        fail(id + " did not close within 60 s");
      }
    }
  }
}

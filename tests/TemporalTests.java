// Temporal half of the kit. "fast" tests use the SDK's in-memory test server; "e2e" tests need the real
// dev server at TEMPORAL_TEST_ADDRESS (tests/run.sh starts one) and, for the chaos run, the whole
// ./reproduce_issue.sh temporal command.

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.api.common.v1.WorkflowExecution;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

public class TemporalTests {

  // ------------------------------------------------------------------------------------- fast

  @Test
  @Tag("fast")
  void workflowRunsItsActivityAndTheExecutionIsRecorded() throws Exception {
    Path events = Files.createTempDirectory("events");
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      env.newWorker(Workflows.WORKFLOW_QUEUE).registerWorkflowImplementationTypes(Workflows.HelloWorkflowImpl.class);
      var log = new Workflows.EventLog(events.resolve("executions-1.jsonl"));
      env.newWorker(Workflows.ACTIVITY_QUEUE).registerActivitiesImplementations(new Workflows.HelloActivitiesImpl("w1.r1@test", log));
      env.start();
      var stub = env.getWorkflowClient().newWorkflowStub(Workflows.HelloWorkflow.class,
          WorkflowOptions.newBuilder().setTaskQueue(Workflows.WORKFLOW_QUEUE).setWorkflowId("hello-unit-1").build());
      assertEquals("Hello from w1.r1@test", stub.run(new Workflows.Params(5, 0.2, 1.0)));
      log.close();
    }
    var records = Accounting.WorkerRecords.read(events);
    assertTrue(records.executed.contains("hello-unit-1"), "the activity's own execution record names its workflow");
  }

  @Test
  @Tag("fast")
  void anActivityThatOutlivesItsTimeoutFailsTheWorkflowAfterOneAttempt() throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      env.newWorker(Workflows.WORKFLOW_QUEUE).registerWorkflowImplementationTypes(Workflows.HelloWorkflowImpl.class);
      var log = new Workflows.EventLog(Files.createTempDirectory("events").resolve("executions-1.jsonl"));
      env.newWorker(Workflows.ACTIVITY_QUEUE).registerActivitiesImplementations(new Workflows.HelloActivitiesImpl("w1.r1@test", log));
      env.start();
      var stub = env.getWorkflowClient().newWorkflowStub(Workflows.HelloWorkflow.class,
          WorkflowOptions.newBuilder().setTaskQueue(Workflows.WORKFLOW_QUEUE).setWorkflowId("hello-unit-2").build());
      var e = assertThrows(WorkflowFailedException.class, () -> stub.run(new Workflows.Params(1, 3, null)));
      assertTrue(String.valueOf(e.getCause().getCause()).contains("START_TO_CLOSE"), "timed out start-to-close: " + e.getCause().getCause());
    }
  }

  @Test
  @Tag("fast")
  void wilsonIntervalMatchesKnownValues() {
    double[] ci = Accounting.wilson(26, 1000); // 2.6%, the seed's worst single-worker rate
    assertEquals(0.0178, ci[0], 0.0005);
    assertEquals(0.0379, ci[1], 0.0005);
    double[] none = Accounting.wilson(0, 300);
    assertEquals(0.0, none[0], 1e-9);
    assertEquals(0.0126, none[1], 0.0005);
  }

  @Test
  @Tag("fast")
  void summaryCountsAlwaysAddUpToStarted() {
    var outcomes = new java.util.HashMap<String, Accounting.Outcome>();
    outcomes.put("a", Accounting.Outcome.COMPLETED);
    outcomes.put("b", Accounting.Outcome.LOST);
    outcomes.put("c", Accounting.Outcome.FAILED_OTHER);
    outcomes.put("d", Accounting.Outcome.RUNNING);
    outcomes.put("e", Accounting.Outcome.COMPLETED);
    ObjectNode s = Accounting.summarize("r", outcomes, List.of(), new Accounting.WorkerRecords(), Workflows.JSON.createObjectNode(), Workflows.JSON.createObjectNode());
    assertEquals(5, s.path("started").asInt());
    assertEquals(5, s.path("completed").asInt() + s.path("lost").asInt() + s.path("failed_other").asInt() + s.path("running").asInt());
    assertEquals(20.0, s.path("lost_pct").asDouble(), 1e-9);
  }

  /** Bad input: one line on stderr, exit code 2, no stack trace. */
  @Test
  @Tag("fast")
  void badInputGivesOneLineAndExitCode2() {
    assertBad(new ActivityWorker(), "0");
    assertBad(new ActivityWorker(), "-n", "0");
    assertBad(new ActivityWorker(), "--graceful-shutdown-timeout", "-1");
    assertBad(new ActivityWorker(), "--bogus");
    assertBad(new StartWorkflows(), "-5");
    assertBad(new StartWorkflows(), "--activity-timeout", "0", "3");
    assertBad(new StartWorkflows(), "abc");
    assertBad(new WorkflowWorker(), "--nope");
  }

  @Test
  @Tag("fast")
  void unreachableServerIsOneLineWithin10Seconds() {
    long t0 = System.nanoTime();
    String err = assertBad(new StartWorkflows(), "--address", "127.0.0.1:1", "1");
    assertTrue(err.contains("cannot reach the Temporal server"), err);
    assertTrue((System.nanoTime() - t0) / 1e9 < 10, "took " + (System.nanoTime() - t0) / 1e9 + " s");
  }

  static String assertBad(java.util.concurrent.Callable<Integer> command, String... args) {
    PrintStream saved = System.err;
    var captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true));
    int rc;
    try {
      rc = Workflows.run(command, args);
    } finally {
      System.setErr(saved);
    }
    String err = captured.toString().trim();
    assertEquals(2, rc, "exit code for " + String.join(" ", args) + "; stderr: " + err);
    assertEquals(1, err.lines().count(), "one line for " + String.join(" ", args) + ", got: " + err);
    assertTrue(err.startsWith("error: "), err);
    return err;
  }

  @Test
  @Tag("fast")
  void sweepTablesCarryBothModesAndTheSeedFigures() throws Exception {
    Path dir = Files.createTempDirectory("sweep");
    writeSummary(dir.resolve("off-n1-i0.1"), false, 1, 0.1, 26, 1000);
    writeSummary(dir.resolve("on-n1-i0.1"), true, 1, 0.1, 0, 1000);
    assertEquals(0, Workflows.run(new Report(), new String[] {"sweep", dir.toString()}));
    String md = Files.readString(dir.resolve("sweep.md"));
    assertTrue(md.contains("| 0.1 | 2.60% (1.78-3.78) | 0.00% (0.00-0.38) | 2.6% |"), md);
    assertEquals(3, Files.readAllLines(dir.resolve("sweep.csv")).size());
  }

  static void writeSummary(Path dir, boolean fix, int workers, double interval, int lost, int started) throws Exception {
    Files.createDirectories(dir);
    var outcomes = new java.util.HashMap<String, Accounting.Outcome>();
    for (int i = 0; i < started; i++) outcomes.put("w" + i, i < lost ? Accounting.Outcome.LOST : Accounting.Outcome.COMPLETED);
    var records = new Accounting.WorkerRecords();
    records.config = Workflows.JSON.createObjectNode().put("interval", interval).put("workers", workers);
    var s = Accounting.summarize("r", outcomes, List.of(), records, Workflows.JSON.createObjectNode().put("poll_complete_on_shutdown", fix), Workflows.JSON.createObjectNode());
    Files.writeString(dir.resolve("summary.json"), s.toString());
  }

  // -------------------------------------------------------------------------------------- e2e

  static Workflows.Connection realServer() {
    String address = System.getenv("TEMPORAL_TEST_ADDRESS");
    assertNotNull(address, "TEMPORAL_TEST_ADDRESS is not set: run the tests with tests/run.sh, which starts the real dev server");
    var c = new Workflows.Connection();
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
    WorkerFactory workflows = WorkerFactory.newInstance(client);
    workflows.newWorker(Workflows.WORKFLOW_QUEUE).registerWorkflowImplementationTypes(Workflows.HelloWorkflowImpl.class);
    workflows.start();
    var executions = new Workflows.EventLog(events.resolve("executions-1.jsonl"));
    var restarts = new Workflows.EventLog(events.resolve("restarts-1.jsonl"));
    try {
      // 1. Lost: a thief polls the activity queue itself, takes the task, and never runs it.
      String thief = "w7.r3@thief";
      String lostId = "hello-" + run + "-lost";
      start(client, lostId, new Workflows.Params(2, 0, null));
      long shutdownBegan = System.currentTimeMillis();
      PollActivityTaskQueueResponse task = conn.stubs().blockingStub().withDeadlineAfter(30, TimeUnit.SECONDS)
          .pollActivityTaskQueue(PollActivityTaskQueueRequest.newBuilder().setNamespace(conn.namespace())
              .setTaskQueue(TaskQueue.newBuilder().setName(Workflows.ACTIVITY_QUEUE)).setIdentity(thief).build());
      assertEquals(lostId, task.getWorkflowExecution().getWorkflowId(), "the thief took our task");
      restarts.append(Workflows.JSON.createObjectNode().put("type", "restart").put("identity", thief).put("worker", 7).put("restart", 3)
          .put("start_ms", shutdownBegan - 100).put("shutdown_begin_ms", shutdownBegan).put("shutdown_end_ms", shutdownBegan + 20));

      // 2. Completed and 3. ran-but-timed-out: a real worker that records its executions.
      WorkerFactory activities = WorkerFactory.newInstance(client);
      activities.newWorker(Workflows.ACTIVITY_QUEUE)
          .registerActivitiesImplementations(new Workflows.HelloActivitiesImpl("w1.r1@e2e", executions));
      activities.start();
      String okId = "hello-" + run + "-ok", slowId = "hello-" + run + "-slow";
      start(client, okId, new Workflows.Params(5, 0, null));
      start(client, slowId, new Workflows.Params(1, 3, null));

      var records = waitClosedAndRead(client, events, lostId, okId, slowId);
      activities.shutdownNow();

      assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, status(conn, okId));
      ObjectNode lost = Accounting.explain(client, lostId, status(conn, lostId), records);
      assertEquals("lost", lost.path("outcome").asText(), lost.toString());
      assertEquals(thief, lost.path("identity").asText());
      assertEquals(7, lost.path("worker").asInt());
      assertEquals(3, lost.path("restart").asInt());
      assertEquals("START_TO_CLOSE", lost.path("timeout_type").asText());
      assertTrue(Math.abs(lost.path("ms_from_shutdown_begin").asLong()) < 5_000, lost.toString());
      assertFalse(lost.path("executed_by_a_worker").asBoolean());

      ObjectNode slow = Accounting.explain(client, slowId, status(conn, slowId), records);
      assertEquals("failed_other", slow.path("outcome").asText(), "it ran, so it is not lost: " + slow);
      assertTrue(slow.path("executed_by_a_worker").asBoolean());
    } finally {
      workflows.shutdownNow();
      executions.close();
      restarts.close();
    }
  }

  /** The whole one-command experiment, short: every workflow accounted for, the bug loses tasks. */
  @Test
  @Tag("e2e")
  void shortChaosRunAccountsForEveryWorkflowInBothModes() throws Exception {
    Path kit = Path.of(System.getProperty("kit.dir", ".")).toAbsolutePath();
    var pb = new ProcessBuilder("./reproduce_issue.sh", "temporal", "--workflows", "300", "--interval", "0.1", "--activity-timeout", "3")
        .directory(kit.toFile()).redirectErrorStream(true);
    Process p = pb.start();
    List<String> lines = new ArrayList<>();
    try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
        if (!line.startsWith("Started ") && !line.startsWith("Closed ")) System.out.println("     | " + line);
      }
    }
    assertEquals(0, p.waitFor(), "reproduce_issue.sh temporal failed");
    Path summaryPath = Path.of(lines.get(lines.size() - 1));
    assertTrue(summaryPath.endsWith("summary.json"), "last line is the summary's path: " + summaryPath);
    JsonNode s = Workflows.JSON.readTree(summaryPath.toFile());
    for (JsonNode run : List.of(s, s.path("fix"))) {
      assertEquals(300, run.path("started").asInt());
      assertEquals(300, run.path("completed").asInt() + run.path("lost").asInt() + run.path("failed_other").asInt() + run.path("running").asInt(), run.toString());
      assertEquals(0, run.path("running").asInt(), "--wait waited for every workflow");
      assertEquals(run.path("lost").asInt(), run.path("lost_tasks").size(), "one piece of evidence per lost task");
      assertEquals(0.1, run.path("interval").asDouble(), 1e-9);
      assertEquals(1, run.path("workers").asInt());
    }
    assertFalse(s.path("poll_complete_on_shutdown").asBoolean(), "bug run had the capability off");
    assertTrue(s.path("fix").path("poll_complete_on_shutdown").asBoolean(), "fix run had it on");
    assertTrue(s.path("lost").asInt() > 0, "at a 0.1 s restart interval the bug loses tasks: " + s.path("lost"));
    for (JsonNode l : s.path("lost_tasks")) assertTrue(l.path("identity").asText().matches("w1\\.r\\d+@\\d+"), l.toString());
  }

  static void start(WorkflowClient client, String id, Workflows.Params params) {
    var stub = client.newWorkflowStub(Workflows.HelloWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(Workflows.WORKFLOW_QUEUE).setWorkflowId(id).build());
    WorkflowClient.start(stub::run, params);
  }

  static WorkflowExecutionStatus status(Workflows.Connection c, String id) {
    return c.stubs().blockingStub().describeWorkflowExecution(io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace(c.namespace()).setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build()).getWorkflowExecutionInfo().getStatus();
  }

  static Accounting.WorkerRecords waitClosedAndRead(WorkflowClient client, Path events, String... ids) {
    for (String id : ids) {
      try {
        WorkflowStub.fromTyped(client.newWorkflowStub(Workflows.HelloWorkflow.class, id)).getResult(60, TimeUnit.SECONDS, String.class);
      } catch (WorkflowFailedException expected) {
        // lost and slow fail by design
      } catch (java.util.concurrent.TimeoutException e) {
        fail(id + " did not close within 60 s");
      }
    }
    return Accounting.WorkerRecords.read(events);
  }
}

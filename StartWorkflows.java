///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
// Jackson before the SDK: the first version named wins, and the SDK's own Jackson is older than
// ours.
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3
//DEPS org.slf4j:slf4j-simple:2.0.17
//DEPS io.temporal:temporal-sdk:${temporal.sdk.version:1.38.0}
//DEPS io.temporal:temporal-envconfig:${temporal.sdk.version:1.38.0}
//DEPS org.knowm.xchart:xchart:3.8.8
//SOURCES Workflows.java kit/Temporal.java kit/Accounting.java kit/Report.java kit/Charts.java kit/Server.java
//SOURCES kit/Rehearsal.java
// Start-up is most of a short run: C1, the serial GC and a class-data archive (jbang --cds) cut
// what is ours of 1,000 starts to about 1 s; the rest is the server (README, benchmark). C1
// compiles a method after 200 calls by default, so most of 1,000 starts ran interpreted: at 0.05 of
// that threshold the starter took 0.81-0.86 s of CPU for 1,000 starts instead of 1.12-1.31 s
// (docs/measurements.md, 2026-12-01).
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=0.05 -XX:+UseSerialGC -Xlog:cds*=off
//CDS

// Starts COUNT HelloWorkflows (as the original start_workflows.py did) and, with --wait, hands the
// run to kit/Accounting.java, which stays until every one has closed and explains each: completed,
// lost (with the worker it was handed to), failed for another reason, or still running.

import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "StartWorkflows",
    mixinStandardHelpOptions = true,
    description =
        "Starts COUNT workflows; with --wait, waits for all to close and accounts for every one.")
public class StartWorkflows implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      defaultValue = "10",
      description = "Number of workflows to start (default: ${DEFAULT-VALUE})")
  int count;

  @Option(
      names = {"--activity-timeout", "--activity_timeout"},
      defaultValue = "10.0",
      description = "Activity start-to-close timeout, seconds (default: ${DEFAULT-VALUE})")
  double activityTimeout;

  @Option(
      names = {"--activity-sleep", "--activity_sleep"},
      defaultValue = "0.1",
      description = "How long each activity sleeps, seconds (default: ${DEFAULT-VALUE})")
  double activitySleep;

  @Option(
      names = {"--activity-heartbeat-timeout", "--activity_heartbeat_timeout"},
      description = "Heartbeat timeout, seconds; the activity heartbeats every 0.1 s when set")
  Double heartbeatTimeout;

  @Option(
      names = "--task-queue",
      defaultValue = Workflows.WORKFLOW_QUEUE,
      description = "Workflow task queue (default: ${DEFAULT-VALUE})")
  String taskQueue;

  @Option(
      names = "--activity-task-queue",
      defaultValue = Workflows.ACTIVITY_QUEUE,
      description =
          "Task queue the activity is scheduled on, where the chaos workers poll (default:"
              + " ${DEFAULT-VALUE})")
  String activityTaskQueue;

  @Option(
      names = "--wait",
      description = "Wait until every workflow has closed, then print and write the accounting")
  boolean wait;

  @Option(
      names = "--events",
      defaultValue = "results/events",
      description =
          "Where ActivityWorker writes its restart and execution records (default:"
              + " ${DEFAULT-VALUE})")
  Path events;

  @Option(
      names = "--run-id",
      description =
          "Names the workflows hello-<run-id>-<i> and the results folder (default: a new"
              + " timestamp)")
  String runId;

  @Option(names = "--out", description = "Folder for summary.json (default: results/<run-id>)")
  Path out;

  @Option(
      names = "--account-only",
      description =
          "Start nothing: wait for and account for the COUNT workflows an earlier run started under"
              + " --run-id")
  boolean accountOnly;

  // Up to 1,000 at once by default, as the original's asyncio.gather puts its 1,000 in flight: the
  // dev server starts them faster the more it is given at once (1,000 in flight against 64: see the
  // benchmark beside the original). Not more: 10,000 in flight on a busy 2-core machine kept the
  // server past the starts' deadlines, and each start was sent again and again (90,612 start calls
  // for 10,000 workflows, 2026-12-01).
  static final int DEFAULT_STARTS_IN_FLIGHT = 1000;

  @Option(
      names = "--starts-in-flight",
      description = "Start requests sent before waiting for an answer (default: up to 1000)")
  Integer inFlightMax;

  @Option(
      names = "--rehearsal",
      defaultValue = "300",
      description =
          "Before the first start, send this many starts twice to an in-process stand-in for the"
              + " server, so that the JIT has compiled the send path (0: none) (default:"
              + " ${DEFAULT-VALUE})")
  int rehearsal;

  @Option(
      names = "--max-wait",
      defaultValue = "0",
      description =
          "With --wait, give up after this many seconds, 0 for never (default: ${DEFAULT-VALUE})")
  double maxWait;

  @Option(
      names = "--interval",
      description =
          "Recorded in the summary: the restart interval the chaos workers were started with")
  Double interval;

  @Option(
      names = "-n",
      description = "Recorded in the summary: how many chaos workers were started")
  Integer workers;

  @Option(
      names = "--cli-version",
      description =
          "Recorded in the summary and report.md: the Temporal CLI release that runs the dev"
              + " server")
  String cliVersion;

  @Option(
      names = "--command",
      description =
          "Recorded in report.md: the command that started this run (default: this StartWorkflows"
              + " command line)")
  String command;

  @Mixin Temporal.Connection connection;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  // Before the logger: slf4j-simple reads its settings once, when the first logger is made.
  static {
    Cli.quietLogging("StartWorkflows", "Accounting"); // the accounting's progress lines too
  }

  private static final Logger log = LoggerFactory.getLogger(StartWorkflows.class);
  private static final int MAX_COUNT = 1_000_000;

  /**
   * How long the start RPCs took, and when the first was sent: the accounting counts the drain from
   * there.
   */
  private Double startSeconds;

  private long firstStartMs;

  public static void main(String[] args) {
    var command = new StartWorkflows();
    int rc = Cli.run(command, args);
    command.connection.close();
    System.exit(rc);
  }

  @Override
  public Integer call() throws Exception {
    validate();
    if (out == null) out = Path.of("results", runId);
    connection.connect();
    List<String> ids = ids(runId, count);
    if (!accountOnly) start(ids);
    // start.json says every workflow was started: the orchestrator waits for it (never for a log
    // line).
    if (!accountOnly && spec.commandLine().getParseResult().hasMatchedOption("--out"))
      Cli.writeJson(
          out.resolve("start.json"),
          new Loss.Started(runId, ids.size(), Cli.round(startSeconds, 3)));
    if (!wait) return 0;

    if (command == null)
      command =
          "StartWorkflows " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    var setup =
        new Loss.Setup(
            runId,
            taskQueue,
            activityTaskQueue,
            interval,
            workers,
            activityTimeout,
            activitySleep,
            heartbeatTimeout,
            command);
    var run =
        new Accounting.Run(
            setup, events, out, maxWait, ids, startSeconds, firstStartMs, cliVersion);
    Path summary = new Accounting(connection, run).run();
    System.out.print(Report.render(Cli.readJson(summary, Loss.Summary.class)));
    System.out.println("Summary: " + summary);
    return 0;
  }

  private void validate() {
    if (count < 0 || count > MAX_COUNT)
      throw new Cli.Fail("COUNT must be between 0 and " + MAX_COUNT + ", got " + count);
    Cli.positive(activityTimeout, "--activity-timeout");
    Cli.nonNegative(activitySleep, "--activity-sleep");
    if (heartbeatTimeout != null) Cli.positive(heartbeatTimeout, "--activity-heartbeat-timeout");
    Cli.nonNegative(maxWait, "--max-wait");
    if (inFlightMax == null) inFlightMax = Math.max(1, Math.min(count, DEFAULT_STARTS_IN_FLIGHT));
    if (rehearsal < 0 || rehearsal > 10_000)
      throw new Cli.Fail("--rehearsal must be between 0 and 10000, got " + rehearsal);
    if (inFlightMax < 1 || inFlightMax > MAX_COUNT)
      throw new Cli.Fail(
          "--starts-in-flight must be between 1 and " + MAX_COUNT + ", got " + inFlightMax);
    if (interval != null) Cli.positive(interval, "--interval");
    if (workers != null && workers < 1) throw new Cli.Fail("-n must be at least 1, got " + workers);
    if (accountOnly && !spec.commandLine().getParseResult().hasMatchedOption("--run-id"))
      throw new Cli.Fail("--account-only needs the --run-id of the run to account for");
    if (runId == null)
      runId =
          LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
              + "-"
              + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    if (!runId.matches("[A-Za-z0-9._:-]{1,100}"))
      throw new Cli.Fail(
          "--run-id may hold only letters, digits, '.', '_', ':' and '-' (at most 100), got '"
              + runId
              + "'");
    for (String q : List.of(taskQueue, activityTaskQueue))
      if (q.isBlank() || q.length() > 200)
        throw new Cli.Fail("a task queue name must be 1-200 characters, got '" + q + "'");
    if (accountOnly) wait = true;
    if (wait && count == 0)
      throw new Cli.Fail("COUNT must be at least 1 with --wait or --account-only");
  }

  /**
   * Starts are independent round trips, sent on the raw async stub with up to --starts-in-flight
   * unanswered.
   */
  private void start(List<String> ids) throws Exception {
    warnIfQueueBusy();
    var params =
        new Workflows.Params(activityTimeout, activitySleep, heartbeatTimeout, activityTaskQueue);
    var input = DefaultDataConverter.newDefaultInstance().toPayloads(params).orElseThrow();
    // Every start is this request with its own workflow and request id; the rehearsal sends it too.
    var template =
        StartWorkflowExecutionRequest.newBuilder()
            .setNamespace(connection.namespace())
            .setWorkflowType(WorkflowType.newBuilder().setName("HelloWorkflow"))
            .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
            .setInput(input)
            .setIdentity("start-workflows@" + ProcessHandle.current().pid())
            .build();
    Semaphore inFlight = new Semaphore(inFlightMax);
    AtomicInteger done = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    if (rehearsal > 0) rehearse(template);
    firstStartMs = System.currentTimeMillis();
    long t0 = System.nanoTime(), cpu0 = cpuNanos();
    // Answers are handled on the connection's own thread: the listener only counts and releases a
    // permit, and a hand-over to gRPC's executor per answer cost CPU the server needs (6.30 -> 6.05
    // s for 1,000, 3 runs each).
    var async = connection.stubs().futureStub().withExecutor(Runnable::run);
    for (String id : ids) {
      if (failure.get() != null) break;
      inFlight.acquire();
      send(
          async,
          template.toBuilder().setWorkflowId(id).setRequestId(UUID.randomUUID().toString()).build(),
          1,
          () -> {
            int n = done.incrementAndGet();
            if (n % 1000 == 0 || n == ids.size())
              log.info("Started {}/{} workflows", n, ids.size());
            inFlight.release();
          },
          e -> {
            failure.compareAndSet(null, e);
            inFlight.release();
          });
    }
    inFlight.acquire(inFlightMax);
    if (failure.get() != null) {
      throw new Cli.Fail(
          "starting workflows failed after "
              + done.get()
              + " of "
              + ids.size()
              + ": "
              + Cli.firstLine(failure.get().getMessage()));
    }
    startSeconds = (System.nanoTime() - t0) / 1e9;
    // The starter's own CPU while it started them: on 2 cores, what it takes is taken from the
    // server.
    log.info(
        "Started {} workflows (run {}) in {} s, {}/s, {} s of CPU",
        ids.size(),
        runId,
        String.format("%.2f", startSeconds),
        ids.isEmpty() ? 0 : Math.round(ids.size() / startSeconds),
        String.format("%.2f", (cpuNanos() - cpu0) / 1e9));
  }

  /**
   * The send path rehearsed (kit/Rehearsal.java): a failure only costs the speed, so it is a
   * warning.
   */
  private void rehearse(StartWorkflowExecutionRequest template) {
    try {
      var r = Rehearsal.run(template, 2, rehearsal, connection.grpcCompression);
      log.info(
          "Rehearsed the send path: {} of {} starts answered in-process in {} s",
          r.answered(),
          2 * rehearsal,
          String.format("%.2f", r.seconds()));
    } catch (Exception e) {
      log.warn("Rehearsing the send path failed, starting cold: {}", Cli.firstLine(e.toString()));
    }
  }

  // Each attempt waits up to the SDK's 10 s cap: 30 of them give a slow server 5 min for one start
  // (10 were not enough for a busy dev server holding 9,000 workflows, 2026-12-01).
  private static final int START_ATTEMPTS = 30;

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * One start, sent again (same request id: the server never starts a second workflow for it) when
   * its deadline passed: with all of them in flight on a loaded machine the last ones wait in the
   * server past the SDK's 10 s.
   */
  private void send(
      io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceFutureStub async,
      StartWorkflowExecutionRequest request,
      int attempt,
      Runnable started,
      java.util.function.Consumer<Throwable> failed) {
    var f = async.withDeadlineAfter(30, TimeUnit.SECONDS).startWorkflowExecution(request);
    f.addListener(
        () -> {
          try {
            f.get();
            started.run();
          } catch (Exception e) {
            Throwable cause =
                e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            if (attempt < START_ATTEMPTS
                && io.grpc.Status.fromThrowable(cause).getCode()
                    == io.grpc.Status.Code.DEADLINE_EXCEEDED) {
              send(async, request, attempt + 1, started, failed);
            } else {
              failed.accept(cause);
            }
          }
        },
        Runnable::run);
  }

  /**
   * Work an interrupted earlier run left on the same queue would compete for the chaos workers: say
   * so.
   */
  private void warnIfQueueBusy() {
    try {
      long open =
          connection.count(
              "TaskQueue = " + Temporal.quote(taskQueue) + " AND ExecutionStatus = 'Running'");
      if (open > 0)
        System.err.printf(
            "warning: %d workflows of an earlier run are still open on task queue '%s'; they"
                + " compete for the same workers%n",
            open, taskQueue);
    } catch (RuntimeException e) {
      // a server without this visibility query: nothing to warn about
    }
  }

  public static List<String> ids(String runId, int count) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) ids.add("hello-" + runId + "-" + i);
    return ids;
  }
}

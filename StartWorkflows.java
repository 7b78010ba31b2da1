///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES Workflows.java kit/Report.java kit/Charts.java
// Start-up is most of a short run: C1, the serial GC and a class-data archive (jbang --cds) cut what is ours of 1,000 starts to about 1 s; the rest is the server (README, benchmark).
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds*=off
//CDS

// Starts COUNT HelloWorkflows and, with --wait, stays until every one has closed, then explains each:
// completed, lost (with the worker it was handed to), failed for another reason, or still running.
// The wait asks the server's visibility store about this run only; histories are fetched only for the
// workflows that did not complete, and the workers' records are read incrementally.

import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    description = "Starts COUNT workflows; with --wait, waits for all to close and accounts for every one.")
public class StartWorkflows implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", defaultValue = "10", description = "Number of workflows to start (default: ${DEFAULT-VALUE})")
  int count;

  @Option(names = {"--activity-timeout", "--activity_timeout"}, defaultValue = "10.0", description = "Activity start-to-close timeout, seconds (default: ${DEFAULT-VALUE})")
  double activityTimeout;

  @Option(names = {"--activity-sleep", "--activity_sleep"}, defaultValue = "0.1", description = "How long each activity sleeps, seconds (default: ${DEFAULT-VALUE})")
  double activitySleep;

  @Option(names = {"--activity-heartbeat-timeout", "--activity_heartbeat_timeout"}, description = "Heartbeat timeout, seconds; the activity heartbeats every 0.1 s when set")
  Double heartbeatTimeout;

  @Option(names = "--task-queue", defaultValue = Workflows.WORKFLOW_QUEUE, description = "Workflow task queue (default: ${DEFAULT-VALUE})")
  String taskQueue;

  @Option(names = "--activity-task-queue", defaultValue = Workflows.ACTIVITY_QUEUE, description = "Task queue the activity is scheduled on, where the chaos workers poll (default: ${DEFAULT-VALUE})")
  String activityTaskQueue;

  @Option(names = "--wait", description = "Wait until every workflow has closed, then print and write the accounting")
  boolean wait;

  @Option(names = "--events", defaultValue = "results/events", description = "Where ActivityWorker writes its restart and execution records (default: ${DEFAULT-VALUE})")
  Path events;

  @Option(names = "--run-id", description = "Names the workflows hello-<run-id>-<i> and the results folder (default: a new timestamp)")
  String runId;

  @Option(names = "--out", description = "Folder for summary.json (default: results/<run-id>)")
  Path out;

  @Option(names = "--account-only", description = "Start nothing: wait for and account for the COUNT workflows an earlier run started under --run-id")
  boolean accountOnly;

  // All of them by default, as the original's asyncio.gather: the dev server starts them faster the more it is
  // given at once (1,000 in flight against 64: see README, the benchmark beside the original).
  @Option(names = "--starts-in-flight", description = "Start requests sent before waiting for an answer (default: all of them)")
  Integer inFlightMax;

  @Option(names = "--max-wait", defaultValue = "0", description = "With --wait, give up after this many seconds, 0 for never (default: ${DEFAULT-VALUE})")
  double maxWait;

  @Option(names = "--interval", description = "Recorded in the summary: the restart interval the chaos workers were started with")
  Double interval;

  @Option(names = "-n", description = "Recorded in the summary: how many chaos workers were started")
  Integer workers;

  @Mixin Temporal.Connection connection;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  // Before the logger: slf4j-simple reads its settings once, when the first logger is made.
  static {
    Cli.quietLogging("StartWorkflows");
  }

  private static final Logger log = LoggerFactory.getLogger(StartWorkflows.class);
  private static final int MAX_COUNT = 1_000_000;

  /** Filled as the run goes, so a Ctrl-C or a dead server still leaves a partial summary of what is known. */
  private final Map<String, Loss.Outcome> outcomes = new ConcurrentHashMap<>();
  private final List<Loss.Explained> explained = new ArrayList<>();
  private final AtomicReference<Path> written = new AtomicReference<>();
  private Events.Records records;
  /** Histories of failed workflows, fetched while the run drains so the verdict need not wait for them. */
  private final Map<String, Future<Loss.History>> histories = new ConcurrentHashMap<>();
  private ExecutorService historyPool;
  /**
   * Every closed workflow of this run, as visibility lists it, gathered while the run drains: a closed workflow
   * never changes, so each poll lists only what closed since a little before the newest close seen, and the
   * verdict need not list 10,000 workflows at the end (about 4 s on the dev server).
   */
  private final Map<String, WorkflowExecutionInfo> closed = new HashMap<>();
  private java.util.Set<String> runIds;
  private long newestCloseMs, lastClosedLookMs;
  /** Visibility records are written after the close, not always in close order: look this far back each time. */
  private static final long CLOSE_ORDER_SLACK_MS = 5_000;
  private Double startSeconds, drainSeconds;
  private long firstStartMs, lastCloseMs, lastWorkMs;

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
    if (!wait) {
      if (!accountOnly && spec.commandLine().getParseResult().hasMatchedOption("--out")) Cli.writeJson(out.resolve("start.json"), new Loss.Started(runId, ids.size(), Cli.round(startSeconds, 3)));
      return 0;
    }

    records = new Events.Records(events);
    runIds = new java.util.HashSet<>(ids);
    ids.forEach(id -> outcomes.put(id, Loss.Outcome.RUNNING));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (written.get() == null) writeSummary("interrupted before every workflow was accounted for", null);
    }));
    historyPool = Executors.newFixedThreadPool(16);
    try {
      awaitAll(ids);
      account(ids);
    } finally {
      historyPool.shutdownNow();
    }
    Path summary = writeSummary(null, (System.currentTimeMillis() - lastCloseMs) / 1000.0);
    System.out.print(Report.render(Cli.readJson(summary, Loss.Summary.class)));
    System.out.println("Summary: " + summary);
    return 0;
  }

  private void validate() {
    if (count < 0 || count > MAX_COUNT) throw new Cli.Fail("COUNT must be between 0 and " + MAX_COUNT + ", got " + count);
    Cli.positive(activityTimeout, "--activity-timeout");
    Cli.nonNegative(activitySleep, "--activity-sleep");
    if (heartbeatTimeout != null) Cli.positive(heartbeatTimeout, "--activity-heartbeat-timeout");
    Cli.nonNegative(maxWait, "--max-wait");
    if (inFlightMax == null) inFlightMax = Math.max(1, count);
    if (inFlightMax < 1 || inFlightMax > MAX_COUNT) throw new Cli.Fail("--starts-in-flight must be between 1 and " + MAX_COUNT + ", got " + inFlightMax);
    if (interval != null) Cli.positive(interval, "--interval");
    if (workers != null && workers < 1) throw new Cli.Fail("-n must be at least 1, got " + workers);
    if (accountOnly && !spec.commandLine().getParseResult().hasMatchedOption("--run-id")) throw new Cli.Fail("--account-only needs the --run-id of the run to account for");
    if (runId == null) runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    if (!runId.matches("[A-Za-z0-9._:-]{1,100}")) throw new Cli.Fail("--run-id may hold only letters, digits, '.', '_', ':' and '-' (at most 100), got '" + runId + "'");
    for (String q : List.of(taskQueue, activityTaskQueue)) if (q.isBlank() || q.length() > 200) throw new Cli.Fail("a task queue name must be 1-200 characters, got '" + q + "'");
    if (accountOnly) wait = true;
    if (wait && count == 0) throw new Cli.Fail("COUNT must be at least 1 with --wait or --account-only");
  }

  /** Starts are independent round trips, sent on the raw async stub with up to --starts-in-flight unanswered. */
  private void start(List<String> ids) throws Exception {
    warnIfQueueBusy();
    var params = new Workflows.Params(activityTimeout, activitySleep, heartbeatTimeout, activityTaskQueue);
    var input = DefaultDataConverter.newDefaultInstance().toPayloads(params).orElseThrow();
    String identity = "start-workflows@" + ProcessHandle.current().pid();
    Semaphore inFlight = new Semaphore(inFlightMax);
    AtomicInteger done = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    firstStartMs = System.currentTimeMillis();
    long t0 = System.nanoTime(), cpu0 = cpuNanos();
    // Answers are handled on the connection's own thread: the listener only counts and releases a permit, and
    // a hand-over to gRPC's executor per answer cost CPU the server needs (6.30 -> 6.05 s for 1,000, 3 runs each).
    var async = connection.stubs().futureStub().withExecutor(Runnable::run);
    for (String id : ids) {
      if (failure.get() != null) break;
      inFlight.acquire();
      send(async, StartWorkflowExecutionRequest.newBuilder()
          .setNamespace(connection.namespace()).setWorkflowId(id).setWorkflowType(WorkflowType.newBuilder().setName("HelloWorkflow"))
          .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue)).setInput(input).setIdentity(identity)
          .setRequestId(UUID.randomUUID().toString()).build(), 1, () -> {
            int n = done.incrementAndGet();
            if (n % 1000 == 0 || n == ids.size()) log.info("Started {}/{} workflows", n, ids.size());
            inFlight.release();
          }, e -> {
            failure.compareAndSet(null, e);
            inFlight.release();
          });
    }
    inFlight.acquire(inFlightMax);
    if (failure.get() != null) {
      throw new Cli.Fail("starting workflows failed after " + done.get() + " of " + ids.size() + ": " + Cli.firstLine(failure.get().getMessage()));
    }
    startSeconds = (System.nanoTime() - t0) / 1e9;
    // The starter's own CPU while it started them: on 2 cores, what it takes is taken from the server.
    log.info("Started {} workflows (run {}) in {} s, {}/s, {} s of CPU", ids.size(), runId, String.format("%.2f", startSeconds),
        ids.isEmpty() ? 0 : Math.round(ids.size() / startSeconds), String.format("%.2f", (cpuNanos() - cpu0) / 1e9));
  }

  private static final int START_ATTEMPTS = 10;

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /**
   * One start, sent again (same request id: the server never starts a second workflow for it) when its deadline
   * passed: with all of them in flight on a loaded machine the last ones wait in the server past the SDK's 10 s.
   */
  private void send(io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceFutureStub async, StartWorkflowExecutionRequest request,
      int attempt, Runnable started, java.util.function.Consumer<Throwable> failed) {
    var f = async.withDeadlineAfter(30, TimeUnit.SECONDS).startWorkflowExecution(request);
    f.addListener(() -> {
      try {
        f.get();
        started.run();
      } catch (Exception e) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
        if (attempt < START_ATTEMPTS && io.grpc.Status.fromThrowable(cause).getCode() == io.grpc.Status.Code.DEADLINE_EXCEEDED) {
          send(async, request, attempt + 1, started, failed);
        } else {
          failed.accept(cause);
        }
      }
    }, Runnable::run);
  }

  /** Work an interrupted earlier run left on the same queue would compete for the chaos workers: say so. */
  private void warnIfQueueBusy() {
    try {
      long open = connection.count("TaskQueue = " + Temporal.quote(taskQueue) + " AND ExecutionStatus = 'Running'");
      if (open > 0) System.err.printf("warning: %d workflows of an earlier run are still open on task queue '%s'; they compete for the same workers%n", open, taskQueue);
    } catch (RuntimeException e) {
      // a server without this visibility query: nothing to warn about
    }
  }

  private String scope() {
    return "TaskQueue = " + Temporal.quote(taskQueue) + " AND WorkflowId STARTS_WITH " + Temporal.quote("hello-" + runId + "-");
  }

  /** Polls the run's counts until every workflow is visible and none is running. */
  private void awaitAll(List<String> ids) throws InterruptedException {
    long began = System.currentTimeMillis(), lastAnswer = began, lastProgress = 0;
    while (true) {
      long now = System.currentTimeMillis();
      long total = -1, running = -1;
      try {
        total = connection.count(scope());
        running = connection.count(scope() + " AND ExecutionStatus = 'Running'");
        lastAnswer = now;
      } catch (RuntimeException e) {
        if (!Temporal.unreachable(e)) throw new Cli.Fail("the server refused the visibility query for this run: " + Cli.firstLine(e.getMessage()));
        if (now - lastAnswer > 15_000) {
          Path p = writeSummary("the Temporal server stopped answering; statuses unknown for the workflows still shown as running", null);
          throw new Cli.Fail("the Temporal server at " + connection.target() + " stopped answering for 15 s; partial results in " + p);
        }
      }
      records.refresh(); // keeps the final read small
      boolean allClosed = total >= ids.size() && running == 0;
      if (allClosed || now - lastClosedLookMs >= 1_000) collectClosed(now);
      if (running > 0) checkWorkersAlive();
      if (running >= 0 && (now - lastProgress >= 5_000 || allClosed)) {
        lastProgress = now;
        log.info("Closed {}/{}, {} still running", Math.max(0, Math.min(total, ids.size()) - running), ids.size(), running);
      }
      if (allClosed) return;
      if (maxWait > 0 && now - began > maxWait * 1000) {
        Path p = writeSummary("--max-wait of " + maxWait + " s passed with " + running + " workflows still running", null);
        throw new Cli.Fail(running + " workflows still running after --max-wait " + maxWait + " s; partial results in " + p);
      }
      Thread.sleep(250);
    }
  }

  /**
   * Chaos workers on this run's queue that all died (a crash, a failed record write) would leave the run
   * waiting forever: that is an error with a partial summary, not a wait.
   */
  private void checkWorkersAlive() {
    var mine = records.configs().stream().filter(c -> activityTaskQueue.equals(c.taskQueue())).toList();
    if (mine.isEmpty() || mine.stream().anyMatch(c -> ProcessHandle.of(c.pid()).map(ProcessHandle::isAlive).orElse(false))) return;
    String pids = mine.stream().map(c -> String.valueOf(c.pid())).reduce((a, b) -> a + ", " + b).orElse("");
    Path p = writeSummary("the chaos worker process(es) " + pids + " on '" + activityTaskQueue + "' stopped before every workflow closed", null);
    throw new Cli.Fail("the chaos worker process(es) " + pids + " stopped before every workflow closed (see their log); partial results in " + p);
  }

  /**
   * Adds what closed since the last look to {@link #closed}, and starts fetching the history of each that did not
   * complete (a closed history never changes), so that at 10,000 workflows the verdict waits for neither.
   */
  private void collectClosed(long now) {
    lastClosedLookMs = now;
    String query = scope() + " AND ExecutionStatus != 'Running'";
    if (newestCloseMs > 0) query += " AND CloseTime >= " + Temporal.quote(java.time.Instant.ofEpochMilli(newestCloseMs - CLOSE_ORDER_SLACK_MS).toString());
    try {
      for (WorkflowExecutionInfo i : connection.list(query)) {
        String id = i.getExecution().getWorkflowId();
        if (!runIds.contains(id) || closed.putIfAbsent(id, i) != null) continue;
        newestCloseMs = Math.max(newestCloseMs, Temporal.millis(i.getCloseTime()));
        if (i.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) historyOf(i);
      }
    } catch (RuntimeException e) {
      // the final accounting lists whatever is missing; a dead server is caught by the counts
    }
  }

  private Future<Loss.History> historyOf(WorkflowExecutionInfo i) {
    return histories.compute(i.getExecution().getWorkflowId() + "/" + i.getExecution().getRunId(), (k, f) -> {
      // A fetch that failed (a passing server error) is made again, not remembered.
      if (f != null && !(f.isDone() && (f.isCancelled() || failed(f)))) return f;
      return historyPool.submit(() -> connection.history(i.getExecution().getWorkflowId(), i.getExecution().getRunId(), i.getStatus()));
    });
  }

  private static boolean failed(Future<?> f) {
    try {
      f.get();
      return false;
    } catch (Exception e) {
      return true;
    }
  }

  /** Every closed workflow's status from visibility; the history of each that did not complete, classified. */
  private void account(List<String> ids) throws Exception {
    Map<String, WorkflowExecutionInfo> infos = closed;
    // A record visibility wrote later than the look-back allowed for: then, and only then, list them all.
    if (!closed.keySet().containsAll(ids)) {
      infos = new HashMap<>();
      for (WorkflowExecutionInfo i : connection.list(scope())) infos.put(i.getExecution().getWorkflowId(), i);
    }
    List<WorkflowExecutionInfo> failed = new ArrayList<>();
    for (String id : ids) {
      WorkflowExecutionInfo i = infos.get(id);
      if (i == null) throw new Cli.Fail("workflow " + id + " is not in the server's visibility store although it was started");
      lastCloseMs = Math.max(lastCloseMs, Temporal.millis(i.getCloseTime()));
      if (firstStartMs == 0 || Temporal.millis(i.getStartTime()) < firstStartMs) firstStartMs = Temporal.millis(i.getStartTime());
      if (i.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        outcomes.put(id, Loss.Outcome.COMPLETED);
        lastWorkMs = Math.max(lastWorkMs, Temporal.millis(i.getCloseTime()));
      } else {
        failed.add(i);
      }
    }
    // Draining begins when both the work and a worker are there (a start-only run may precede the workers).
    long firstWorker = records.configs().stream().filter(c -> activityTaskQueue.equals(c.taskQueue()))
        .mapToLong(Events.WorkerConfig::startedMs).min().orElse(firstStartMs);
    drainSeconds = (lastCloseMs - Math.max(firstStartMs, firstWorker)) / 1000.0;
    // Read after every workflow closed: an execution record is written when the activity begins, before its
    // workflow can close, so by now every record that will ever exist for these workflows is on disk.
    records.refresh();
    for (WorkflowExecutionInfo i : failed) {
      Loss.History h;
      try {
        h = historyOf(i).get();
      } catch (java.util.concurrent.ExecutionException e) {
        Path p = writeSummary("the history of " + i.getExecution().getWorkflowId() + " could not be read", null);
        throw new Cli.Fail("the history of " + i.getExecution().getWorkflowId() + " could not be read: " + Cli.firstLine(e.getCause().getMessage())
            + "; partial results in " + p);
      }
      Loss.Explained e = Loss.classify(h, records);
      synchronized (explained) {
        explained.add(e);
      }
      outcomes.put(e.workflowId(), e.outcome());
      // Work was queued until the last task was handed out: a lost task's timeout tail is idle time.
      if (e.handedMs() != null) lastWorkMs = Math.max(lastWorkMs, e.handedMs());
    }
  }

  /** Written at the end, and also on Ctrl-C or a dead server, so nothing measured is lost. */
  private synchronized Path writeSummary(String incomplete, Double verdictLatency) {
    Path file = out.resolve("summary.json");
    String workerSdk = records == null ? null : records.configs().stream()
        .filter(c -> activityTaskQueue.equals(c.taskQueue())).map(Events.WorkerConfig::sdkVersion).reduce((a, b) -> b).orElse(null);
    List<Loss.Explained> snapshot;
    synchronized (explained) {
      snapshot = List.copyOf(explained);
    }
    var setup = new Loss.Setup(runId, taskQueue, activityTaskQueue, interval, workers, activityTimeout, activitySleep, heartbeatTimeout);
    var timing = new Loss.Timing(startSeconds == null ? null : Cli.round(startSeconds, 3), drainSeconds == null ? null : Cli.round(drainSeconds, 3),
        verdictLatency == null ? null : Cli.round(verdictLatency, 3));
    var s = Loss.summarize(setup, Map.copyOf(outcomes), snapshot, records == null ? Events.Records.of(List.of(), false) : records,
        connection.versions(workerSdk), timing, firstStartMs, lastWorkMs > 0 ? lastWorkMs : lastCloseMs > 0 ? lastCloseMs : System.currentTimeMillis(), incomplete);
    Cli.writeJson(file, s);
    written.set(file);
    if (s.incomplete() != null && incomplete == null) throw new Cli.Fail(s.incomplete() + "; partial results in " + file);
    return file;
  }

  public static List<String> ids(String runId, int count) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) ids.add("hello-" + runId + "-" + i);
    return ids;
  }
}

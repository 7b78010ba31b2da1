// The verifier, apart from the starter (as omes keeps its verifier apart from its executor): waits
// until every workflow of one run has closed, then explains each one from the server's records and
// the workers' own (Loss.classify), and writes summary.json. The wait asks the server's visibility
// store about this run only; histories are fetched only for the workflows that did not complete,
// while the run drains, and the workers' records are read incrementally.

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class Accounting {
  private static final Logger log = LoggerFactory.getLogger(Accounting.class);

  /**
   * Visibility records are written after the close, not always in close order: look this far back
   * each time.
   */
  private static final long CLOSE_ORDER_SLACK_MS = 5_000;

  /**
   * What the run was and where its records are: given by the starter, never read back from a
   * worker.
   */
  public record Run(
      Loss.Setup setup,
      Path events,
      Path out,
      double maxWaitSeconds,
      List<String> workflowIds,
      Double startSeconds,
      long firstStartMs,
      String cliVersion) {}

  private final Temporal.Connection connection;
  private final Run run;
  private final Set<String> workflowIds;

  /**
   * Filled as the run goes, so a Ctrl-C or a dead server still leaves a partial summary of what is
   * known.
   */
  private final Map<String, Loss.Outcome> outcomes = new ConcurrentHashMap<>();

  private final List<Loss.Explained> explained = new ArrayList<>();
  private final AtomicReference<Path> written = new AtomicReference<>();
  private final Events.Records records;

  /**
   * Histories of failed workflows, fetched while the run drains so the verdict need not wait for
   * them.
   */
  private final Map<String, Future<Loss.History>> histories = new ConcurrentHashMap<>();

  private ExecutorService historyPool;

  /**
   * Every closed workflow of this run, as visibility lists it, gathered while the run drains: a
   * closed workflow never changes, so each poll lists only what closed since a little before the
   * newest close seen, and the verdict need not list 10,000 workflows at the end (about 4 s on the
   * dev server).
   */
  private final Map<String, WorkflowExecutionInfo> closed = new HashMap<>();

  private long newestCloseMs, lastClosedLookMs;
  private Double drainSeconds;
  private long firstStartMs, lastCloseMs, lastCompletedCloseMs;

  public Accounting(Temporal.Connection connection, Run run) {
    this.connection = connection;
    this.run = run;
    this.workflowIds = new HashSet<>(run.workflowIds());
    this.records = new Events.Records(run.events());
    this.firstStartMs = run.firstStartMs();
    run.workflowIds().forEach(id -> outcomes.put(id, Loss.Outcome.RUNNING));
  }

  /** Waits for every workflow, accounts for each, and returns the summary written. */
  public Path run() throws Exception {
    Cli.onShutdown(
        () -> { // a hook that fails on a full disk after the run said so adds no stack trace
          if (written.get() == null)
            writeSummary("interrupted before every workflow was accounted for", null);
        });
    historyPool = Executors.newFixedThreadPool(16);
    try {
      awaitAll();
      account();
    } finally {
      historyPool.shutdownNow();
    }
    Path summary = writeSummary(null, (System.currentTimeMillis() - lastCloseMs) / 1000.0);
    writeReport(Cli.readJson(summary, Loss.Summary.class));
    return summary;
  }

  /** report.md and its chart beside the summary: what a user pastes into an upstream issue. */
  private void writeReport(Loss.Summary s) {
    String chart = s.lostTasks().isEmpty() ? null : "wire.png";
    if (chart != null) Report.wireChart(run.out().resolve(chart), s);
    Cli.writeFile(run.out().resolve("report.md"), Report.runReport(s, chart));
  }

  private String activityQueue() {
    return run.setup().activityTaskQueue();
  }

  private String scope() {
    return "TaskQueue = "
        + Temporal.quote(run.setup().taskQueue())
        + " AND WorkflowId STARTS_WITH "
        + Temporal.quote("hello-" + run.setup().runId() + "-");
  }

  /** Polls the run's counts until every workflow is visible and none is running. */
  private void awaitAll() throws InterruptedException {
    int expected = run.workflowIds().size();
    long began = System.currentTimeMillis(), lastAnswer = began, lastProgress = 0;
    while (true) {
      long now = System.currentTimeMillis();
      long total = -1, running = -1;
      try {
        total = connection.count(scope());
        running = connection.count(scope() + " AND ExecutionStatus = 'Running'");
        lastAnswer = now;
      } catch (RuntimeException e) {
        if (!Temporal.unreachable(e))
          throw new Cli.Fail(
              "the server refused the visibility query for this run: "
                  + Cli.firstLine(e.getMessage()));
        if (now - lastAnswer > 15_000) {
          Path p =
              writeSummary(
                  "the Temporal server stopped answering; statuses unknown for the workflows still"
                      + " shown as running",
                  null);
          throw new Cli.Fail(
              "the Temporal server at "
                  + connection.target()
                  + " stopped answering for 15 s; partial results in "
                  + p);
        }
      }
      records.refresh(); // keeps the final read small
      boolean allClosed = total >= expected && running == 0;
      if (allClosed || now - lastClosedLookMs >= 1_000) collectClosed(now);
      if (running > 0) checkWorkersAlive();
      if (running >= 0 && (now - lastProgress >= 5_000 || allClosed)) {
        lastProgress = now;
        log.info(
            "Closed {}/{}, {} still running",
            Math.max(0, Math.min(total, expected) - running),
            expected,
            running);
      }
      if (allClosed) return;
      double maxWait = run.maxWaitSeconds();
      if (maxWait > 0 && now - began > maxWait * 1000) {
        Path p =
            writeSummary(
                "--max-wait of "
                    + maxWait
                    + " s passed with "
                    + running
                    + " workflows still running",
                null);
        throw new Cli.Fail(
            running
                + " workflows still running after --max-wait "
                + maxWait
                + " s; partial results in "
                + p);
      }
      Thread.sleep(250);
    }
  }

  /**
   * Chaos workers on this run's queue that all died (a crash, a failed record write) would leave
   * the run waiting forever: that is an error with a partial summary, not a wait.
   */
  private void checkWorkersAlive() {
    var mine =
        records.configs().stream().filter(c -> activityQueue().equals(c.taskQueue())).toList();
    if (mine.isEmpty()
        || mine.stream()
            .anyMatch(c -> ProcessHandle.of(c.pid()).map(ProcessHandle::isAlive).orElse(false)))
      return;
    String pids =
        mine.stream().map(c -> String.valueOf(c.pid())).reduce((a, b) -> a + ", " + b).orElse("");
    Path p =
        writeSummary(
            "the chaos worker process(es) "
                + pids
                + " on '"
                + activityQueue()
                + "' stopped before every workflow closed",
            null);
    throw new Cli.Fail(
        "the chaos worker process(es) "
            + pids
            + " stopped before every workflow closed (see their log); partial results in "
            + p);
  }

  /**
   * Adds what closed since the last look to {@link #closed}, and starts fetching the history of
   * each that did not complete (a closed history never changes), so that at 10,000 workflows the
   * verdict waits for neither.
   */
  private void collectClosed(long now) {
    lastClosedLookMs = now;
    String query = scope() + " AND ExecutionStatus != 'Running'";
    if (newestCloseMs > 0)
      query +=
          " AND CloseTime >= "
              + Temporal.quote(
                  java.time.Instant.ofEpochMilli(newestCloseMs - CLOSE_ORDER_SLACK_MS).toString());
    try {
      for (WorkflowExecutionInfo i : connection.list(query)) {
        String id = i.getExecution().getWorkflowId();
        if (!workflowIds.contains(id) || closed.putIfAbsent(id, i) != null) continue;
        newestCloseMs = Math.max(newestCloseMs, Temporal.millis(i.getCloseTime()));
        if (i.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED)
          historyOf(i);
      }
    } catch (RuntimeException e) {
      // the final accounting lists whatever is missing; a dead server is caught by the counts
    }
  }

  private Future<Loss.History> historyOf(WorkflowExecutionInfo i) {
    return histories.compute(
        i.getExecution().getWorkflowId() + "/" + i.getExecution().getRunId(),
        (k, f) -> {
          // A fetch that failed (a passing server error) is made again, not remembered.
          if (f != null && !(f.isDone() && (f.isCancelled() || failed(f)))) return f;
          return historyPool.submit(
              () ->
                  connection.history(
                      i.getExecution().getWorkflowId(),
                      i.getExecution().getRunId(),
                      i.getStatus()));
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

  /**
   * Every closed workflow's status from visibility; the history of each that did not complete,
   * classified.
   */
  private void account() throws Exception {
    List<WorkflowExecutionInfo> failed = statuses();
    // Draining begins when both the work and a worker are there (a start-only run may precede the
    // workers).
    long firstWorker =
        records.configs().stream()
            .filter(c -> activityQueue().equals(c.taskQueue()))
            .mapToLong(Events.WorkerConfig::startedMs)
            .min()
            .orElse(firstStartMs);
    drainSeconds = (lastCloseMs - Math.max(firstStartMs, firstWorker)) / 1000.0;
    // Read after every workflow closed: an execution record is written when the activity begins,
    // before its workflow can close, so by now every record that will ever exist for these
    // workflows is on disk.
    records.refresh();
    for (WorkflowExecutionInfo i : failed) explain(i);
  }

  /** Marks every completed workflow, and returns those that did not complete. */
  private List<WorkflowExecutionInfo> statuses() {
    Map<String, WorkflowExecutionInfo> infos = closed;
    // A record visibility wrote later than the look-back allowed for: then, and only then, list
    // them all.
    if (!closed.keySet().containsAll(run.workflowIds())) {
      infos = new HashMap<>();
      for (WorkflowExecutionInfo i : connection.list(scope()))
        infos.put(i.getExecution().getWorkflowId(), i);
    }
    List<WorkflowExecutionInfo> failed = new ArrayList<>();
    for (String id : run.workflowIds()) {
      WorkflowExecutionInfo i = infos.get(id);
      if (i == null)
        throw new Cli.Fail(
            "workflow " + id + " is not in the server's visibility store although it was started");
      lastCloseMs = Math.max(lastCloseMs, Temporal.millis(i.getCloseTime()));
      if (firstStartMs == 0 || Temporal.millis(i.getStartTime()) < firstStartMs)
        firstStartMs = Temporal.millis(i.getStartTime());
      if (i.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        outcomes.put(id, Loss.Outcome.COMPLETED);
        lastCompletedCloseMs = Math.max(lastCompletedCloseMs, Temporal.millis(i.getCloseTime()));
      } else {
        failed.add(i);
      }
    }
    return failed;
  }

  private void explain(WorkflowExecutionInfo i) throws InterruptedException {
    Loss.History h;
    try {
      h = historyOf(i).get();
    } catch (ExecutionException e) {
      Path p =
          writeSummary(
              "the history of " + i.getExecution().getWorkflowId() + " could not be read", null);
      throw new Cli.Fail(
          "the history of "
              + i.getExecution().getWorkflowId()
              + " could not be read: "
              + Cli.firstLine(e.getCause().getMessage())
              + "; partial results in "
              + p);
    }
    Loss.Explained e = Loss.classify(h, records);
    synchronized (explained) {
      explained.add(e);
    }
    outcomes.put(e.workflowId(), e.outcome());
  }

  /** Written at the end, and also on Ctrl-C or a dead server, so nothing measured is lost. */
  private synchronized Path writeSummary(String incomplete, Double verdictLatency) {
    Path file = run.out().resolve("summary.json");
    String workerSdk =
        records.configs().stream()
            .filter(c -> activityQueue().equals(c.taskQueue()))
            .map(Events.WorkerConfig::sdkVersion)
            .reduce((a, b) -> b)
            .orElse(null);
    List<Loss.Explained> snapshot;
    synchronized (explained) {
      snapshot = List.copyOf(explained);
    }
    var timing =
        new Loss.Timing(round(run.startSeconds()), round(drainSeconds), round(verdictLatency));
    long windowEndMs =
        Loss.workEndedMs(lastCompletedCloseMs, snapshot, lastCloseMs, System.currentTimeMillis());
    var versions =
        Server.into(
            connection.versions(workerSdk).withCli(run.cliVersion()), Server.read(run.out()));
    var s =
        Loss.summarize(
            run.setup(),
            Map.copyOf(outcomes),
            snapshot,
            records,
            versions,
            timing,
            firstStartMs,
            windowEndMs,
            incomplete);
    Cli.writeJson(file, s);
    written.set(file);
    if (s.incomplete() != null && incomplete == null)
      throw new Cli.Fail(s.incomplete() + "; partial results in " + file);
    return file;
  }

  private static Double round(Double seconds) {
    return seconds == null ? null : Cli.round(seconds, 3);
  }
}

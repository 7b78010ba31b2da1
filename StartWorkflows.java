///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES Workflows.java Accounting.java

// Starts COUNT HelloWorkflows and, with --wait, stays until every one has closed, then explains each:
// completed, lost (with the worker it was handed to), failed for another reason, or still running.

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "StartWorkflows",
    mixinStandardHelpOptions = true,
    description = "Starts COUNT workflows on task queue 'workflows'; with --wait, waits for all to close and accounts for every one.")
public class StartWorkflows implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", defaultValue = "10", description = "Number of workflows to start (default: ${DEFAULT-VALUE})")
  int count;

  @Option(names = {"--activity-timeout", "--activity_timeout"}, defaultValue = "10.0", description = "Activity start-to-close timeout, seconds (default: ${DEFAULT-VALUE})")
  double activityTimeout;

  @Option(names = {"--activity-sleep", "--activity_sleep"}, defaultValue = "0.1", description = "How long each activity sleeps, seconds (default: ${DEFAULT-VALUE})")
  double activitySleep;

  @Option(names = {"--activity-heartbeat-timeout", "--activity_heartbeat_timeout"}, description = "Heartbeat timeout, seconds; the activity heartbeats every 0.1 s when set")
  Double heartbeatTimeout;

  @Option(names = "--wait", description = "Wait until every workflow has closed, then print and write the accounting")
  boolean wait;

  @Option(names = "--events", defaultValue = "results/events", description = "Where ActivityWorker writes its restart and execution logs (default: ${DEFAULT-VALUE})")
  Path events;

  @Option(names = "--run-id", description = "Names the workflows hello-<run-id>-<i> and the results folder (default: a new timestamp)")
  String runId;

  @Option(names = "--out", description = "Folder for summary.json (default: results/<run-id>)")
  Path out;

  @Option(names = "--account-only", description = "Start nothing: wait for and account for the COUNT workflows an earlier run started under --run-id")
  boolean accountOnly;

  @Option(names = "--max-wait", defaultValue = "0", description = "With --wait, give up after this many seconds, 0 for never (default: ${DEFAULT-VALUE})")
  double maxWait;

  @Mixin Workflows.Connection connection;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  private final Map<String, Accounting.Outcome> outcomes = new ConcurrentHashMap<>();
  private final List<ObjectNode> explained = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean summaryWritten;
  private double startSeconds;

  public static void main(String[] args) {
    Workflows.quietLogging();
    System.exit(Workflows.run(new StartWorkflows(), args));
  }

  @Override
  public Integer call() throws Exception {
    if (count < 0) throw new Workflows.Fail("COUNT must not be negative, got " + count);
    Workflows.requirePositive(activityTimeout, "--activity-timeout");
    if (activitySleep < 0 || Double.isNaN(activitySleep)) throw new Workflows.Fail("--activity-sleep must not be negative, got " + activitySleep);
    if (heartbeatTimeout != null) Workflows.requirePositive(heartbeatTimeout, "--activity-heartbeat-timeout");
    if (maxWait < 0) throw new Workflows.Fail("--max-wait must not be negative");
    if (runId == null) runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    if (!runId.matches("[A-Za-z0-9._-]+")) throw new Workflows.Fail("--run-id may hold only letters, digits, '.', '_' and '-'");
    if (accountOnly && !spec.commandLine().getParseResult().hasMatchedOption("--run-id")) throw new Workflows.Fail("--account-only needs the --run-id of the run to account for");
    if (accountOnly) wait = true;
    if (out == null) out = Path.of("results", runId);

    WorkflowClient client = connection.client("start-workflows@" + ProcessHandle.current().pid());
    List<String> ids = Accounting.ids(runId, count);
    if (!accountOnly) start(client, ids);
    if (!wait) return 0;

    ids.forEach(id -> outcomes.put(id, Accounting.Outcome.RUNNING));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (!summaryWritten) writeSummary("interrupted before every workflow closed", -1);
    }));
    return awaitAll(client, ids);
  }

  private void start(WorkflowClient client, List<String> ids) throws Exception {
    var params = new Workflows.Params(activityTimeout, activitySleep, heartbeatTimeout);
    long t0 = System.nanoTime();
    AtomicInteger done = new AtomicInteger();
    // Starting is one round trip each; 32 in flight keeps 1,000 starts within a few seconds.
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (String id : ids) {
        futures.add(pool.submit(() -> {
          var stub = client.newWorkflowStub(Workflows.HelloWorkflow.class,
              WorkflowOptions.newBuilder().setTaskQueue(Workflows.WORKFLOW_QUEUE).setWorkflowId(id).build());
          WorkflowClient.start(stub::run, params);
          int n = done.incrementAndGet();
          if (n % 100 == 0) System.out.printf("Started %d/%d workflows%n", n, ids.size());
        }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new Workflows.Fail("starting workflows failed after " + done.get() + " of " + ids.size() + ": " + Workflows.firstLine(e.getCause().getMessage()));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("Started %d workflows (run %s) in %.2f s, %.0f/s%n", ids.size(), runId, secs, ids.isEmpty() ? 0 : ids.size() / secs);
    startSeconds = secs;
  }

  private int awaitAll(WorkflowClient client, List<String> ids) throws Exception {
    List<String> open = new ArrayList<>(ids);
    long began = System.currentTimeMillis(), lastAnswer = began, lastProgress = 0, lastCloseMs = 0;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      while (!open.isEmpty()) {
        List<Future<WorkflowExecutionInfo>> infos = new ArrayList<>();
        for (String id : open) infos.add(pool.submit(() -> describe(id)));
        List<String> stillOpen = new ArrayList<>();
        List<String[]> closed = new ArrayList<>();
        boolean anyAnswer = false;
        for (int i = 0; i < open.size(); i++) {
          WorkflowExecutionInfo info;
          try {
            info = infos.get(i).get();
            anyAnswer = true;
          } catch (java.util.concurrent.ExecutionException e) {
            stillOpen.add(open.get(i));
            continue;
          }
          if (info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
            stillOpen.add(open.get(i));
          } else {
            closed.add(new String[] {open.get(i), info.getStatus().name()});
            lastCloseMs = Math.max(lastCloseMs, Accounting.millis(info.getCloseTime()));
          }
        }
        if (!closed.isEmpty()) {
          var records = Accounting.WorkerRecords.read(events); // re-read: the workers keep writing
          for (String[] c : closed) {
            var status = WorkflowExecutionStatus.valueOf(c[1]);
            if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
              outcomes.put(c[0], Accounting.Outcome.COMPLETED);
            } else {
              ObjectNode e = Accounting.explain(client, c[0], status, records);
              explained.add(e);
              outcomes.put(c[0], e.path("outcome").asText().equals("lost") ? Accounting.Outcome.LOST : Accounting.Outcome.FAILED_OTHER);
            }
          }
        }
        open = stillOpen;
        long now = System.currentTimeMillis();
        if (anyAnswer || open.isEmpty()) lastAnswer = now;
        if (now - lastAnswer > 15_000) {
          writeSummary("the Temporal server stopped answering", -1);
          throw new Workflows.Fail("the Temporal server at " + connection.target() + " stopped answering for 15 s; partial results in " + out.resolve("summary.json"));
        }
        if (now - lastProgress >= 5_000 || open.isEmpty()) {
          lastProgress = now;
          System.out.printf("Closed %d/%d (completed %d, lost %d, other %d), %d still running%n",
              ids.size() - open.size(), ids.size(), tally(Accounting.Outcome.COMPLETED), tally(Accounting.Outcome.LOST),
              tally(Accounting.Outcome.FAILED_OTHER), open.size());
        }
        if (open.isEmpty()) break;
        if (maxWait > 0 && now - began > maxWait * 1000) {
          writeSummary("--max-wait of " + maxWait + " s passed with " + open.size() + " workflows still running", -1);
          System.err.printf("error: %d workflows still running after --max-wait %.0f s; partial results in %s%n", open.size(), maxWait, out.resolve("summary.json"));
          return 1;
        }
        Thread.sleep(500);
      }
    } finally {
      pool.shutdownNow();
    }
    double verdictLatency = lastCloseMs == 0 ? 0 : (System.currentTimeMillis() - lastCloseMs) / 1000.0;
    ObjectNode s = writeSummary(null, verdictLatency);
    System.out.print(Accounting.render(s));
    System.out.println("Summary: " + out.resolve("summary.json"));
    return 0;
  }

  private WorkflowExecutionInfo describe(String id) {
    return connection.stubs().blockingStub().withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
        .describeWorkflowExecution(io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(connection.namespace())
            .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(id)).build())
        .getWorkflowExecutionInfo();
  }

  private int tally(Accounting.Outcome o) {
    return (int) outcomes.values().stream().filter(o::equals).count();
  }

  /** Written at the end, and also on Ctrl-C or a dead server, so nothing measured is lost. */
  private synchronized ObjectNode writeSummary(String incomplete, double verdictLatency) {
    ObjectNode params = Workflows.JSON.createObjectNode()
        .put("activity_timeout", activityTimeout).put("activity_sleep", activitySleep)
        .put("start_seconds", Accounting.round(startSeconds, 3));
    if (heartbeatTimeout != null) params.put("heartbeat_timeout", heartbeatTimeout);
    if (verdictLatency >= 0) params.put("verdict_latency_s", Accounting.round(verdictLatency, 3));
    ObjectNode versions;
    try {
      versions = Accounting.versions(connection.stubs(), connection.namespace());
    } catch (RuntimeException e) {
      versions = Workflows.JSON.createObjectNode().put("server_version", "unknown");
    }
    ObjectNode s = Accounting.summarize(runId, Map.copyOf(outcomes), List.copyOf(explained), Accounting.WorkerRecords.read(events), versions, params);
    if (incomplete != null) s.put("incomplete", incomplete);
    try {
      Files.createDirectories(out);
      Files.writeString(out.resolve("summary.json"), Workflows.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s) + "\n");
    } catch (IOException e) {
      System.err.println("error: cannot write " + out.resolve("summary.json") + ": " + e.getMessage());
    }
    summaryWritten = true; // the Ctrl-C hook must not overwrite a final or explained partial summary
    return s;
  }
}

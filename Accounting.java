//JAVA 17+
//SOURCES Workflows.java

// Every started workflow is exactly one of: completed, lost, failed for another reason, still running.
// "Lost" is decided from evidence, not timing: the history says the server handed the activity to a
// worker (ActivityTaskStarted, with that worker's identity) and that it then timed out start-to-close,
// and the workers' own execution records say no worker ever began executing it.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

public class Accounting {
  public enum Outcome { COMPLETED, LOST, FAILED_OTHER, RUNNING }

  /** What the workers wrote: their restarts (by identity) and every execution they began (by workflow id). */
  public static class WorkerRecords {
    final Map<String, JsonNode> restarts = new HashMap<>();
    final Set<String> executed = new HashSet<>();
    JsonNode config;
    int executionFiles;

    public static WorkerRecords read(Path events) {
      WorkerRecords w = new WorkerRecords();
      if (!Files.isDirectory(events)) return w;
      try (Stream<Path> files = Files.list(events)) {
        for (Path f : (Iterable<Path>) files.sorted()::iterator) {
          String name = f.getFileName().toString();
          if (!name.endsWith(".jsonl")) continue;
          if (name.startsWith("executions-")) w.executionFiles++;
          for (String line : Files.readAllLines(f)) {
            if (line.isBlank()) continue;
            JsonNode e;
            try {
              e = Workflows.JSON.readTree(line);
            } catch (IOException partialLine) {
              continue; // a line cut short by a kill
            }
            switch (e.path("type").asText()) {
              case "restart" -> w.restarts.put(e.path("identity").asText(), e);
              case "execution" -> w.executed.add(e.path("workflow_id").asText());
              // Several runs may share a folder: the newest worker's settings describe this one.
              case "config" -> {
                if (w.config == null || e.path("started_ms").asLong() > w.config.path("started_ms").asLong()) w.config = e;
              }
              default -> {}
            }
          }
        }
      } catch (IOException e) {
        throw new Workflows.Fail("cannot read worker event logs in " + events + ": " + e.getMessage());
      }
      return w;
    }
  }

  /** One closed, non-completed workflow, explained from its history. */
  public static ObjectNode explain(WorkflowClient client, String workflowId, WorkflowExecutionStatus status, WorkerRecords records) {
    ObjectNode out = Workflows.JSON.createObjectNode().put("workflow_id", workflowId).put("status", statusName(status));
    HistoryEvent started = null, timedOut = null;
    for (HistoryEvent e : client.fetchHistory(workflowId).getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) started = e;
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) timedOut = e;
    }
    TimeoutType timeoutType = timedOut == null ? null
        : timedOut.getActivityTaskTimedOutEventAttributes().getFailure().getTimeoutFailureInfo().getTimeoutType();
    boolean ran = records.executed.contains(workflowId);
    if (started != null) {
      String identity = started.getActivityTaskStartedEventAttributes().getIdentity();
      long handedMs = millis(started.getEventTime());
      out.put("identity", identity).put("handed_ms", handedMs);
      JsonNode restart = records.restarts.get(identity);
      if (restart != null) {
        long shutdownBegin = restart.path("shutdown_begin_ms").asLong();
        out.put("worker", restart.path("worker").asInt()).put("restart", restart.path("restart").asInt())
            .put("ms_from_shutdown_begin", handedMs - shutdownBegin)
            .put("worker_start_ms", restart.path("start_ms").asLong())
            .put("shutdown_begin_ms", shutdownBegin).put("shutdown_end_ms", restart.path("shutdown_end_ms").asLong());
      }
    }
    if (timedOut != null) out.put("timed_out_ms", millis(timedOut.getEventTime())).put("timeout_type", timeoutType.name().replace("TIMEOUT_TYPE_", ""));
    out.put("executed_by_a_worker", ran);

    boolean lostShape = started != null && timeoutType == TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE;
    if (lostShape && !ran && records.executionFiles > 0) {
      out.put("outcome", "lost").put("reason", "handed to " + out.path("identity").asText() + ", never begun by any worker, timed out start-to-close");
    } else if (lostShape && records.executionFiles == 0) {
      out.put("outcome", "failed_other").put("reason", "timed out start-to-close, but no worker execution records were found to tell whether it ran");
    } else if (timedOut != null) {
      out.put("outcome", "failed_other").put("reason", "activity " + (ran ? "ran and " : "") + "timed out (" + out.path("timeout_type").asText() + ")");
    } else {
      out.put("outcome", "failed_other").put("reason", "workflow " + statusName(status) + (ran ? " after its activity ran" : ""));
    }
    return out;
  }

  /** Server version, SDK version and whether the namespace advertises graceful poll shutdown (the fix). */
  public static ObjectNode versions(WorkflowServiceStubs stubs, String namespace) {
    ObjectNode v = Workflows.JSON.createObjectNode();
    v.put("sdk_version", io.temporal.serviceclient.Version.LIBRARY_VERSION);
    try {
      var rpc = stubs.blockingStub().withDeadlineAfter(3, java.util.concurrent.TimeUnit.SECONDS);
      v.put("server_version", rpc.getSystemInfo(GetSystemInfoRequest.getDefaultInstance()).getServerVersion());
      v.put("poll_complete_on_shutdown", rpc
          .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build())
          .getNamespaceInfo().getCapabilities().getWorkerPollCompleteOnShutdown());
    } catch (RuntimeException e) {
      v.put("server_version", "unknown (" + Workflows.firstLine(e.getMessage()) + ")");
    }
    return v;
  }

  /** The run's summary: counts that always add up to `started`, the lost %, and the evidence for each loss. */
  public static ObjectNode summarize(String runId, Map<String, Outcome> outcomes, List<ObjectNode> explained, WorkerRecords records, ObjectNode versions, ObjectNode params) {
    Map<Outcome, Integer> counts = new TreeMap<>();
    for (Outcome o : Outcome.values()) counts.put(o, 0);
    outcomes.values().forEach(o -> counts.merge(o, 1, Integer::sum));
    int started = outcomes.size();
    int lost = counts.get(Outcome.LOST);
    ObjectNode s = Workflows.JSON.createObjectNode();
    s.put("run_id", runId).put("started", started)
        .put("completed", counts.get(Outcome.COMPLETED)).put("lost", lost)
        .put("failed_other", counts.get(Outcome.FAILED_OTHER)).put("running", counts.get(Outcome.RUNNING))
        .put("lost_pct", started == 0 ? 0.0 : round(100.0 * lost / started, 3));
    double[] ci = wilson(lost, started);
    s.putArray("lost_pct_ci95").add(round(100 * ci[0], 3)).add(round(100 * ci[1], 3));
    JsonNode cfg = records.config;
    if (cfg != null) {
      s.put("interval", cfg.path("interval").asDouble()).put("workers", cfg.path("workers").asInt())
          .put("graceful_timeout", cfg.path("graceful_timeout").asDouble());
    } else {
      s.putNull("interval").putNull("workers");
    }
    s.put("restarts", records.restarts.size());
    s.setAll(versions);
    s.setAll(params);
    ArrayNode lostTasks = s.putArray("lost_tasks"), others = s.putArray("failed_other_details");
    for (ObjectNode e : explained) (e.path("outcome").asText().equals("lost") ? lostTasks : others).add(e);
    ArrayNode running = s.putArray("still_running");
    outcomes.forEach((id, o) -> { if (o == Outcome.RUNNING) running.add(id); });
    return s;
  }

  /** Wilson score interval for k of n at 95%. */
  public static double[] wilson(int k, int n) {
    if (n == 0) return new double[] {0, 1};
    double z = 1.959964, p = (double) k / n, z2n = z * z / n;
    double centre = (p + z2n / 2) / (1 + z2n);
    double half = z * Math.sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }

  public static String render(ObjectNode s) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("Accounting for run %s (server %s, SDK %s, graceful poll shutdown %s)%n",
        s.path("run_id").asText(), s.path("server_version").asText(), s.path("sdk_version").asText(),
        s.path("poll_complete_on_shutdown").asBoolean() ? "ON: the fix" : "off: the bug"));
    sb.append(String.format("  started       %6d%n  completed     %6d%n  lost          %6d%n  failed other  %6d%n  still running %6d%n",
        s.path("started").asInt(), s.path("completed").asInt(), s.path("lost").asInt(), s.path("failed_other").asInt(), s.path("running").asInt()));
    sb.append(String.format("  lost %.2f%% (95%% CI %.2f-%.2f%%) at %s s restart interval, %s worker(s), %d restarts%n",
        s.path("lost_pct").asDouble(), s.path("lost_pct_ci95").get(0).asDouble(), s.path("lost_pct_ci95").get(1).asDouble(),
        s.path("interval").asText(), s.path("workers").asText(), s.path("restarts").asInt()));
    for (JsonNode l : s.path("lost_tasks")) {
      sb.append(String.format("  LOST %s: handed to %s %s, then timed out start-to-close%n", l.path("workflow_id").asText(), l.path("identity").asText(),
          l.has("ms_from_shutdown_begin") ? signedMs(l.path("ms_from_shutdown_begin").asLong()) + " its shutdown began" : "(no restart record for that identity)"));
    }
    int shown = 0;
    for (JsonNode o : s.path("failed_other_details")) {
      if (shown++ == 20) { sb.append("  ... more in summary.json\n"); break; }
      sb.append(String.format("  OTHER %s: %s%n", o.path("workflow_id").asText(), o.path("reason").asText()));
    }
    return sb.toString();
  }

  static String signedMs(long ms) {
    return ms < 0 ? (-ms) + " ms before" : ms + " ms after";
  }

  static String statusName(WorkflowExecutionStatus s) {
    return s.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase();
  }

  static long millis(com.google.protobuf.Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /** Helper for callers that collect outcomes in start order. */
  public static List<String> ids(String runId, int count) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) ids.add("hello-" + runId + "-" + i);
    return ids;
  }
}

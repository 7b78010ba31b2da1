// The Temporal verdict, as pure functions: history facts and the workers' own records in, an outcome
// and its evidence out. No RPC in here, so every branch has a fast test.
//
// "Lost" is decided from evidence, not timing: the history says the server handed the activity to a
// worker (ActivityTaskStarted, with that worker's identity) and that it then timed out start-to-close,
// and the workers' own execution records say no worker ever began executing it.

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

public final class Loss {
  private Loss() {}

  public enum Outcome {
    COMPLETED,
    /** Handed to a worker, never begun by any worker, timed out start-to-close. */
    LOST,
    /** A worker began it, and it then timed out. */
    RAN_THEN_TIMED_OUT,
    /** Timed out start-to-close, but no worker wrote execution records: whether it ran cannot be told. */
    NO_EXECUTION_RECORDS,
    /** Closed otherwise (failed, terminated, cancelled, another timeout). */
    FAILED_OTHER,
    /** Still open when the run ended. */
    RUNNING;

    public String key() {
      return name().toLowerCase();
    }
  }

  /** What a closed workflow's history says about its one activity. Times are epoch ms. */
  public record History(String workflowId, String runId, String status, String handedTo, Long handedMs,
      String timeoutType, Long timedOutMs) {}

  /** One explained, non-completed workflow: the outcome, the reason in words, and the evidence. */
  public record Explained(String workflowId, String runId, Outcome outcome, String reason, String status,
      String identity, Long handedMs, Integer worker, Integer restart, Long msFromShutdownBegin,
      Long workerStartMs, Long shutdownBeginMs, Long shutdownEndMs, String timeoutType, Long timedOutMs,
      boolean executedByAWorker) {}

  public static Explained classify(History h, Events.Records records) {
    boolean ran = records.executed(h.workflowId(), h.runId());
    Events.Restart inc = h.handedTo() == null ? null : records.incarnation(h.handedTo(), h.handedMs());
    boolean handedThenTimedOut = h.handedTo() != null && "START_TO_CLOSE".equals(h.timeoutType());
    Outcome outcome;
    String reason;
    if (handedThenTimedOut && !records.haveExecutionRecords()) {
      outcome = Outcome.NO_EXECUTION_RECORDS;
      reason = "timed out start-to-close, but no worker execution records were found to tell whether it ran";
    } else if (handedThenTimedOut && !ran) {
      outcome = Outcome.LOST;
      reason = "handed to " + h.handedTo() + ", never begun by any worker, timed out start-to-close";
    } else if (h.timeoutType() != null) {
      outcome = ran ? Outcome.RAN_THEN_TIMED_OUT : Outcome.FAILED_OTHER;
      reason = "activity " + (ran ? "ran and " : "") + "timed out (" + h.timeoutType() + ")"
          + (h.handedTo() == null && !ran ? ", never handed to a worker" : "");
    } else {
      outcome = Outcome.FAILED_OTHER;
      reason = "workflow " + h.status() + (ran ? " after its activity ran" : "");
    }
    return new Explained(h.workflowId(), h.runId(), outcome, reason, h.status(), h.handedTo(), h.handedMs(),
        inc == null ? null : inc.worker(), inc == null ? null : inc.restart(),
        inc == null || h.handedMs() == null ? null : h.handedMs() - inc.shutdownBeginMs(),
        inc == null ? null : inc.startMs(), inc == null ? null : inc.shutdownBeginMs(), inc == null ? null : inc.shutdownEndMs(),
        h.timeoutType(), h.timedOutMs(), ran);
  }

  /** What the run was, as the orchestrator passed it (never read back from a worker's log). */
  public record Setup(String runId, String taskQueue, String activityTaskQueue, Double interval, Integer workers,
      double activityTimeout, double activitySleep, Double heartbeatTimeout) {}

  /**
   * What ran: the server, the SDKs, and whether the namespace advertises graceful poll shutdown; where the
   * orchestration wrote a server.json (kit/Server.java), also the server's kind (dev or cluster), its persistence
   * and the fix flags in force.
   */
  public record Versions(String serverVersion, String sdkVersion, String workerSdkVersion, Boolean pollCompleteOnShutdown,
      String serverKind, String persistence, Map<String, Object> flags) {
    public Versions(String serverVersion, String sdkVersion, String workerSdkVersion, Boolean pollCompleteOnShutdown) {
      this(serverVersion, sdkVersion, workerSdkVersion, pollCompleteOnShutdown, null, null, null);
    }
  }

  /** Restart figures from the workers' own records, limited to the window in which this run's work was queued. */
  public record Restarts(int whileWorkQueued, int total, Double lostPerRestart) {}

  /** What a start-only run of StartWorkflows did (start.json), for a later --account-only run and the benchmark. */
  public record Started(String runId, int workflows, double startSeconds) {}

  /** How long things took, in seconds. */
  public record Timing(Double startSeconds, Double drainSeconds, Double verdictLatencySeconds) {}

  /** The run's summary: counts that always add up to `started`, the lost %, and the evidence for each loss. */
  public record Summary(String runId, String mode, int started, int completed, int lost, int failedOther, int running,
      Map<String, Integer> outcomes, Double lostPct, List<Double> lostPctCi95, Setup setup, Versions versions,
      Restarts restarts, Timing timing, List<Explained> lostTasks, List<Explained> failedOtherDetails,
      List<String> stillRunning, String incomplete) {}

  public static Summary summarize(Setup setup, Map<String, Outcome> outcomes, List<Explained> explained, Events.Records records,
      Versions versions, Timing timing, long windowStartMs, long windowEndMs, String incomplete) {
    Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
    for (Outcome o : Outcome.values()) counts.put(o, 0);
    outcomes.values().forEach(o -> counts.merge(o, 1, Integer::sum));
    int started = outcomes.size();
    int lost = counts.get(Outcome.LOST);
    int other = counts.get(Outcome.RAN_THEN_TIMED_OUT) + counts.get(Outcome.NO_EXECUTION_RECORDS) + counts.get(Outcome.FAILED_OTHER);
    Map<String, Integer> byName = new java.util.LinkedHashMap<>();
    counts.forEach((o, n) -> byName.put(o.key(), n));
    double[] ci = wilson(lost, started);
    List<Explained> lostTasks = new ArrayList<>(), others = new ArrayList<>();
    for (Explained e : explained) (e.outcome() == Outcome.LOST ? lostTasks : others).add(e);
    List<String> running = new ArrayList<>();
    outcomes.forEach((id, o) -> { if (o == Outcome.RUNNING) running.add(id); });
    running.sort(null);
    Restarts restarts = restartsIn(records, setup.activityTaskQueue(), windowStartMs, windowEndMs, lost);
    if (incomplete == null && counts.get(Outcome.NO_EXECUTION_RECORDS) > 0) {
      incomplete = counts.get(Outcome.NO_EXECUTION_RECORDS) + " timed-out tasks could not be classified: no worker execution records";
    }
    String mode = versions == null || versions.pollCompleteOnShutdown() == null ? null : versions.pollCompleteOnShutdown() ? "fix" : "bug";
    return new Summary(setup.runId(), mode, started, counts.get(Outcome.COMPLETED), lost, other, counts.get(Outcome.RUNNING), byName,
        // A run that could not be completed has no loss rate: its "lost" counts only what was classified.
        incomplete != null || started == 0 ? null : Cli.round(100.0 * lost / started, 3),
        incomplete != null || started == 0 ? null : List.of(Cli.round(100 * ci[0], 3), Cli.round(100 * ci[1], 3)),
        setup, versions, restarts, timing, lostTasks, others, running, incomplete);
  }

  /**
   * Restarts of the workers that served this run's activity queue whose shutdown began while the run's work
   * was queued (from the first start to the last close); idle restarts after the work ran out do not count.
   */
  static Restarts restartsIn(Events.Records records, String activityQueue, long fromMs, long toMs, int lost) {
    java.util.Set<Long> pids = new java.util.HashSet<>();
    for (Events.WorkerConfig c : records.configs()) if (activityQueue == null || activityQueue.equals(c.taskQueue())) pids.add(c.pid());
    int inWindow = 0, total = 0;
    for (Events.Restart r : records.restarts()) {
      if (!pids.isEmpty() && !pids.contains(pidOf(r.identity()))) continue;
      total++;
      if (r.shutdownBeginMs() >= fromMs && r.shutdownBeginMs() <= toMs) inWindow++;
    }
    return new Restarts(inWindow, total, inWindow == 0 ? null : Cli.round((double) lost / inWindow, 4));
  }

  static long pidOf(String identity) {
    int at = identity.lastIndexOf('@');
    try {
      return at < 0 ? -1 : Long.parseLong(identity.substring(at + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Wilson score interval for k of n at 95%. */
  public static double[] wilson(int k, int n) {
    if (n == 0) return new double[] {0, 1};
    double z = 1.959964, p = (double) k / n, z2n = z * z / n;
    double centre = (p + z2n / 2) / (1 + z2n);
    double half = z * Math.sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }
}

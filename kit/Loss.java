//SOURCES Cli.java Events.java Wire.java

// The Temporal verdict, as pure functions: history facts and the workers' own records in, an
// outcome and its evidence out. No RPC in here, so every branch has a fast test.
//
// "Lost" is decided from evidence, not timing: the history says the server handed the activity to a
// worker (ActivityTaskStarted, with that worker's identity) and that it then timed out
// start-to-close, and the workers' own execution records say no worker ever began executing it.

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
    /**
     * Timed out start-to-close, but no worker wrote execution records: whether it ran cannot be
     * told.
     */
    NO_EXECUTION_RECORDS,
    /** Closed otherwise (failed, terminated, cancelled, another timeout). */
    FAILED_OTHER,
    /** Still open when the run ended. */
    RUNNING;

    /** The one spelling the kit writes: lower case, as in the outcomes map and the printout. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String key() {
      return name().toLowerCase();
    }
  }

  /**
   * What a closed workflow's history says about its one activity. Times are epoch ms; the timeout
   * type in lower case.
   */
  public record History(
      String workflowId,
      String runId,
      String status,
      String handedTo,
      Long handedMs,
      String timeoutType,
      Long timedOutMs) {}

  /**
   * One explained, non-completed workflow: the outcome, the reason in words, and the evidence, each
   * piece a record of its own so that a new piece of evidence is one line here and one in {@link
   * #classify}.
   */
  public record Explained(
      String workflowId,
      String runId,
      Outcome outcome,
      String reason,
      String status,
      Handover handover,
      Timeout timeout,
      Incarnation incarnation,
      boolean executedByAWorker,
      Wire.Side wire) {
    /**
     * The same explanation with the wire's evidence added (the side is decided after the outcome).
     */
    public Explained withWire(Wire.Side side) {
      return new Explained(
          workflowId,
          runId,
          outcome,
          reason,
          status,
          handover,
          timeout,
          incarnation,
          executedByAWorker,
          side);
    }

    /** When the server handed the task over, or null if it never did. */
    public Long handedMs() {
      return handover == null ? null : handover.handedMs();
    }
  }

  /**
   * The history's ActivityTaskStarted: the worker identity the server handed the task to, and when.
   */
  public record Handover(String identity, long handedMs) {
    static Handover of(History h) {
      return h.handedTo() == null || h.handedMs() == null
          ? null
          : new Handover(h.handedTo(), h.handedMs());
    }
  }

  /** The history's ActivityTaskTimedOut: which timeout, and when. */
  public record Timeout(String type, Long atMs) {
    static Timeout of(History h) {
      return h.timeoutType() == null ? null : new Timeout(h.timeoutType(), h.timedOutMs());
    }
  }

  /** The worker incarnation the task was handed to, from its own restart record. */
  public record Incarnation(
      int worker,
      int restart,
      long startMs,
      long shutdownBeginMs,
      long shutdownEndMs,
      long msFromShutdownBegin) {
    static Incarnation of(Events.Restart r, Handover handover) {
      if (r == null || handover == null) return null;
      long fromShutdownBegin = handover.handedMs() - r.shutdownBeginMs();
      return new Incarnation(
          r.worker(),
          r.restart(),
          r.startMs(),
          r.shutdownBeginMs(),
          r.shutdownEndMs(),
          fromShutdownBegin);
    }
  }

  public static Explained classify(History h, Events.Records records) {
    boolean ran = records.executed(h.workflowId(), h.runId());
    Handover handover = Handover.of(h);
    Incarnation incarnation =
        handover == null
            ? null
            : Incarnation.of(
                records.incarnation(handover.identity(), handover.handedMs()), handover);
    boolean handedThenTimedOut = handover != null && "start_to_close".equals(h.timeoutType());
    Outcome outcome;
    String reason;
    if (handedThenTimedOut && !records.haveExecutionRecords()) {
      outcome = Outcome.NO_EXECUTION_RECORDS;
      reason =
          "timed out start-to-close, but no worker execution records were found to tell whether it"
              + " ran";
    } else if (handedThenTimedOut && !ran) {
      outcome = Outcome.LOST;
      reason =
          "handed to " + h.handedTo() + ", never begun by any worker, timed out start-to-close";
    } else if (h.timeoutType() != null) {
      outcome = ran ? Outcome.RAN_THEN_TIMED_OUT : Outcome.FAILED_OTHER;
      reason =
          "activity "
              + (ran ? "ran and " : "")
              + "timed out ("
              + h.timeoutType()
              + ")"
              + (handover == null && !ran ? ", never handed to a worker" : "");
    } else {
      outcome = Outcome.FAILED_OTHER;
      reason = "workflow " + h.status() + (ran ? " after its activity ran" : "");
    }
    Wire.Side side =
        outcome == Outcome.LOST ? Wire.side(handover, h.workflowId(), h.runId(), records) : null;
    return new Explained(
        h.workflowId(),
        h.runId(),
        outcome,
        reason,
        h.status(),
        handover,
        Timeout.of(h),
        incarnation,
        ran,
        side);
  }

  /** What the run was, as the orchestrator passed it (never read back from a worker's log). */
  public record Setup(
      String runId,
      String taskQueue,
      String activityTaskQueue,
      Double interval,
      Integer workers,
      double activityTimeout,
      double activitySleep,
      Double heartbeatTimeout,
      String command) {}

  /**
   * What ran: the server, the SDKs, and whether the namespace advertises graceful poll shutdown;
   * where the orchestration wrote a server.json (kit/Server.java), also the server's kind (dev or
   * cluster), its persistence and the fix flags in force.
   */
  public record Versions(
      String serverVersion,
      String sdkVersion,
      String workerSdkVersion,
      Boolean pollCompleteOnShutdown,
      String cliVersion,
      String serverKind,
      String persistence,
      Map<String, Object> flags) {
    public Versions(
        String serverVersion,
        String sdkVersion,
        String workerSdkVersion,
        Boolean pollCompleteOnShutdown) {
      this(
          serverVersion,
          sdkVersion,
          workerSdkVersion,
          pollCompleteOnShutdown,
          null,
          null,
          null,
          null);
    }

    public Versions(
        String serverVersion,
        String sdkVersion,
        String workerSdkVersion,
        Boolean pollCompleteOnShutdown,
        String cliVersion) {
      this(
          serverVersion,
          sdkVersion,
          workerSdkVersion,
          pollCompleteOnShutdown,
          cliVersion,
          null,
          null,
          null);
    }

    /**
     * The Temporal CLI that ran the dev server, as the orchestrator passed it (null: not a dev
     * server of ours).
     */
    public Versions withCli(String cli) {
      return new Versions(
          serverVersion,
          sdkVersion,
          workerSdkVersion,
          pollCompleteOnShutdown,
          cli,
          serverKind,
          persistence,
          flags);
    }
  }

  /** Where the run was measured, for report.md. */
  public record Environment(String os, int cores, String java) {
    public static Environment here() {
      return new Environment(
          System.getProperty("os.name")
              + " "
              + System.getProperty("os.version")
              + " "
              + System.getProperty("os.arch"),
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }
  }

  /**
   * Restart figures from the workers' own records, limited to the window in which this run's work
   * was queued.
   */
  public record Restarts(int whileWorkQueued, int total, Double lostPerRestart) {}

  /**
   * What a start-only run of StartWorkflows did (start.json), for a later --account-only run and
   * the benchmark.
   */
  public record Started(String runId, int workflows, double startSeconds) {}

  /** How long things took, in seconds. */
  public record Timing(Double startSeconds, Double drainSeconds, Double verdictLatencySeconds) {}

  /**
   * The run's summary: counts that always add up to `started`, the lost %, and the evidence for
   * each loss.
   */
  public record Summary(
      String runId,
      String mode,
      int started,
      int completed,
      int lost,
      int failedOther,
      int running,
      Map<String, Integer> outcomes,
      Double lostPct,
      List<Double> lostPctCi95,
      Wire.LostWhere lostWhere,
      Setup setup,
      Versions versions,
      Restarts restarts,
      Wire.Evidence wire,
      Timing timing,
      Environment environment,
      List<Explained> lostTasks,
      List<Explained> failedOtherDetails,
      List<String> stillRunning,
      String incomplete) {}

  public static Summary summarize(
      Setup setup,
      Map<String, Outcome> outcomes,
      List<Explained> explained,
      Events.Records records,
      Versions versions,
      Timing timing,
      long windowStartMs,
      long windowEndMs,
      String incomplete) {
    Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
    for (Outcome o : Outcome.values()) counts.put(o, 0);
    outcomes.values().forEach(o -> counts.merge(o, 1, Integer::sum));
    int started = outcomes.size();
    int lost = counts.get(Outcome.LOST);
    int other =
        counts.get(Outcome.RAN_THEN_TIMED_OUT)
            + counts.get(Outcome.NO_EXECUTION_RECORDS)
            + counts.get(Outcome.FAILED_OTHER);
    Map<String, Integer> byName = new java.util.LinkedHashMap<>();
    counts.forEach((o, n) -> byName.put(o.key(), n));
    double[] ci = wilson(lost, started);
    List<Explained> lostTasks = new ArrayList<>(), others = new ArrayList<>();
    for (Explained e : explained) (e.outcome() == Outcome.LOST ? lostTasks : others).add(e);
    List<String> running = new ArrayList<>();
    outcomes.forEach(
        (id, o) -> {
          if (o == Outcome.RUNNING) running.add(id);
        });
    running.sort(null);
    Restarts restarts =
        restartsIn(records, setup.activityTaskQueue(), windowStartMs, windowEndMs, lost);
    Wire.Evidence wire = Wire.evidence(records, pidsServing(records, setup.activityTaskQueue()));
    if (incomplete == null && counts.get(Outcome.NO_EXECUTION_RECORDS) > 0) {
      incomplete =
          counts.get(Outcome.NO_EXECUTION_RECORDS)
              + " timed-out tasks could not be classified: no worker execution records";
    }
    String mode =
        versions == null || versions.pollCompleteOnShutdown() == null
            ? null
            : versions.pollCompleteOnShutdown() ? "fix" : "bug";
    return new Summary(
        setup.runId(),
        mode,
        started,
        counts.get(Outcome.COMPLETED),
        lost,
        other,
        counts.get(Outcome.RUNNING),
        byName,
        // A run that could not be completed has no loss rate: its "lost" counts only what was
        // classified.
        incomplete != null || started == 0 ? null : Cli.round(100.0 * lost / started, 3),
        incomplete != null || started == 0
            ? null
            : List.of(Cli.round(100 * ci[0], 3), Cli.round(100 * ci[1], 3)),
        Wire.LostWhere.of(lostTasks),
        setup,
        versions,
        restarts,
        wire,
        timing,
        Environment.here(),
        lostTasks,
        others,
        running,
        incomplete);
  }

  /**
   * Restarts of the workers that served this run's activity queue whose shutdown began while the
   * run's work was queued: from the first start until the work ran out ({@link #workEndedMs}); idle
   * restarts after that do not count. Restarts of workers on other queues never count, even when
   * none served this one.
   */
  static Restarts restartsIn(
      Events.Records records, String activityQueue, long fromMs, long toMs, int lost) {
    java.util.Set<Long> pids = pidsServing(records, activityQueue);
    int inWindow = 0, total = 0;
    for (Events.Restart r : records.restarts()) {
      if (!pids.contains(pidOf(r.identity()))) continue;
      total++;
      if (r.shutdownBeginMs() >= fromMs && r.shutdownBeginMs() <= toMs) inWindow++;
    }
    return new Restarts(
        inWindow, total, inWindow == 0 ? null : Cli.round((double) lost / inWindow, 4));
  }

  /** The chaos worker processes that served this activity queue, by their own config record. */
  static java.util.Set<Long> pidsServing(Events.Records records, String activityQueue) {
    java.util.Set<Long> pids = new java.util.HashSet<>();
    for (Events.WorkerConfig c : records.configs())
      if (activityQueue != null && activityQueue.equals(c.taskQueue())) pids.add(c.pid());
    return pids;
  }

  /**
   * When the run's work ran out: the last close of a completed workflow or the last hand-over of
   * one that did not complete, whichever is later. Not the last close: a lost task closes only when
   * its timeout fires, and restarts in that tail met no work. Before any close is known, the last
   * close seen, or now.
   */
  public static long workEndedMs(
      long lastCompletedCloseMs, List<Explained> notCompleted, long lastCloseMs, long nowMs) {
    long end = lastCompletedCloseMs;
    for (Explained e : notCompleted) if (e.handedMs() != null) end = Math.max(end, e.handedMs());
    return end > 0 ? end : lastCloseMs > 0 ? lastCloseMs : nowMs;
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

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
//SOURCES ../Workflows.java Temporal.java Original.java Report.java Charts.java
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds*=off

// The side-by-side benchmark's measuring half (kit/temporal.sh only starts and stops the
// processes): it recognises the original kit, writes the run's throw-away copy of it, waits until a
// run's workers poll, and measures one run, the original's or the kit's, the same way for both:
// starts and hand-overs from the server's histories, restarts and shutdowns from each kit's own
// records (the original's log lines, the kit's restart records), the loss from the histories (and,
// for the kit, its execution records too).

import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "Benchmark",
    mixinStandardHelpOptions = true,
    subcommands = {
      Benchmark.Check.class,
      Benchmark.Copy.class,
      Benchmark.Order.class,
      Benchmark.Ready.class,
      Benchmark.Measure.class
    },
    description =
        "The side-by-side benchmark's measurements (reproduce_issue.sh temporal --benchmark"
            + " --original DIR calls it).")
public class Benchmark implements Callable<Integer> {
  public static void main(String[] args) {
    Cli.quietLogging();
    int rc = Cli.run(new Benchmark(), args);
    System.exit(rc);
  }

  @Override
  public Integer call() {
    throw new Cli.Fail("name a subcommand: check, copy, order, ready or measure (see --help)");
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description =
          "Fails with one line unless DIR is the original kit; prints the pip spec of its pinned"
              + " SDK.")
  static class Check implements Callable<Integer> {
    @Option(names = "--original", required = true, description = "a checkout of " + Original.HOME)
    Path dir;

    @Option(
        names = "--sdk",
        description = "a temporalio version to run it on instead of the one it pins, like 1.35.0")
    String sdk;

    @Override
    public Integer call() {
      Original.Pin pin = Original.check(dir); // the folder is checked either way
      if (sdk != null) pin = Original.otherSdk(sdk);
      System.out.println(pin.pipSpec());
      return 0;
    }
  }

  @Command(
      name = "copy",
      mixinStandardHelpOptions = true,
      description =
          "Writes the original's four scripts into TO with this run's address, task queues and"
              + " workflow-id prefix.")
  static class Copy implements Callable<Integer> {
    @Option(names = "--original", required = true, description = "a checkout of " + Original.HOME)
    Path dir;

    @Option(
        names = "--to",
        required = true,
        description = "folder for the copy (outside the repository)")
    Path to;

    @Option(
        names = "--address",
        required = true,
        description = "host:port of the benchmark's server")
    String address;

    @Option(
        names = "--workflow-queue",
        required = true,
        description = "this run's workflow task queue")
    String workflowQueue;

    @Option(
        names = "--activity-queue",
        required = true,
        description = "this run's activity task queue")
    String activityQueue;

    @Option(names = "--id-prefix", required = true, description = "this run's workflow-id prefix")
    String idPrefix;

    @Override
    public Integer call() {
      Original.copy(dir, to, new Original.Target(address, workflowQueue, activityQueue, idPrefix));
      return 0;
    }
  }

  @Command(
      name = "order",
      mixinStandardHelpOptions = true,
      description =
          "Prints the order of the round's two runs: original kit (odd rounds) or kit original"
              + " (even ones).")
  static class Order implements Callable<Integer> {
    @Option(names = "--round", required = true, description = "the round, from 1")
    int round;

    @Override
    public Integer call() {
      System.out.println(String.join(" ", Report.BenchmarkRun.order(round)));
      return 0;
    }
  }

  @Command(
      name = "ready",
      mixinStandardHelpOptions = true,
      description =
          "Waits until the server sees a poller on both task queues (the workers are up), or"
              + " fails.")
  public static class Ready implements Callable<Integer> {
    @Option(names = "--workflow-queue", required = true, description = "workflow task queue")
    String workflowQueue;

    @Option(names = "--activity-queue", required = true, description = "activity task queue")
    String activityQueue;

    @Option(
        names = "--timeout",
        defaultValue = "120",
        description = "seconds (default: ${DEFAULT-VALUE})")
    double timeout;

    // Both kits' chaos workers get the same wait: a young JVM spends 3-7 times a warm one's CPU
    // per restart for its first ~6 s (class loading and compiling; measured 2026-12-01, 34 against
    // 5 ticks a second), and on 2 cores that CPU is the server's, so the starts would measure the
    // chaos worker's start-up rather than the starts. The original's README runs its scripts by
    // hand, seconds apart.
    @Option(
        names = "--warm-restarts",
        defaultValue = "0",
        description =
            "also wait until the chaos worker has ended this many restarts, read from --events"
                + " or --worker-log (default: ${DEFAULT-VALUE})")
    int warmRestarts;

    @Option(names = "--events", description = "the kit's chaos worker's records folder")
    Path events;

    @Option(names = "--worker-log", description = "the original's chaos worker's log")
    Path workerLog;

    @Mixin Temporal.Connection connection;

    @Override
    public Integer call() throws Exception {
      if (warmRestarts < 0) throw new Cli.Fail("--warm-restarts must be 0 or more");
      if (warmRestarts > 0 && (events == null) == (workerLog == null))
        throw new Cli.Fail("--warm-restarts needs one of --events or --worker-log");
      try (var c = connection) {
        c.connect();
        long end = System.currentTimeMillis() + (long) (timeout * 1000);
        while (System.currentTimeMillis() < end) {
          if (polled(c, workflowQueue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
              && polled(c, activityQueue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
              && restartsEnded() >= warmRestarts) return 0;
          Thread.sleep(100);
        }
        throw new Cli.Fail(
            "no worker polled '"
                + workflowQueue
                + "' and '"
                + activityQueue
                + "'"
                + (warmRestarts > 0 ? " with " + warmRestarts + " restarts ended" : "")
                + " within "
                + timeout
                + " s (see the workers' logs)");
      }
    }

    /** Restarts whose shutdown has returned, as the chaos worker itself recorded them. */
    int restartsEnded() throws java.io.IOException {
      if (warmRestarts == 0) return 0;
      if (workerLog != null)
        return Files.exists(workerLog)
            ? (int)
                Original.incarnations(Files.readAllLines(workerLog), System.currentTimeMillis())
                    .stream()
                    .filter(Original.Incarnation::shutDown)
                    .count()
            : 0;
      if (records == null) records = new Events.Records(events);
      return Loss.restartsIn(records.refresh(), activityQueue, Long.MIN_VALUE, Long.MAX_VALUE, 0)
          .total();
    }

    /**
     * The kit's records, read on from where the last look stopped (every 100 ms, while the wire
     * records grow).
     */
    private Events.Records records;

    static boolean polled(Temporal.Connection c, String queue, TaskQueueType type) {
      return c.rpc(5)
              .describeTaskQueue(
                  DescribeTaskQueueRequest.newBuilder()
                      .setNamespace(c.namespace())
                      .setTaskQueue(TaskQueue.newBuilder().setName(queue))
                      .setTaskQueueType(type)
                      .build())
              .getPollersCount()
          > 0;
    }
  }

  @Command(
      name = "measure",
      mixinStandardHelpOptions = true,
      description =
          "Waits until the run's COUNT workflows have closed, reads their histories and the"
              + " workers' records, and writes OUT (one benchmark row).")
  static class Measure implements Callable<Integer> {
    @Option(names = "--kit", required = true, description = "original or kit")
    String kit;

    @Option(names = "--round", required = true, description = "the round this run belongs to")
    int round;

    @Option(
        names = "--id-prefix",
        required = true,
        description = "the run's workflow ids begin with this")
    String idPrefix;

    @Option(names = "--count", required = true, description = "workflows the run started")
    int count;

    @Option(
        names = "--activity-queue",
        required = true,
        description = "the run's activity task queue")
    String activityQueue;

    @Option(
        names = "--interval",
        required = true,
        description = "the chaos worker's restart interval, s")
    double interval;

    @Option(
        names = "-n",
        defaultValue = "1",
        description = "chaos workers (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--sdk", description = "the SDK the chaos worker ran (the original's pip spec)")
    String sdk;

    @Option(names = "--loadavg", description = "a copy of /proc/loadavg taken just before the run")
    Path loadavg;

    @Option(
        names = "--worker-log",
        description = "the original's chaos worker log (its own lines, run with TZ=UTC)")
    Path workerLog;

    @Option(names = "--events", description = "the kit's chaos worker records")
    Path events;

    @Option(
        names = "--max-wait",
        defaultValue = "600",
        description = "give up after this many seconds (default: ${DEFAULT-VALUE})")
    double maxWait;

    @Option(names = "--out", required = true, description = "the row, as JSON")
    Path out;

    @Mixin Temporal.Connection connection;

    @Override
    public Integer call() throws Exception {
      if (!kit.equals("original") && !kit.equals("kit"))
        throw new Cli.Fail("--kit takes original or kit, got '" + kit + "'");
      if ((workerLog == null) == (events == null))
        throw new Cli.Fail("give --worker-log (the original) or --events (the kit), one of them");
      try (var c = connection) {
        c.connect();
        String scope = "WorkflowId STARTS_WITH " + Temporal.quote(idPrefix);
        try {
          awaitClosed(c, scope);
        } catch (NotAllStarted e) {
          System.err.println("error: " + e.getMessage());
          return NOT_ALL_STARTED;
        }
        List<WorkflowExecutionInfo> infos = c.list(scope);
        if (infos.size() != count)
          throw new Cli.Fail(
              "the server lists "
                  + infos.size()
                  + " workflows with ids "
                  + idPrefix
                  + "*, not the "
                  + count
                  + " started");
        List<Loss.History> histories = histories(c, infos);
        Cli.writeJson(out, row(infos, histories));
        return 0;
      }
    }

    /**
     * Exit code of a run whose starter did not start every workflow (the script runs it again): not
     * a measurement.
     */
    static final int NOT_ALL_STARTED = 3;

    static final class NotAllStarted extends RuntimeException {
      NotAllStarted(String m) {
        super(m);
      }
    }

    void awaitClosed(Temporal.Connection c, String scope) throws InterruptedException {
      long began = System.currentTimeMillis(), lastTotal = -1, totalSince = began;
      while (true) {
        long total = c.count(scope), running = c.count(scope + " AND ExecutionStatus = 'Running'");
        if (total >= count && running == 0) return;
        long now = System.currentTimeMillis();
        if (total != lastTotal) {
          lastTotal = total;
          totalSince = now;
        } else if (total < count && now - totalSince > 30_000) {
          // The starter has ended (this runs after it): what is not visible 30 s later was never
          // started.
          throw new NotAllStarted(
              kit
                  + " round "
                  + round
                  + ": only "
                  + total
                  + " of "
                  + count
                  + " workflows were started");
        }
        if (System.currentTimeMillis() - began > maxWait * 1000) {
          throw new Cli.Fail(
              kit
                  + " round "
                  + round
                  + ": "
                  + total
                  + " of "
                  + count
                  + " workflows visible, "
                  + running
                  + " still running after "
                  + maxWait
                  + " s");
        }
        Thread.sleep(500);
      }
    }

    static List<Loss.History> histories(Temporal.Connection c, List<WorkflowExecutionInfo> infos)
        throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Loss.History>> fs = new ArrayList<>();
        for (var i : infos)
          fs.add(
              pool.submit(
                  () ->
                      c.history(
                          i.getExecution().getWorkflowId(),
                          i.getExecution().getRunId(),
                          i.getStatus())));
        List<Loss.History> hs = new ArrayList<>();
        for (var f : fs) hs.add(f.get());
        return hs;
      } finally {
        pool.shutdownNow();
      }
    }

    Report.BenchmarkRun row(List<WorkflowExecutionInfo> infos, List<Loss.History> histories)
        throws java.io.IOException {
      long firstStart =
          infos.stream().mapToLong(i -> Temporal.millis(i.getStartTime())).min().orElseThrow();
      long lastStart =
          infos.stream().mapToLong(i -> Temporal.millis(i.getStartTime())).max().orElseThrow();
      List<Long> handed =
          histories.stream()
              .filter(h -> h.handedMs() != null)
              .map(Loss.History::handedMs)
              .sorted()
              .toList();
      if (handed.isEmpty())
        throw new Cli.Fail(kit + " round " + round + ": no activity was ever handed to a worker");

      // Every incarnation, as the kit that ran it recorded it, reduced to the same three times.
      List<Report.BenchmarkRun.Incarnation> incs = new ArrayList<>();
      List<Original.Incarnation> originals = List.of();
      Events.Records records = null;
      Report.BenchmarkRun.ShutdownSteps steps = null;
      String workerSdk = sdk;
      if (workerLog != null) {
        originals = Original.incarnations(Files.readAllLines(workerLog), firstStart);
        for (var i : originals)
          incs.add(
              new Report.BenchmarkRun.Incarnation(
                  i.startMs(), i.shutdownBeginMs(), i.shutDown() ? i.shutdownMs() : null));
      } else {
        records = new Events.Records(events).refresh();
        var pids =
            records.configs().stream()
                .filter(cf -> activityQueue.equals(cf.taskQueue()))
                .map(Events.WorkerConfig::pid)
                .toList();
        if (pids.isEmpty())
          throw new Cli.Fail("no chaos worker record for '" + activityQueue + "' under " + events);
        workerSdk = "io.temporal:temporal-sdk:" + records.configs().get(0).sdkVersion();
        List<Events.Restart> ours = new ArrayList<>();
        for (var r : records.restarts()) {
          if (pids.contains(Loss.pidOf(r.identity()))) {
            ours.add(r);
            incs.add(
                new Report.BenchmarkRun.Incarnation(
                    r.startMs(), r.shutdownBeginMs(), r.shutdownEndMs() - r.shutdownBeginMs()));
          }
        }
        steps =
            Report.BenchmarkRun.shutdownSteps(
                ours, records.shutdownCalls(), records.pollsByIdentity());
      }
      if (incs.isEmpty())
        throw new Cli.Fail(
            kit
                + " round "
                + round
                + ": no restart of the chaos worker was recorded ("
                + (workerLog != null ? workerLog : events)
                + ")");

      // Lost: handed to a worker, then timed out start-to-close. The kit's own execution records
      // must also say that no worker began it; the original writes none for a 0 s activity, so its
      // histories alone say it.
      int lost = 0, before = 0, during = 0, after = 0, unplaced = 0;
      List<Long> offsets = new ArrayList<>();
      for (Loss.History h : histories) {
        if (!Report.BenchmarkRun.handedThenTimedOut(h)) continue;
        Long begin, end;
        if (records != null) {
          if (records.executed(h.workflowId(), h.runId())) continue;
          Events.Restart r = records.incarnation(h.handedTo(), h.handedMs());
          begin = r == null ? null : r.shutdownBeginMs();
          end = r == null ? null : r.shutdownEndMs();
        } else {
          Original.Incarnation i =
              Original.handedTo(originals, pidOfPython(h.handedTo()), h.handedMs());
          begin = i == null ? null : i.shutdownBeginMs();
          end = i == null ? null : i.shutdownEndMs();
        }
        lost++;
        if (begin != null) offsets.add(h.handedMs() - begin);
        if (begin == null) unplaced++;
        else if (h.handedMs() < begin) before++;
        else if (end == null || h.handedMs() <= end) during++;
        else after++;
      }
      Double load = null;
      if (loadavg != null && Files.exists(loadavg)) {
        String[] f = Files.readString(loadavg).trim().split("\\s+");
        if (f.length > 0 && f[0].matches("[0-9.]+")) load = Double.parseDouble(f[0]);
      }
      return Report.BenchmarkRun.of(
          new Report.BenchmarkRun.Run(kit, round, load, workerSdk, idPrefix, workers, interval),
          infos.size(),
          (lastStart - firstStart) / 1000.0,
          handed,
          incs,
          lost,
          new Report.BenchmarkRun.Handovers(
              before, during, after, unplaced, offsets.stream().sorted().toList()),
          steps);
    }

    /** The Python SDK's default identity is "pid@host". */
    static Long pidOfPython(String identity) {
      int at = identity.indexOf('@');
      try {
        return at <= 0 ? null : Long.parseLong(identity.substring(0, at));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }
}

///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
// Jackson before the SDK: the first version named wins, and the SDK's own Jackson is older than
// ours.
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3
//DEPS org.slf4j:slf4j-simple:2.0.17
//DEPS io.temporal:temporal-sdk:${temporal.sdk.version:1.38.0}
//DEPS io.temporal:temporal-envconfig:${temporal.sdk.version:1.38.0}
//SOURCES Workflows.java kit/Temporal.java kit/WireTap.java
// Restarting ten times a second is start-up work over and over: the C1 compiler and the serial
// collector leave the second core to the server (measured: shorter restart cycles on 2 cores). The
// code of a restart runs once per restart, so at C1's default threshold (200 calls) it ran
// interpreted for the first 20 s of a run: at 0.05 of it a restart with no work costs 5-6 ms of
// CPU instead of 10.8 (docs/measurements.md, 2026-12-01).
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=0.05 -XX:+UseSerialGC -Xlog:cds*=off
//CDS

// The chaos worker: N activity workers, each restarted gracefully every INTERVAL seconds (±10%).
// Every restart is written to <events>/restarts-<pid>.jsonl, every activity execution begun to
// <events>/executions-<pid>.jsonl, and every PollActivityTaskQueue and ShutdownWorker call, as this
// process saw it on the wire, to <events>/wire-<pid>.jsonl; the accounting reads them to explain
// each lost task.

import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "ActivityWorker",
    mixinStandardHelpOptions = true,
    description = {
      "Chaos activity worker: each of N workers runs for INTERVAL x U(0.9, 1.1) seconds, shuts down"
          + " gracefully",
      "(shutdown, awaitTermination(graceful timeout), then shutdownNow), and only then starts"
          + " again.",
      "Ctrl-C prints every thread's stack, then exits."
    })
public class ActivityWorker implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      defaultValue = "1.0",
      description = "Restart interval in seconds (default: ${DEFAULT-VALUE})")
  double interval;

  @Option(
      names = "-n",
      defaultValue = "1",
      description = "Number of concurrent chaos workers (default: ${DEFAULT-VALUE})")
  int workers;

  @Option(
      names = "--task-queue",
      defaultValue = Workflows.ACTIVITY_QUEUE,
      description = "Activity task queue (default: ${DEFAULT-VALUE})")
  String taskQueue;

  @Option(
      names = "--graceful-shutdown-timeout",
      defaultValue = "5.0",
      description = "Seconds awaitTermination waits before shutdownNow (default: ${DEFAULT-VALUE})")
  double gracefulTimeout;

  @Option(
      names = "--hang-margin",
      defaultValue = "5.0",
      description =
          "A shutdown running this long past the graceful timeout is reported as hung (default:"
              + " ${DEFAULT-VALUE})")
  double hangMargin;

  @Option(
      names = "--events",
      defaultValue = "results/events",
      description = "Folder for the restart and execution records (default: ${DEFAULT-VALUE})")
  Path events;

  @Option(
      names = "--duration",
      description = "Stop after this many seconds (default: run until Ctrl-C)")
  Double duration;

  @Option(
      names = "--quiet",
      description = "Print only hangs and a restart count every 10 s, not every restart")
  boolean quiet;

  @Option(
      names = "--shutdown-check-interval",
      defaultValue = "0.001",
      description =
          "How often the SDK checks that a shutting-down worker has drained, seconds (the SDK's own"
              + " default is 0.25) (default: ${DEFAULT-VALUE})")
  double shutdownCheckInterval;

  @Mixin Temporal.Connection connection;

  // Before the logger: slf4j-simple reads its settings once, when the first logger is made.
  static {
    Cli.quietLogging("ActivityWorker");
  }

  private static final Logger log = LoggerFactory.getLogger(ActivityWorker.class);

  /**
   * A shutdown under way: when it began, and whether the watchdog has reported it (set once, by the
   * watchdog).
   */
  private record Shutdown(int worker, int restart, long beganMs, AtomicBoolean reportedHung) {}

  private final AtomicBoolean stopping = new AtomicBoolean();
  private final Map<Integer, Shutdown> shutdownsUnderWay = new ConcurrentHashMap<>();
  private final AtomicLong restarts = new AtomicLong();
  private volatile String fatal;
  private WorkerFactoryOptions factoryOptions;

  /**
   * One record per poll: buffered, flushed by the watchdog every 100 ms and at exit
   * (kit/WireTap.java).
   */
  private Events.BufferedLines wireLog;

  public static void main(String[] args) {
    System.exit(Cli.run(new ActivityWorker(), args));
  }

  @Override
  public Integer call() throws Exception {
    Cli.positive(interval, "INTERVAL");
    Cli.positive(gracefulTimeout, "--graceful-shutdown-timeout");
    Cli.nonNegative(hangMargin, "--hang-margin");
    if (workers < 1 || workers > 1000)
      throw new Cli.Fail("-n must be between 1 and 1000, got " + workers);
    if (duration != null) Cli.positive(duration, "--duration");
    Cli.positive(shutdownCheckInterval, "--shutdown-check-interval");
    factoryOptions = factoryOptions(shutdownCheckInterval);

    long pid = ProcessHandle.current().pid();
    wireLog = new Events.BufferedLines(events.resolve("wire-" + pid + ".jsonl"));
    connection.intercept(new WireTap(wireLog));
    WorkflowClient client =
        connection.client("activity-worker@" + pid, Temporal.Connection.NO_WORKER_HEARTBEATS);
    var restartLog = new Cli.JsonLines(events.resolve("restarts-" + pid + ".jsonl"));
    var executionLog = new Cli.JsonLines(events.resolve("executions-" + pid + ".jsonl"));
    restartLog.append(
        new Events.WorkerConfig(
            pid,
            taskQueue,
            interval,
            workers,
            gracefulTimeout,
            shutdownCheckInterval,
            Temporal.SDK_VERSION,
            System.currentTimeMillis()));
    log.info(
        "Starting {} chaos worker(s) on '{}' ({}), restart every {} s ±10%, graceful timeout {} s,"
            + " SDK {}; records in {}",
        workers,
        taskQueue,
        connection.target(),
        interval,
        gracefulTimeout,
        Temporal.SDK_VERSION,
        events);

    // Ctrl-C: every thread's stack, then exit (SIGINT only, so a scripted stop with SIGTERM stays
    // quiet).
    try {
      sun.misc.Signal.handle(
          new sun.misc.Signal("INT"),
          sig -> {
            stopping.set(true);
            System.out.println("\nInterrupted: stack of every thread follows.\n" + threadDump());
            System.exit(130);
          });
    } catch (IllegalArgumentException signalIgnoredOrUnavailable) {
      // started with SIGINT ignored (a background job): nothing to hook
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopping.set(true);
                  restartLog.close();
                  executionLog.close();
                  wireLog.close();
                }));

    var watchdog = new Thread(this::watch, "hang-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();

    List<Thread> threads = new ArrayList<>();
    for (int k = 1; k <= workers; k++) {
      int worker = k;
      Thread t =
          new Thread(
              () -> chaos(worker, client, pid, restartLog, executionLog), "chaos-worker-" + k);
      t.start();
      threads.add(t);
    }
    long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + (long) (duration * 1e9);
    while (!stopping.get() && System.nanoTime() < deadline) TimeUnit.MILLISECONDS.sleep(50);
    stopping.set(true);
    for (Thread t : threads) t.join();
    log.info("Stopped after {} restarts.", restarts.get());
    restartLog.close();
    executionLog.close();
    wireLog.close();
    if (fatal == null) fatal = wireLog.failure();
    if (fatal != null) throw new Cli.Fail(fatal);
    return 0;
  }

  /**
   * One chaos worker: start, run for the jittered interval, shut down gracefully, and only then
   * start again.
   */
  private void chaos(
      int k,
      WorkflowClient client,
      long pid,
      Cli.JsonLines restartLog,
      Cli.JsonLines executionLog) {
    for (int r = 1; !stopping.get(); r++) {
      String identity = "w" + k + ".r" + r + "@" + pid;
      WorkerFactory factory = WorkerFactory.newInstance(client, factoryOptions);
      // One activity at a time (the original's worker ran one), so one poller: a second could never
      // get a slot.
      factory
          .newWorker(
              taskQueue,
              WorkerOptions.newBuilder()
                  .setMaxConcurrentActivityExecutionSize(1)
                  .setMaxConcurrentActivityTaskPollers(1)
                  .setIdentity(identity)
                  .build())
          .registerActivitiesImplementations(
              new Workflows.HelloActivitiesImpl(identity, executionLog));
      factory.start();
      long started = System.currentTimeMillis(); // polling from here: the interval counts from now
      say(k, r, "started as %s", identity);

      double runFor = interval * ThreadLocalRandom.current().nextDouble(0.9, 1.1);
      sleepUnlessStopping((long) (runFor * 1000));

      long shutdownBegan = System.currentTimeMillis();
      Shutdown underWay = new Shutdown(k, r, shutdownBegan, new AtomicBoolean());
      shutdownsUnderWay.put(k, underWay);
      say(k, r, "shutdown called after %.3f s", (shutdownBegan - started) / 1000.0);
      factory.shutdown();
      boolean graceful = awaitTermination(factory, gracefulTimeout);
      if (!graceful) {
        say(k, r, "graceful timeout of %.1f s passed, calling shutdownNow", gracefulTimeout);
        factory.shutdownNow();
        awaitTermination(factory, Double.MAX_VALUE);
      }
      long shutdownEnded = System.currentTimeMillis();
      shutdownsUnderWay.remove(k);
      boolean hung = underWay.reportedHung().get();
      say(
          k,
          r,
          "shutdown returned (took %.3f s)%s",
          (shutdownEnded - shutdownBegan) / 1000.0,
          hung ? " AFTER HANGING" : "");
      wireLog
          .flush(); // this incarnation's wire records reach the disk before its restart record does
      try {
        restartLog.append(
            new Events.Restart(
                identity, k, r, started, shutdownBegan, shutdownEnded, graceful, hung));
      } catch (Cli.Fail e) {
        fatal = e.getMessage();
        stopping.set(true);
        return;
      }
      String failure = executionLog.failure() != null ? executionLog.failure() : wireLog.failure();
      if (failure != null) {
        fatal = failure;
        stopping.set(true);
        return;
      }
      restarts.incrementAndGet();
    }
  }

  /**
   * The drain check interval. SDKs before 1.36.1 have no such setting (they check every 250 ms):
   * the version matrix runs those too, so it is set where it exists, and the worker's config record
   * says which SDK ran.
   */
  static WorkerFactoryOptions factoryOptions(double checkSeconds) {
    WorkerFactoryOptions.Builder b = WorkerFactoryOptions.newBuilder();
    try {
      b.getClass()
          .getMethod("setShutdownCheckInterval", java.time.Duration.class)
          .invoke(b, Workflows.seconds(checkSeconds));
    } catch (ReflectiveOperationException olderSdk) {
      // the SDK's own fixed interval applies
    }
    return b.build();
  }

  private static boolean awaitTermination(WorkerFactory factory, double seconds) {
    try {
      long ms = seconds >= Long.MAX_VALUE / 1000.0 ? Long.MAX_VALUE : (long) (seconds * 1000);
      factory.awaitTermination(ms, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // the answer is isTerminated() either way
    }
    return factory.isTerminated();
  }

  /**
   * Flags a shutdown that outlives the graceful timeout plus the margin: one line, then the thread
   * dump.
   */
  private void watch() {
    long limitMs = (long) ((gracefulTimeout + hangMargin) * 1000);
    long lastReport = System.currentTimeMillis();
    while (true) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
      wireLog.flush();
      long now = System.currentTimeMillis();
      for (Shutdown s : shutdownsUnderWay.values()) {
        if (now - s.beganMs() > limitMs && s.reportedHung().compareAndSet(false, true)) {
          System.out.printf(
              "[Worker %d] [Restart #%d] HUNG: graceful shutdown still running after %.1f s"
                  + " (graceful timeout %.1f s + margin %.1f s)%n%s",
              s.worker(),
              s.restart(),
              (now - s.beganMs()) / 1000.0,
              gracefulTimeout,
              hangMargin,
              threadDump());
        }
      }
      if (quiet && now - lastReport >= 10_000) {
        lastReport = now;
        System.out.printf("%d restarts so far%n", restarts.get());
      }
    }
  }

  private void say(int k, int r, String format, Object... args) {
    if (!quiet)
      System.out.printf("[Worker %d] [Restart #%d] %s%n", k, r, String.format(format, args));
  }

  private void sleepUnlessStopping(long ms) {
    long end = System.currentTimeMillis() + ms;
    try {
      for (long left; (left = end - System.currentTimeMillis()) > 0 && !stopping.get(); )
        Thread.sleep(Math.min(left, 50));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Every live thread's stack, as the seed's worker printed on Ctrl-C and as the hang watchdog
   * prints.
   */
  static String threadDump() {
    StringBuilder sb = new StringBuilder();
    for (var t :
        java.lang.management.ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
      sb.append('"')
          .append(t.getThreadName())
          .append("\" ")
          .append(t.getThreadState())
          .append('\n');
      for (StackTraceElement e : t.getStackTrace()) sb.append("    at ").append(e).append('\n');
      sb.append('\n');
    }
    return sb.toString();
  }
}

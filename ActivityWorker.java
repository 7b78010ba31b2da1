///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES Workflows.java

// The chaos worker: N activity workers, each restarted gracefully every INTERVAL seconds (±10%).
// Every restart is written to <events>/restarts-<pid>.jsonl and every activity execution begun to
// <events>/executions-<pid>.jsonl; StartWorkflows --wait reads both to explain each lost task.

import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "ActivityWorker",
    mixinStandardHelpOptions = true,
    description = {
      "Chaos activity worker on task queue 'activities': each of N workers runs for INTERVAL x U(0.9, 1.1) seconds,",
      "shuts down gracefully (shutdown, awaitTermination(graceful timeout), then shutdownNow), and starts again.",
      "Ctrl-C prints every thread's stack, then exits."
    })
public class ActivityWorker implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", defaultValue = "1.0", description = "Restart interval in seconds (default: ${DEFAULT-VALUE})")
  double interval;

  @Option(names = "-n", defaultValue = "1", description = "Number of concurrent chaos workers (default: ${DEFAULT-VALUE})")
  int workers;

  @Option(names = "--graceful-shutdown-timeout", defaultValue = "5.0", description = "Seconds awaitTermination waits before shutdownNow (default: ${DEFAULT-VALUE})")
  double gracefulTimeout;

  @Option(names = "--hang-margin", defaultValue = "5.0", description = "A shutdown running this long past the graceful timeout is reported as hung (default: ${DEFAULT-VALUE})")
  double hangMargin;

  @Option(names = "--events", defaultValue = "results/events", description = "Folder for the machine-readable restart and execution logs (default: ${DEFAULT-VALUE})")
  Path events;

  @Option(names = "--duration", description = "Stop after this many seconds (default: run until Ctrl-C)")
  Double duration;

  @Option(names = "--quiet", description = "Print only hangs and a restart count every 10 s, not every restart")
  boolean quiet;

  @Option(names = "--shutdown-check-interval", defaultValue = "0.01", description = "How often the SDK checks that a shutting-down worker has drained, seconds; the SDK's own default, 0.25, adds ~250 ms to every restart (default: ${DEFAULT-VALUE})")
  double shutdownCheckInterval;

  @Mixin Workflows.Connection connection;

  private WorkerFactoryOptions factoryOptions;

  private final AtomicBoolean stopping = new AtomicBoolean();
  /** Shutdowns under way, by worker: when each began, so the watchdog can tell a hang. */
  private final ConcurrentHashMap<Integer, long[]> shutdownsUnderWay = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong restarts = new java.util.concurrent.atomic.AtomicLong();

  public static void main(String[] args) {
    Workflows.quietLogging();
    System.exit(Workflows.run(new ActivityWorker(), args));
  }

  @Override
  public Integer call() throws Exception {
    Workflows.requirePositive(interval, "INTERVAL");
    Workflows.requirePositive(gracefulTimeout, "--graceful-shutdown-timeout");
    if (hangMargin < 0) throw new Workflows.Fail("--hang-margin must not be negative");
    if (workers < 1) throw new Workflows.Fail("-n must be at least 1, got " + workers);
    if (duration != null) Workflows.requirePositive(duration, "--duration");
    Workflows.requirePositive(shutdownCheckInterval, "--shutdown-check-interval");
    factoryOptions = WorkerFactoryOptions.newBuilder().setShutdownCheckInterval(Workflows.seconds(shutdownCheckInterval)).build();

    long pid = ProcessHandle.current().pid();
    WorkflowClient client = connection.client("activity-worker@" + pid);
    var restartLog = new Workflows.EventLog(events.resolve("restarts-" + pid + ".jsonl"));
    var executionLog = new Workflows.EventLog(events.resolve("executions-" + pid + ".jsonl"));
    restartLog.append(Workflows.JSON.createObjectNode().put("type", "config").put("pid", pid)
        .put("interval", interval).put("workers", workers).put("graceful_timeout", gracefulTimeout)
        .put("shutdown_check_interval", shutdownCheckInterval)
        .put("sdk_version", io.temporal.serviceclient.Version.LIBRARY_VERSION)
        .put("started_ms", System.currentTimeMillis()));
    System.out.printf("Starting %d chaos worker(s) on '%s' (%s), restart every %.3f s ±10%%, graceful timeout %.1f s; events in %s%n",
        workers, Workflows.ACTIVITY_QUEUE, connection.target(), interval, gracefulTimeout, events);

    // Ctrl-C: every thread's stack, then exit (a handler for SIGINT only, so a scripted stop with
    // SIGTERM stays quiet). Either way the event logs are closed: every line was flushed as written.
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
        stopping.set(true);
        System.out.println("\nInterrupted: stack of every thread follows.\n" + Workflows.threadDump());
        System.exit(130);
      });
    } catch (IllegalArgumentException signalIgnoredOrUnavailable) {
      // started with SIGINT ignored (a background job): nothing to hook
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
      restartLog.close();
      executionLog.close();
    }));

    var watchdog = new Thread(this::watch, "hang-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();

    List<Thread> threads = new ArrayList<>();
    for (int k = 1; k <= workers; k++) {
      int worker = k;
      Thread t = new Thread(() -> chaos(worker, client, pid, restartLog, executionLog), "chaos-worker-" + k);
      t.start();
      threads.add(t);
    }
    if (duration != null) {
      long deadline = System.nanoTime() + (long) (duration * 1e9);
      while (System.nanoTime() < deadline) TimeUnit.MILLISECONDS.sleep(50);
      stopping.set(true);
    }
    for (Thread t : threads) t.join();
    System.out.printf("Stopped after %d restarts.%n", restarts.get());
    restartLog.close();
    executionLog.close();
    return 0;
  }

  /** One chaos worker: start, run for the jittered interval, shut down gracefully, repeat. */
  private void chaos(int k, WorkflowClient client, long pid, Workflows.EventLog restartLog, Workflows.EventLog executionLog) {
    for (int r = 1; !stopping.get(); r++) {
      String identity = "w" + k + ".r" + r + "@" + pid;
      WorkerFactory factory = WorkerFactory.newInstance(client, factoryOptions);
      factory.newWorker(Workflows.ACTIVITY_QUEUE, WorkerOptions.newBuilder()
              .setMaxConcurrentActivityExecutionSize(1)
              .setIdentity(identity)
              .build())
          .registerActivitiesImplementations(new Workflows.HelloActivitiesImpl(identity, executionLog));
      factory.start();
      long started = System.currentTimeMillis(); // polling from here: the interval counts from now
      log(k, r, "started as %s", identity);

      double runFor = interval * ThreadLocalRandom.current().nextDouble(0.9, 1.1);
      sleepUnlessStopping((long) (runFor * 1000));

      long shutdownBegan = System.currentTimeMillis();
      shutdownsUnderWay.put(k, new long[] {shutdownBegan, r, 0});
      log(k, r, "shutdown called after %.3f s", (shutdownBegan - started) / 1000.0);
      factory.shutdown();
      boolean graceful = awaitTermination(factory, gracefulTimeout);
      if (!graceful) {
        log(k, r, "graceful timeout of %.1f s passed, calling shutdownNow", gracefulTimeout);
        factory.shutdownNow();
        awaitTermination(factory, Double.MAX_VALUE);
      }
      long shutdownEnded = System.currentTimeMillis();
      long[] state = shutdownsUnderWay.remove(k);
      boolean hung = state != null && state[2] == 1;
      log(k, r, "shutdown returned (took %.3f s)%s", (shutdownEnded - shutdownBegan) / 1000.0, hung ? " AFTER HANGING" : "");
      restartLog.append(Workflows.JSON.createObjectNode().put("type", "restart")
          .put("identity", identity).put("worker", k).put("restart", r)
          .put("start_ms", started).put("shutdown_begin_ms", shutdownBegan).put("shutdown_end_ms", shutdownEnded)
          .put("ran_ms", shutdownBegan - started).put("graceful", graceful).put("hung", hung));
      restarts.incrementAndGet();
    }
  }

  private static boolean awaitTermination(WorkerFactory factory, double seconds) {
    try {
      long ms = seconds >= Long.MAX_VALUE / 1000.0 ? Long.MAX_VALUE : (long) (seconds * 1000);
      factory.awaitTermination(ms, TimeUnit.MILLISECONDS);
      return factory.isTerminated();
    } catch (RuntimeException e) {
      return factory.isTerminated();
    }
  }

  /** Flags a shutdown that outlives the graceful timeout plus the margin: one line, then the thread dump. */
  private void watch() {
    long limitMs = (long) ((gracefulTimeout + hangMargin) * 1000);
    long lastReport = System.currentTimeMillis();
    while (true) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.currentTimeMillis();
      shutdownsUnderWay.forEach((k, s) -> {
        if (s[2] == 0 && now - s[0] > limitMs) {
          s[2] = 1;
          System.out.printf("[Worker %d] [Restart #%d] HUNG: graceful shutdown still running after %.1f s (graceful timeout %.1f s + margin %.1f s)%n%s",
              k, s[1], (now - s[0]) / 1000.0, gracefulTimeout, hangMargin, Workflows.threadDump());
        }
      });
      if (quiet && now - lastReport >= 10_000) {
        lastReport = now;
        System.out.printf("%d restarts so far%n", restarts.get());
      }
    }
  }

  private void log(int k, int r, String format, Object... args) {
    if (!quiet) System.out.printf("[Worker %d] [Restart #%d] %s%n", k, r, String.format(format, args));
  }

  private void sleepUnlessStopping(long ms) {
    long end = System.currentTimeMillis() + ms;
    try {
      for (long left; (left = end - System.currentTimeMillis()) > 0 && !stopping.get(); ) Thread.sleep(Math.min(left, 50));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
// Jackson before the SDK: the first version named wins, and the SDK's own Jackson is older than
// ours.
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3
//DEPS org.slf4j:slf4j-simple:2.0.17
//DEPS io.temporal:temporal-sdk:${temporal.sdk.version:1.38.0}
//DEPS io.temporal:temporal-envconfig:${temporal.sdk.version:1.38.0}
//SOURCES Workflows.java kit/Temporal.java
// C1 and the serial GC leave the second core to the server (measured: less CPU per workflow task).
// Compiling after 10 calls instead of 200: 1,000 first workflow tasks took 3.4 s of CPU instead of
// 4.8-5.5 s, as the original's Python worker (3.5 s) (docs/measurements.md, 2026-12-01).
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=0.05 -XX:+UseSerialGC -Xlog:cds*=off
//CDS

// The steady half of the experiment: runs the workflows and never restarts, so every loss is the
// activity workers'.

import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "WorkflowWorker",
    mixinStandardHelpOptions = true,
    description = "Polls the workflow task queue and runs HelloWorkflow until Ctrl-C.")
public class WorkflowWorker implements Callable<Integer> {
  @Option(
      names = "--task-queue",
      defaultValue = Workflows.WORKFLOW_QUEUE,
      description = "Workflow task queue (default: ${DEFAULT-VALUE})")
  String taskQueue;

  @Mixin Temporal.Connection connection;

  // Before the logger: slf4j-simple reads its settings once, when the first logger is made.
  static {
    Cli.quietLogging("WorkflowWorker");
  }

  private static final Logger log = LoggerFactory.getLogger(WorkflowWorker.class);

  public static void main(String[] args) {
    System.exit(Cli.run(new WorkflowWorker(), args));
  }

  @Override
  public Integer call() throws InterruptedException {
    var client = connection.client("workflow-worker@" + ProcessHandle.current().pid());
    // The original's Python worker caches up to 1,000 workflows (temporalio's default); the Java
    // SDK's default is 600 (and 600 workflow threads), so with 1,000 workflows in flight the Java
    // worker evicted some and fetched their whole histories again (59 GetWorkflowExecutionHistory
    // calls in a 1,000-workflow run, none from the original's worker).
    WorkerFactory factory =
        WorkerFactory.newInstance(
            client,
            WorkerFactoryOptions.newBuilder()
                .setWorkflowCacheSize(1000)
                .setMaxWorkflowThreadCount(1000)
                .build());
    // The original's Python worker waits 10 s for a sticky workflow task before the server moves it
    // to the normal queue (temporalio's default); the Java SDK's default is 5 s, and a task moved
    // costs the server a transfer and the worker a full history fetch.
    factory
        .newWorker(
            taskQueue,
            WorkerOptions.newBuilder()
                .setStickyQueueScheduleToStartTimeout(java.time.Duration.ofSeconds(10))
                .build())
        .registerWorkflowImplementationTypes(Workflows.HelloWorkflowImpl.class);
    factory.start();
    log.info(
        "Workflow worker polling '{}' on {}, namespace {}. Ctrl-C to stop.",
        taskQueue,
        connection.target(),
        connection.namespace());

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  factory.shutdown();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }
}

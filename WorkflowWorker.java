///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES Workflows.java

// The steady half of the experiment: runs the workflows and never restarts, so every loss is the
// activity workers'.

import io.temporal.worker.WorkerFactory;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "WorkflowWorker",
    mixinStandardHelpOptions = true,
    description = "Polls task queue 'workflows' and runs HelloWorkflow until Ctrl-C.")
public class WorkflowWorker implements Callable<Integer> {
  @Mixin Workflows.Connection connection;

  public static void main(String[] args) {
    Workflows.quietLogging();
    System.exit(Workflows.run(new WorkflowWorker(), args));
  }

  @Override
  public Integer call() throws InterruptedException {
    var client = connection.client("workflow-worker@" + ProcessHandle.current().pid());
    WorkerFactory factory = WorkerFactory.newInstance(client);
    factory.newWorker(Workflows.WORKFLOW_QUEUE).registerWorkflowImplementationTypes(Workflows.HelloWorkflowImpl.class);
    factory.start();
    System.out.printf("Workflow worker polling '%s' on %s, namespace %s. Ctrl-C to stop.%n", Workflows.WORKFLOW_QUEUE, connection.target(), connection.namespace());

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      factory.shutdown();
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }
}

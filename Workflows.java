//JAVA 17+
// Jackson before the SDK: the first version named wins, and the SDK's own Jackson is older than
// ours (whoever sources this file first gets this order).
//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3
//DEPS io.temporal:temporal-sdk:${temporal.sdk.version:1.38.0}
//SOURCES kit/Cli.java kit/Events.java

// The seed's workflow and activity (workflows.py): one activity, one attempt, on the chaos workers'
// task queue. Shared by WorkflowWorker, ActivityWorker and StartWorkflows through //SOURCES.

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public class Workflows {
  /** The three-terminal defaults; ./reproduce_issue.sh gives every run queues of its own. */
  public static final String WORKFLOW_QUEUE = "workflows";

  public static final String ACTIVITY_QUEUE = "activities";

  /**
   * What StartWorkflows asks of each workflow: the seed's three knobs, and where the activity runs.
   */
  public static class Params {
    public double activityTimeout = 10.0;
    public double activitySleep = 0.1;
    public Double heartbeatTimeout; // null: no heartbeating
    public String activityTaskQueue = ACTIVITY_QUEUE;

    public Params() {}

    public Params(
        double activityTimeout,
        double activitySleep,
        Double heartbeatTimeout,
        String activityTaskQueue) {
      this.activityTimeout = activityTimeout;
      this.activitySleep = activitySleep;
      this.heartbeatTimeout = heartbeatTimeout;
      this.activityTaskQueue = activityTaskQueue;
    }
  }

  @WorkflowInterface
  public interface HelloWorkflow {
    @WorkflowMethod
    String run(Params params);
  }

  /**
   * One attempt only: a task handed to a dying worker is never retried, so it surfaces as a
   * timeout.
   */
  public static class HelloWorkflowImpl implements HelloWorkflow {
    @Override
    public String run(Params p) {
      ActivityOptions.Builder options =
          ActivityOptions.newBuilder()
              .setTaskQueue(p.activityTaskQueue)
              .setStartToCloseTimeout(seconds(p.activityTimeout))
              .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build());
      if (p.heartbeatTimeout != null) options.setHeartbeatTimeout(seconds(p.heartbeatTimeout));
      HelloActivities activities = Workflow.newActivityStub(HelloActivities.class, options.build());
      return activities.sayHello(p.activitySleep, p.heartbeatTimeout != null);
    }
  }

  @ActivityInterface
  public interface HelloActivities {
    String sayHello(double sleepSeconds, boolean heartbeat);
  }

  /**
   * Sleeps in 0.1 s steps. Its first act is to write down that this worker began executing it: that
   * record is what tells a lost task (handed over, never begun) from one that ran and timed out.
   */
  public static class HelloActivitiesImpl implements HelloActivities {
    private static final Logger log = LoggerFactory.getLogger(HelloActivitiesImpl.class);
    private final String identity;
    private final Cli.JsonLines executions;

    public HelloActivitiesImpl(String identity, Cli.JsonLines executions) {
      this.identity = identity;
      this.executions = executions;
    }

    @Override
    public String sayHello(double sleepSeconds, boolean heartbeat) {
      ActivityExecutionContext ctx = Activity.getExecutionContext();
      var info = ctx.getInfo();
      long began = System.currentTimeMillis();
      executions.append(
          new Events.Execution(
              info.getWorkflowId(),
              info.getRunId(),
              info.getActivityId(),
              info.getAttempt(),
              identity,
              began));
      try {
        long steps = Math.round(sleepSeconds / 0.1);
        for (long i = 0; i < steps; i++) {
          Thread.sleep(100);
          if (heartbeat) ctx.heartbeat(i);
        }
        return "Hello from " + identity;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.info(
            "Activity {} ({}) interrupted after {} ms",
            info.getActivityId(),
            info.getWorkflowId(),
            System.currentTimeMillis() - began);
        throw Activity.wrap(e);
      }
    }
  }

  public static Duration seconds(double s) {
    return Duration.ofNanos(Math.round(s * 1e9));
  }
}

//JAVA 17+
//DEPS io.temporal:temporal-sdk:1.38.0
//DEPS io.temporal:temporal-envconfig:1.38.0
//DEPS info.picocli:picocli:4.7.7
//DEPS org.slf4j:slf4j-simple:2.0.17

// Shared by WorkflowWorker, ActivityWorker and StartWorkflows (pulled in with //SOURCES): the workflow
// and activity of the seed, the connection settings every script takes, and the JSON-lines event log
// through which the workers tell the accounting what they really executed.

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.common.RetryOptions;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

public class Workflows {
  public static final String WORKFLOW_QUEUE = "workflows";
  public static final String ACTIVITY_QUEUE = "activities";
  public static final ObjectMapper JSON = new ObjectMapper();

  /** What StartWorkflows asks of each workflow: the seed's three knobs. */
  public static class Params {
    public double activityTimeout = 10.0;
    public double activitySleep = 0.1;
    public Double heartbeatTimeout; // null: no heartbeating

    public Params() {}

    public Params(double activityTimeout, double activitySleep, Double heartbeatTimeout) {
      this.activityTimeout = activityTimeout;
      this.activitySleep = activitySleep;
      this.heartbeatTimeout = heartbeatTimeout;
    }
  }

  @WorkflowInterface
  public interface HelloWorkflow {
    @WorkflowMethod
    String run(Params params);
  }

  /** One activity on the chaos workers' queue, one attempt: a task handed to a dying worker is never retried. */
  public static class HelloWorkflowImpl implements HelloWorkflow {
    @Override
    public String run(Params p) {
      ActivityOptions.Builder options =
          ActivityOptions.newBuilder()
              .setTaskQueue(ACTIVITY_QUEUE)
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
   * Sleeps in 0.1 s steps. Its first act is to write down that this worker began executing it: that record
   * is what tells a lost task (handed over, never begun) from one that ran and timed out.
   */
  public static class HelloActivitiesImpl implements HelloActivities {
    private final String identity;
    private final EventLog executions;

    public HelloActivitiesImpl(String identity, EventLog executions) {
      this.identity = identity;
      this.executions = executions;
    }

    @Override
    public String sayHello(double sleepSeconds, boolean heartbeat) {
      ActivityExecutionContext ctx = Activity.getExecutionContext();
      var info = ctx.getInfo();
      long began = System.currentTimeMillis();
      executions.append(
          JSON.createObjectNode()
              .put("type", "execution")
              .put("workflow_id", info.getWorkflowId())
              .put("activity_id", info.getActivityId())
              .put("attempt", info.getAttempt())
              .put("identity", identity)
              .put("began_ms", began));
      try {
        long steps = Math.round(sleepSeconds / 0.1);
        for (long i = 0; i < steps; i++) {
          Thread.sleep(100);
          if (heartbeat) ctx.heartbeat(i);
        }
        System.out.printf("Activity %s (%s) succeeded in %.2f s%n", info.getActivityId(), info.getWorkflowId(), (System.currentTimeMillis() - began) / 1000.0);
        return "Hello from " + identity;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        System.out.printf("Activity %s (%s) interrupted after %.2f s: %s%n", info.getActivityId(), info.getWorkflowId(), (System.currentTimeMillis() - began) / 1000.0, e);
        throw Activity.wrap(e);
      } catch (RuntimeException e) {
        System.out.printf("Activity %s (%s) failed after %.2f s: %s%n", info.getActivityId(), info.getWorkflowId(), (System.currentTimeMillis() - began) / 1000.0, e);
        throw e;
      }
    }
  }

  public static Duration seconds(double s) {
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  /** --address / --namespace, falling back to the SDK's own environment settings (TEMPORAL_ADDRESS, ...). */
  public static class Connection {
    @Option(names = "--address", description = "Temporal frontend host:port (default: TEMPORAL_ADDRESS or localhost:7233)")
    String address;

    @Option(names = "--namespace", description = "Temporal namespace (default: TEMPORAL_NAMESPACE or default)")
    String namespace;

    private WorkflowServiceStubs stubs;
    private WorkflowClient client;
    private String resolvedNamespace;

    /** Connects within 5 s and checks the namespace, or fails with one line. */
    public WorkflowClient client(String identity) {
      if (client != null) return client;
      ClientConfigProfile profile;
      try {
        profile = ClientConfigProfile.load();
      } catch (IOException e) {
        throw new Fail("cannot read Temporal client configuration: " + e.getMessage());
      }
      var profileStubs = profile.toWorkflowServiceStubsOptions();
      var stubOptions = io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder(profileStubs);
      String target = address != null ? address : profileStubs.getTarget();
      if (target == null || target.isBlank()) target = "localhost:7233";
      stubOptions.setTarget(target);
      var clientOptions = profile.toWorkflowClientOptions();
      resolvedNamespace = namespace != null ? namespace : clientOptions.getNamespace();
      if (resolvedNamespace == null || resolvedNamespace.isBlank()) resolvedNamespace = "default";
      try {
        stubs = WorkflowServiceStubs.newConnectedServiceStubs(stubOptions.build(), Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        throw new Fail("cannot reach the Temporal server at " + target + " (is it running? try ./reproduce_issue.sh temporal, or --address)");
      }
      try {
        stubs.blockingStub().withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
            .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(resolvedNamespace).build());
      } catch (RuntimeException e) {
        throw new Fail("namespace '" + resolvedNamespace + "' is not usable on " + target + ": " + firstLine(e.getMessage()));
      }
      var builder = io.temporal.client.WorkflowClientOptions.newBuilder(clientOptions).setNamespace(resolvedNamespace);
      if (identity != null) builder.setIdentity(identity);
      client = WorkflowClient.newInstance(stubs, builder.build());
      return client;
    }

    public WorkflowServiceStubs stubs() {
      return stubs;
    }

    public String namespace() {
      return resolvedNamespace;
    }

    public String target() {
      return stubs == null ? address : stubs.getOptions().getTarget();
    }
  }

  /** A one-line error for the user: exit code 2, no stack trace. */
  public static class Fail extends RuntimeException {
    public Fail(String message) {
      super(message);
    }
  }

  /** Runs a picocli command: bad input and Fail give one line on stderr and exit code 2. */
  public static int run(Callable<Integer> command, String[] args) {
    CommandLine cl = new CommandLine(command);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          System.err.println("error: " + ex.getMessage() + " (see --help)");
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          if (ex instanceof Fail) {
            System.err.println("error: " + ex.getMessage());
            return 2;
          }
          System.err.println("error: " + ex.getClass().getSimpleName() + ": " + firstLine(ex.getMessage()));
          return 1;
        });
    return cl.execute(args);
  }

  public static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  public static void requirePositive(double value, String name) {
    if (!(value > 0) || Double.isInfinite(value)) throw new Fail(name + " must be a positive number of seconds, got " + value);
  }

  /** Keeps the SDK's own logging to warnings, so ten restarts a second stay readable. Call before any logger. */
  public static void quietLogging() {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    // SDK 1.38's worker heartbeat logs a WARN with a stack trace whenever a restart interrupts its RPC.
    System.setProperty("org.slf4j.simpleLogger.log.io.temporal.internal.worker.HeartbeatManager", "error");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
  }

  /** Every live thread's stack, as the seed's worker printed on Ctrl-C and as the hang watchdog prints. */
  public static String threadDump() {
    StringBuilder sb = new StringBuilder();
    for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
      sb.append('"').append(t.getThreadName()).append("\" ").append(t.getThreadState()).append('\n');
      for (StackTraceElement e : t.getStackTrace()) sb.append("    at ").append(e).append('\n');
      sb.append('\n');
    }
    return sb.toString();
  }

  /** Append-only JSON lines, flushed per line so a killed process loses nothing it wrote. */
  public static class EventLog implements AutoCloseable {
    private final Writer out;

    public EventLog(Path file) {
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new Fail("cannot write event log " + file + ": " + e.getMessage());
      }
    }

    public synchronized void append(ObjectNode event) {
      try {
        out.write(event.toString());
        out.write('\n');
        out.flush();
      } catch (IOException e) {
        System.err.println("warning: event log write failed: " + e.getMessage());
      }
    }

    @Override
    public synchronized void close() {
      try {
        out.close();
      } catch (IOException ignored) {
      }
    }
  }
}

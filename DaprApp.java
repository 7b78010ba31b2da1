///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS io.dapr:dapr-sdk-workflows:1.16.1
//DEPS io.javalin:javalin:6.7.0
//DEPS info.picocli:picocli:4.7.7
//DEPS org.slf4j:slf4j-simple:2.0.17

// The Dapr half: a Javalin app with the seed's Hello World workflow (10 rounds of 3 parallel activities,
// with the retry policy Diagrid suggested). Each activity execution asks the sidecar for its own
// workflow instance first, so every execution that runs after the instance's state is gone is counted
// as orphaned, and GET /stats tells how many there were: the evidence of the bug, from the app itself.
//
// SDK: io.dapr:dapr-sdk-workflows 1.16.1 (Maven Central has no 1.15 final; 0.15.0-rc-6 is the 1.15
// line's release candidate). It speaks to 1.15 sidecars as well as 1.16/1.17 ones.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dapr.workflows.Workflow;
import io.dapr.workflows.WorkflowActivity;
import io.dapr.workflows.WorkflowActivityContext;
import io.dapr.workflows.WorkflowStub;
import io.dapr.workflows.WorkflowTaskOptions;
import io.dapr.workflows.WorkflowTaskRetryPolicy;
import io.dapr.workflows.client.DaprWorkflowClient;
import io.dapr.workflows.client.WorkflowInstanceStatus;
import io.dapr.workflows.runtime.WorkflowRuntime;
import io.dapr.workflows.runtime.WorkflowRuntimeBuilder;
import io.javalin.Javalin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "DaprApp",
    mixinStandardHelpOptions = true,
    description = {
      "HTTP app with a Dapr workflow whose activities report when they run without their workflow's state.",
      "The sidecar is found through DAPR_GRPC_PORT / DAPR_HTTP_PORT (defaults 50001 / 3500).",
      "Routes: GET /, GET /health, POST /workflow/hello, GET /workflow/{id}, GET /stats"
    })
public class DaprApp implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "8999", description = "HTTP port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--activity-seconds", defaultValue = "10", description = "How long an activity with a live workflow sleeps (default: ${DEFAULT-VALUE})")
  double activitySeconds;

  @Option(names = "--no-workflow-runtime", hidden = true, description = "Serve HTTP only (tests of the routes)")
  boolean noRuntime;

  static final ObjectMapper JSON = new ObjectMapper();
  static final Stats STATS = new Stats();
  static volatile DaprWorkflowClient client;
  static volatile double sleepSeconds = 10;

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    System.setProperty("org.slf4j.simpleLogger.log.io.javalin", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
    CommandLine cl = new CommandLine(new DaprApp());
    cl.setParameterExceptionHandler((ex, a) -> {
      System.err.println("error: " + ex.getMessage() + " (see --help)");
      return 2;
    });
    cl.setExecutionExceptionHandler((ex, c, p) -> {
      System.err.println("error: " + ex.getMessage());
      return 2;
    });
    int rc = cl.execute(args);
    if (rc != 0) System.exit(rc);
  }

  @Override
  public Integer call() {
    if (port < 1 || port > 65535) throw new IllegalArgumentException("--port must be 1-65535, got " + port);
    if (!(activitySeconds >= 0)) throw new IllegalArgumentException("--activity-seconds must not be negative");
    sleepSeconds = activitySeconds;
    if (!noRuntime) {
      client = new DaprWorkflowClient();
      WorkflowRuntime runtime = new WorkflowRuntimeBuilder()
          .registerWorkflow(HelloWorkflow.class)
          .registerActivity(HelloActivity.NAME, new HelloActivity())
          .build();
      runtime.start(false); // reconnects by itself when the sidecar comes back
    }
    Javalin app = routes(Javalin.create());
    try {
      app.start("0.0.0.0", port);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot listen on port " + port + ": " + e.getMessage());
    }
    System.out.printf("DaprApp on http://localhost:%d (sidecar gRPC port %s)%n", port, System.getenv().getOrDefault("DAPR_GRPC_PORT", "50001"));
    return 0;
  }

  static Javalin routes(Javalin app) {
    app.get("/", ctx -> ctx.json(Map.of(
        "message", "Dapr workflow: activities that keep running after workflow state is lost",
        "endpoints", Map.of(
            "GET /health", "health check",
            "POST /workflow/hello", "start the Hello World workflow; body {\"instance_id\": \"...\"} (optional)",
            "GET /workflow/{id}", "the instance's state, 404 when not found",
            "GET /stats", "activity executions: total, per instance, and how many ran without their workflow"))));
    app.get("/health", ctx -> ctx.json(Map.of("status", "healthy", "message", "DaprApp is running", "timestamp", Instant.now().toString())));
    app.post("/workflow/hello", ctx -> {
      String id;
      try {
        String body = ctx.body();
        JsonNode json = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        if (json == null || !json.isObject()) throw new IllegalArgumentException("the body must be a JSON object");
        JsonNode given = json.get("instance_id");
        if (given != null && !given.isNull() && (!given.isTextual() || given.asText().isBlank())) throw new IllegalArgumentException("instance_id must be a non-empty string");
        id = given == null || given.isNull() ? "hello-world-" + UUID.randomUUID() : given.asText();
      } catch (Exception e) {
        ctx.status(400).json(Map.of("error", "malformed request: " + oneLine(e.getMessage())));
        return;
      }
      if (client == null) {
        ctx.status(500).json(Map.of("error", "failed to schedule the workflow: the workflow runtime is not running"));
        return;
      }
      try {
        client.scheduleNewWorkflow(HelloWorkflow.class, null, id);
      } catch (Exception e) {
        ctx.status(500).json(Map.of("error", "failed to schedule the workflow: " + oneLine(e.getMessage())));
        return;
      }
      ctx.json(Map.of("instance_id", id, "status", "started", "message", "Hello World workflow started"));
    });
    app.get("/workflow/{id}", ctx -> {
      String id = ctx.pathParam("id");
      if (client == null) {
        ctx.status(500).json(Map.of("error", "the workflow runtime is not running"));
        return;
      }
      WorkflowInstanceStatus s;
      try {
        s = lookUp(id);
      } catch (Exception e) {
        ctx.status(502).json(Map.of("error", "the sidecar did not answer: " + oneLine(e.getMessage())));
        return;
      }
      if (s == null) {
        ctx.status(404).json(Map.of("instance_id", id, "error", "workflow instance not found"));
        return;
      }
      ObjectNode out = JSON.createObjectNode().put("instance_id", s.getInstanceId()).put("name", s.getName())
          .put("runtime_status", String.valueOf(s.getRuntimeStatus()));
      if (s.getCreatedAt() != null) out.put("created_at", s.getCreatedAt().toString());
      if (s.getLastUpdatedAt() != null) out.put("last_updated_at", s.getLastUpdatedAt().toString());
      ctx.json(out);
    });
    app.get("/stats", ctx -> ctx.json(STATS.toJson()));
    return app;
  }

  /**
   * The instance's state, or null when the sidecar has none. A missing instance looks different by
   * version: 1.15 throws gRPC UNKNOWN "no such instance exists"; 1.16 and later answer with an empty
   * name and id (status still RUNNING).
   */
  static WorkflowInstanceStatus lookUp(String id) {
    try {
      WorkflowInstanceStatus s = client.getInstanceState(id, false);
      if (s == null || s.getName() == null || s.getName().isEmpty() || s.getInstanceId() == null || s.getInstanceId().isEmpty()) return null;
      return s;
    } catch (RuntimeException e) {
      String m = String.valueOf(e.getMessage()).toLowerCase();
      if (m.contains("no such instance") || m.contains("not found")) return null;
      throw e;
    }
  }

  static String oneLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** 10 rounds of 3 parallel activities, with the retry policy of the seed. */
  public static class HelloWorkflow implements Workflow {
    @Override
    public WorkflowStub create() {
      return ctx -> {
        // The builder checks the other intervals against the first retry interval: set it first.
        WorkflowTaskRetryPolicy retry = WorkflowTaskRetryPolicy.newBuilder()
            .setFirstRetryInterval(Duration.ofSeconds(1))
            .setMaxNumberOfAttempts(3)
            .setBackoffCoefficient(2)
            .setMaxRetryInterval(Duration.ofSeconds(10))
            .setRetryTimeout(Duration.ofSeconds(100))
            .build();
        WorkflowTaskOptions options = new WorkflowTaskOptions(retry);
        // The activity context carries no workflow instance id, so it travels in the input.
        String id = ctx.getInstanceId();
        for (int round = 1; round <= 10; round++) {
          List<io.dapr.durabletask.Task<String>> tasks = new ArrayList<>();
          for (int i = 0; i < 3; i++) tasks.add(ctx.callActivity(HelloActivity.NAME, id, options, String.class));
          ctx.allOf(tasks).await();
          if (!ctx.isReplaying()) ctx.getLogger().info("Workflow {} finished round {}", id, round);
        }
        ctx.complete("Hello World workflow completed");
      };
    }
  }

  public static class HelloActivity implements WorkflowActivity {
    static final String NAME = "hello_world_activity";

    @Override
    public Object run(WorkflowActivityContext ctx) {
      String id = ctx.getInput(String.class);
      boolean found;
      try {
        found = lookUp(id) != null;
      } catch (RuntimeException e) {
        // Sidecar unreachable: we cannot tell; count the execution, not as orphaned.
        System.out.printf("Activity for %s could not check its workflow (%s); running anyway%n", id, oneLine(e.getMessage()));
        found = true;
      }
      STATS.record(id, !found);
      if (!found) {
        System.out.printf("No workflow state found for %s but activity is being executed anyways%n", id);
        return "Done";
      }
      try {
        Thread.sleep((long) (sleepSeconds * 1000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      System.out.printf("Hello world! - %s%n", Instant.now());
      return "Hello world!";
    }
  }

  /** Every activity execution, so the verdict comes from the app's own count, not from log lines. */
  static class Stats {
    final AtomicLong total = new AtomicLong(), orphaned = new AtomicLong();
    final Map<String, long[]> perInstance = new ConcurrentHashMap<>();
    volatile String lastOrphanedAt;

    void record(String id, boolean orphan) {
      total.incrementAndGet();
      long[] c = perInstance.computeIfAbsent(String.valueOf(id), k -> new long[2]);
      synchronized (c) {
        c[0]++;
        if (orphan) c[1]++;
      }
      if (orphan) {
        orphaned.incrementAndGet();
        lastOrphanedAt = Instant.now().toString();
      }
    }

    ObjectNode toJson() {
      ObjectNode o = JSON.createObjectNode().put("total_executions", total.get()).put("orphaned_executions", orphaned.get());
      o.put("last_orphaned_at", lastOrphanedAt);
      ObjectNode per = o.putObject("per_instance");
      perInstance.forEach((id, c) -> {
        synchronized (c) {
          per.putObject(id).put("executions", c[0]).put("orphaned", c[1]);
        }
      });
      return o;
    }
  }
}

///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS io.dapr:dapr-sdk-workflows:1.16.1
//DEPS io.javalin:javalin:6.7.0
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3
//DEPS org.slf4j:slf4j-simple:2.0.17
//SOURCES kit/Cli.java kit/Orphans.java kit/StateStore.java kit/InstanceChecks.java

// The Dapr half (main.py of the original), shaped like dapr/java-sdk's workflow examples: the
// workflow, the activity and the HTTP routes, each its own class with what it needs passed in, and
// the workflow runtime in try-with-resources. The seed's Hello World workflow runs Orphans.ROUNDS
// rounds of Orphans.PARALLEL parallel activities with the retry policy Diagrid suggested. Each
// activity execution first asks (kit/InstanceChecks) whether its workflow instance still exists and
// writes down the answer and why; GET /stats gives the app's own counts; --records keeps one JSON
// line per execution.
//
// SDK: io.dapr:dapr-sdk-workflows 1.16.1 (Maven Central has no 1.15 final); it drives 1.15 sidecars
// too.

import io.dapr.durabletask.Task;
import io.dapr.workflows.Workflow;
import io.dapr.workflows.WorkflowActivity;
import io.dapr.workflows.WorkflowActivityContext;
import io.dapr.workflows.WorkflowStub;
import io.dapr.workflows.WorkflowTaskOptions;
import io.dapr.workflows.WorkflowTaskRetryPolicy;
import io.dapr.workflows.client.DaprWorkflowClient;
import io.dapr.workflows.runtime.WorkflowRuntime;
import io.dapr.workflows.runtime.WorkflowRuntimeBuilder;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "DaprApp",
    mixinStandardHelpOptions = true,
    description = {
      "HTTP app with a Dapr workflow whose activities record whether their workflow instance still"
          + " exists.",
      "The sidecar is found through DAPR_GRPC_PORT / DAPR_HTTP_PORT (defaults 50001 / 3500).",
      "Routes: GET /, GET /health, POST /workflow/hello, GET /workflow/{id}, GET /stats"
    })
public class DaprApp implements Callable<Integer> {
  @Option(
      names = "--port",
      defaultValue = "8999",
      description = "HTTP port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(
      names = "--listen",
      defaultValue = "127.0.0.1",
      description =
          "Address to listen on (default: ${DEFAULT-VALUE}, loopback only; the Compose container"
              + " needs 0.0.0.0)")
  String listen;

  @Option(
      names = "--activity-seconds",
      defaultValue = "10",
      description = "How long an activity with a live workflow runs (default: ${DEFAULT-VALUE})")
  double activitySeconds;

  @Option(
      names = "--records",
      description =
          "Append one JSON line per activity execution here (what it found, and why it was"
              + " classified so)")
  Path records;

  @Option(
      names = "--state-store",
      converter = Cli.HostPort.class,
      description =
          "Redis HOST:PORT of the actor state store, to confirm that an instance's keys are gone"
              + " (default: not checked)")
  String stateStore;

  @Option(
      names = "--activity-app-id",
      description =
          "Run the workflow's activities on this other Dapr app (cross-app activities, as Dapr"
              + " 1.18's remote activity reminders carry their results back; default: this app)")
  String activityAppId;

  @Option(
      names = "--workflow-grpc-port",
      description =
          "The gRPC port of the sidecar that holds the workflows, for the activity's checks when it"
              + " runs in another app than its workflow (default: this app's sidecar)")
  Integer workflowGrpcPort;

  // Before the logger: slf4j-simple reads its settings once, when the first logger is made.
  static {
    Cli.quietLogging("DaprApp");
  }

  static final Logger log = LoggerFactory.getLogger(DaprApp.class);

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.log.io.javalin", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
    int rc = Cli.run(new DaprApp(), args);
    if (rc != 0) System.exit(rc);
  }

  @Override
  public Integer call() throws Exception {
    if (port < 1 || port > 65535) throw new Cli.Fail("--port must be 1-65535, got " + port);
    Cli.nonNegative(activitySeconds, "--activity-seconds");
    if (workflowGrpcPort != null && (workflowGrpcPort < 1 || workflowGrpcPort > 65535))
      throw new Cli.Fail("--workflow-grpc-port must be 1-65535, got " + workflowGrpcPort);
    DaprWorkflowClient client = new DaprWorkflowClient();
    // An activity of another app asks the workflow's own sidecar whether its instance still exists.
    DaprWorkflowClient asks =
        workflowGrpcPort == null
            ? client
            : new DaprWorkflowClient(
                new io.dapr.config.Properties(
                    Map.of("dapr.grpc.port", String.valueOf(workflowGrpcPort))));
    InstanceChecks checks =
        new InstanceChecks(
            asks, StateStore.of(stateStore), records == null ? null : new Cli.JsonLines(records));
    try (WorkflowRuntime runtime =
        new WorkflowRuntimeBuilder()
            .registerWorkflow(new HelloWorkflow(activityAppId))
            .registerActivity(HelloActivity.NAME, new HelloActivity(checks, activitySeconds))
            .build()) {
      runtime.start(false); // reconnects by itself when the sidecar comes back
      Javalin app = new Routes(client, checks).register(Routes.create());
      try {
        app.start(listen, port);
      } catch (RuntimeException e) {
        throw new Cli.Fail(
            "cannot listen on " + listen + ":" + port + ": " + Cli.firstLine(e.getMessage()));
      }
      log.info(
          "DaprApp on http://{}:{} (sidecar gRPC port {}, state store {}, {})",
          listen,
          port,
          System.getenv().getOrDefault("DAPR_GRPC_PORT", "50001"),
          stateStore == null ? "not checked" : stateStore,
          checks.sdkVersion);
      new CountDownLatch(1).await(); // serves until the process is stopped
    }
    return 0;
  }

  // ----------------------------------------------------------------------------------- workflow

  /**
   * Orphans.ROUNDS rounds of Orphans.PARALLEL parallel activities, with the retry policy of the
   * seed.
   */
  public static class HelloWorkflow implements Workflow {
    final String activityAppId;

    /** activityAppId: the app whose activities it calls (null: its own). */
    HelloWorkflow(String activityAppId) {
      this.activityAppId = activityAppId;
    }

    @Override
    public WorkflowStub create() {
      return ctx -> {
        // The builder checks the other intervals against the first retry interval: set it first.
        WorkflowTaskRetryPolicy retry =
            WorkflowTaskRetryPolicy.newBuilder()
                .setFirstRetryInterval(Duration.ofSeconds(1))
                .setMaxNumberOfAttempts(3)
                .setBackoffCoefficient(2)
                .setMaxRetryInterval(Duration.ofSeconds(10))
                .setRetryTimeout(Duration.ofSeconds(100))
                .build();
        WorkflowTaskOptions options =
            activityAppId == null
                ? new WorkflowTaskOptions(retry)
                : new WorkflowTaskOptions(retry, activityAppId);
        // The activity context carries no workflow instance id, so it travels in the input.
        String id = ctx.getInstanceId();
        for (int round = 1; round <= Orphans.ROUNDS; round++) {
          List<Task<String>> tasks = new ArrayList<>();
          for (int i = 0; i < Orphans.PARALLEL; i++)
            tasks.add(ctx.callActivity(HelloActivity.NAME, id, options, String.class));
          ctx.allOf(tasks).await();
          if (!ctx.isReplaying()) ctx.getLogger().info("Workflow {} finished round {}", id, round);
        }
        ctx.complete("Hello World workflow completed");
      };
    }
  }

  /**
   * The expensive call of the original (an LLM call, say): first it records whether its workflow
   * still exists.
   */
  public static class HelloActivity implements WorkflowActivity {
    static final String NAME = "hello_world_activity";
    final InstanceChecks checks;
    final double sleepSeconds;

    HelloActivity(InstanceChecks checks, double sleepSeconds) {
      this.checks = checks;
      this.sleepSeconds = sleepSeconds;
    }

    @Override
    public Object run(WorkflowActivityContext ctx) {
      String id = ctx.getInput(String.class);
      Orphans.Execution e = checks.record(id);
      if (e.kind() == Orphans.Kind.ORPHANED) {
        System.out.printf(
            "No workflow state found for %s but activity is being executed anyways (%s)%n",
            id, e.reason());
        return "Done";
      }
      if (e.kind() != Orphans.Kind.ALIVE)
        System.out.printf("Activity for %s: %s, %s; running anyway%n", id, e.kind(), e.reason());
      try {
        Thread.sleep((long) (sleepSeconds * 1000));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      System.out.printf("Hello world! - %s%n", Instant.now());
      return "Hello world!";
    }
  }

  // -------------------------------------------------------------------------------------- routes

  /** The HTTP API of the original; the client's mistakes are 4xx with a one-line JSON error. */
  static final class Routes {
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    final DaprWorkflowClient client;
    final InstanceChecks checks;
    final Set<String> scheduled = ConcurrentHashMap.newKeySet();

    /** Both null: no workflow runtime behind the routes (a test of the HTTP side alone). */
    Routes(DaprWorkflowClient client, InstanceChecks checks) {
      this.client = client;
      this.checks = checks;
    }

    /**
     * Javalin with the kit's JSON mapper, so /stats speaks the same snake_case as every file the
     * kit writes.
     */
    static Javalin create() {
      return Javalin.create(
          cfg -> cfg.jsonMapper(new io.javalin.json.JavalinJackson(Cli.JSON, false)));
    }

    Javalin register(Javalin app) {
      app.get("/", this::index);
      app.get(
          "/health",
          ctx ->
              ctx.json(
                  Map.of(
                      "status",
                      "healthy",
                      "message",
                      "DaprApp is running",
                      "timestamp",
                      Instant.now().toString())));
      app.post("/workflow/hello", this::start);
      app.get("/workflow/{id}", this::instance);
      app.get(
          "/stats",
          ctx ->
              ctx.json(
                  checks == null
                      ? new Orphans.Stats(
                          Orphans.Counts.ZERO, Map.of(), null, InstanceChecks.sdkVersion())
                      : checks.stats()));
      app.exception(
          Exception.class,
          (e, ctx) -> error(ctx, 500, "internal error: " + Cli.firstLine(e.getMessage())));
      return app;
    }

    void index(Context ctx) {
      ctx.json(
          Map.of(
              "message",
              "Dapr workflow: activities that keep running after workflow state is lost",
              "endpoints",
              Map.of(
                  "GET /health", "health check",
                  "POST /workflow/hello",
                      "start the Hello World workflow; body {\"instance_id\": \"...\"} (optional)",
                  "GET /workflow/{id}", "the instance's state, 404 when not found",
                  "GET /stats",
                      "activity executions: total, per instance, orphaned, and those whose checks"
                          + " disagreed")));
    }

    void start(Context ctx) {
      String id;
      try {
        var json =
            ctx.body().isBlank() ? Cli.JSON.createObjectNode() : Cli.JSON.readTree(ctx.body());
        if (json == null || !json.isObject())
          throw new IllegalArgumentException("the body must be a JSON object");
        var given = json.get("instance_id");
        if (given != null && !given.isNull() && !given.isTextual())
          throw new IllegalArgumentException("instance_id must be a string");
        id = given == null || given.isNull() ? "hello-world-" + UUID.randomUUID() : given.asText();
        if (!ID.matcher(id).matches()) {
          throw new IllegalArgumentException(
              "instance_id must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a"
                  + " letter or digit");
        }
      } catch (Exception e) {
        error(ctx, 400, "malformed request: " + Cli.firstLine(e.getMessage()));
        return;
      }
      if (checks == null) {
        error(ctx, 503, "failed to schedule the workflow: the workflow runtime is not running");
        return;
      }
      if (!scheduled.add(id) || checks.look(id).answer() == Orphans.Answer.FOUND) {
        error(ctx, 409, "workflow instance " + id + " already exists");
        return;
      }
      try {
        client.scheduleNewWorkflow(HelloWorkflow.class, null, id);
        client.waitForInstanceStart(id, Duration.ofSeconds(30), false); // the SDK's own wait
      } catch (TimeoutException e) {
        error(ctx, 504, "the workflow was scheduled but did not start within 30 s");
        return;
      } catch (Exception e) {
        scheduled.remove(id);
        error(ctx, 502, "failed to schedule the workflow: " + Cli.firstLine(e.getMessage()));
        return;
      }
      ctx.json(
          Map.of(
              "instance_id", id, "status", "started", "message", "Hello World workflow started"));
    }

    void instance(Context ctx) {
      String id = ctx.pathParam("id");
      if (!ID.matcher(id).matches()) {
        error(ctx, 400, "malformed instance id");
        return;
      }
      if (checks == null) {
        error(ctx, 503, "the workflow runtime is not running");
        return;
      }
      InstanceChecks.Look l = checks.look(id);
      switch (l.answer()) {
        case MISSING ->
            ctx.status(404).json(Map.of("instance_id", id, "error", "workflow instance not found"));
        case ERROR -> error(ctx, 502, "the sidecar did not answer: " + l.detail());
        case FOUND -> {
          var s = l.status();
          var out =
              Cli.JSON
                  .createObjectNode()
                  .put("instance_id", s.getInstanceId())
                  .put("name", s.getName())
                  .put("runtime_status", String.valueOf(s.getRuntimeStatus()));
          if (s.getCreatedAt() != null) out.put("created_at", s.getCreatedAt().toString());
          if (s.getLastUpdatedAt() != null)
            out.put("last_updated_at", s.getLastUpdatedAt().toString());
          ctx.json(out);
        }
      }
    }

    static void error(Context ctx, int status, String message) {
      ctx.status(status).json(Map.of("error", message));
    }
  }
}

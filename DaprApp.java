///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS io.dapr:dapr-sdk-workflows:1.16.1
//DEPS io.javalin:javalin:6.7.0
//SOURCES kit/Cli.java kit/Orphans.java

// The Dapr half (main.py of the original): an HTTP app with the seed's Hello World workflow, 10 rounds of
// 3 parallel activities with the retry policy Diagrid suggested. Each activity execution first asks
// whether its workflow instance still exists, and writes down the answer and why: an execution counts as
// orphaned only when the sidecar says "no such instance" twice and the state store holds none of the
// instance's keys. GET /stats gives the app's own counts; --records keeps one JSON line per execution.
//
// SDK: io.dapr:dapr-sdk-workflows 1.16.1 (Maven Central has no 1.15 final); it drives 1.15 sidecars too.

import io.dapr.durabletask.Task;
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
import io.javalin.http.Context;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
      "HTTP app with a Dapr workflow whose activities record whether their workflow instance still exists.",
      "The sidecar is found through DAPR_GRPC_PORT / DAPR_HTTP_PORT (defaults 50001 / 3500).",
      "Routes: GET /, GET /health, POST /workflow/hello, GET /workflow/{id}, GET /stats"
    })
public class DaprApp implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "8999", description = "HTTP port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--activity-seconds", defaultValue = "10", description = "How long an activity with a live workflow runs (default: ${DEFAULT-VALUE})")
  double activitySeconds;

  @Option(names = "--records", description = "Append one JSON line per activity execution here (what it found, and why it was classified so)")
  Path records;

  @Option(names = "--state-store", converter = Cli.HostPort.class, description = "Redis HOST:PORT of the actor state store, to confirm that an instance's keys are gone (default: not checked)")
  String stateStore;

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
    Checks checks = new Checks(new DaprWorkflowClient(), StateStore.of(stateStore), records == null ? null : new Cli.JsonLines(records));
    HelloActivity.checks = checks;
    HelloActivity.sleepSeconds = activitySeconds;
    try (WorkflowRuntime runtime = new WorkflowRuntimeBuilder()
        .registerWorkflow(HelloWorkflow.class)
        .registerActivity(HelloActivity.NAME, new HelloActivity())
        .build()) {
      runtime.start(false); // reconnects by itself when the sidecar comes back
      Javalin app = new Routes(checks).register(Routes.create());
      try {
        app.start("0.0.0.0", port);
      } catch (RuntimeException e) {
        throw new Cli.Fail("cannot listen on port " + port + ": " + Cli.firstLine(e.getMessage()));
      }
      log.info("DaprApp on http://localhost:{} (sidecar gRPC port {}, state store {})", port,
          System.getenv().getOrDefault("DAPR_GRPC_PORT", "50001"), stateStore == null ? "not checked" : stateStore);
      new CountDownLatch(1).await(); // serves until the process is stopped
    }
    return 0;
  }

  // ----------------------------------------------------------------------------------- workflow

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
          List<Task<String>> tasks = new ArrayList<>();
          for (int i = 0; i < 3; i++) tasks.add(ctx.callActivity(HelloActivity.NAME, id, options, String.class));
          ctx.allOf(tasks).await();
          if (!ctx.isReplaying()) ctx.getLogger().info("Workflow {} finished round {}", id, round);
        }
        ctx.complete("Hello World workflow completed");
      };
    }
  }

  /** The expensive call of the original (an LLM call, say): first it records whether its workflow still exists. */
  public static class HelloActivity implements WorkflowActivity {
    static final String NAME = "hello_world_activity";
    static volatile Checks checks;
    static volatile double sleepSeconds = 10;

    @Override
    public Object run(WorkflowActivityContext ctx) {
      String id = ctx.getInput(String.class);
      Orphans.Execution e = checks.record(id);
      if (e.kind() == Orphans.Kind.ORPHANED) {
        System.out.printf("No workflow state found for %s but activity is being executed anyways (%s)%n", id, e.reason());
        return "Done";
      }
      if (e.kind() != Orphans.Kind.ALIVE) System.out.printf("Activity for %s: %s, %s; running anyway%n", id, e.kind(), e.reason());
      try {
        Thread.sleep((long) (sleepSeconds * 1000));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      System.out.printf("Hello world! - %s%n", Instant.now());
      return "Hello world!";
    }
  }

  // ------------------------------------------------------------------------------------- checks

  /** Asks the sidecar and the state store about an instance, classifies, and keeps the app's own counts. */
  static final class Checks {
    final DaprWorkflowClient client;
    final StateStore store;
    final Cli.JsonLines records;
    final Map<String, Orphans.Counts> perInstance = new ConcurrentHashMap<>();
    volatile Orphans.Counts total = Orphans.Counts.ZERO;
    volatile Long lastOrphanedMs;

    Checks(DaprWorkflowClient client, StateStore store, Cli.JsonLines records) {
      this.client = client;
      this.store = store;
      this.records = records;
    }

    record Look(Orphans.Answer answer, WorkflowInstanceStatus status, String detail) {}

    /**
     * One look. A missing instance has two shapes by version: 1.15 throws "no such instance exists";
     * 1.16 and later answer with an empty name and id. Any other error is no answer at all.
     */
    Look look(String id) {
      try {
        WorkflowInstanceStatus s = client.getInstanceState(id, false);
        if (s == null || blank(s.getName()) || blank(s.getInstanceId())) return new Look(Orphans.Answer.MISSING, null, "empty reply");
        return new Look(Orphans.Answer.FOUND, s, String.valueOf(s.getRuntimeStatus()));
      } catch (RuntimeException e) {
        String m = Cli.firstLine(String.valueOf(e.getMessage()));
        if (m.contains("no such instance exists")) return new Look(Orphans.Answer.MISSING, null, m);
        return new Look(Orphans.Answer.ERROR, null, m);
      }
    }

    Orphans.Execution record(String id) {
      long began = System.currentTimeMillis();
      Look first = look(id), second = null;
      Integer keys = null;
      if (first.answer() == Orphans.Answer.MISSING) {
        sleep(200); // a second look, a moment later: a transient answer does not make an orphan
        second = look(id);
        if (second.answer() == Orphans.Answer.MISSING && store != null) keys = store.keysOf(id);
      }
      Orphans.Execution e = Orphans.classify(id, began, first.answer(), second == null ? null : second.answer(), keys,
          first.detail() + (second == null ? "" : " / " + second.detail()));
      // The record is written before the count moves, under one lock: whoever reads /stats and then the
      // records finds at least as many records as counted.
      synchronized (this) {
        if (records != null) {
          try {
            records.append(e);
          } catch (Cli.Fail f) {
            System.out.println("error: " + f.getMessage()); // the verdict sees the records and /stats disagree
          }
        }
        total = total.plus(e.kind());
        perInstance.merge(id, Orphans.Counts.ZERO.plus(e.kind()), (a, b) -> a.plus(e.kind()));
        if (e.kind() == Orphans.Kind.ORPHANED) lastOrphanedMs = began;
      }
      return e;
    }

    synchronized Orphans.Stats stats() {
      return new Orphans.Stats(total, new java.util.TreeMap<>(perInstance), lastOrphanedMs);
    }
  }

  /** Just enough of Redis's protocol to count an instance's actor-state keys (appId||actorType||instanceId||key). */
  record StateStore(String host, int port) {
    static StateStore of(String hostPort) {
      if (hostPort == null) return null;
      int colon = hostPort.lastIndexOf(':');
      try {
        return new StateStore(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
      } catch (RuntimeException e) {
        throw new Cli.Fail("--state-store takes HOST:PORT, got '" + hostPort + "'");
      }
    }

    /** The number of keys naming this instance as the workflow actor's id, or -1 when Redis cannot be read. */
    int keysOf(String instanceId) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 2000);
        s.setSoTimeout(2000);
        OutputStream out = s.getOutputStream();
        InputStream in = new BufferedInputStream(s.getInputStream());
        String cursor = "0";
        int keys = 0;
        do {
          send(out, "SCAN", cursor, "MATCH", "*||" + instanceId + "||*", "COUNT", "1000");
          List<Object> reply = (List<Object>) read(in);
          cursor = (String) reply.get(0);
          keys += ((List<?>) reply.get(1)).size();
        } while (!cursor.equals("0"));
        return keys;
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }

    static void send(OutputStream out, String... words) throws IOException {
      StringBuilder sb = new StringBuilder("*" + words.length + "\r\n");
      for (String w : words) sb.append('$').append(w.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(w).append("\r\n");
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    static Object read(InputStream in) throws IOException {
      int type = in.read();
      String line = readLine(in);
      switch (type) {
        case '*': {
          int n = Integer.parseInt(line);
          List<Object> items = new ArrayList<>();
          for (int i = 0; i < n; i++) items.add(read(in));
          return items;
        }
        case '$': {
          int n = Integer.parseInt(line);
          if (n < 0) return null;
          byte[] b = in.readNBytes(n + 2);
          return new String(b, 0, n, StandardCharsets.UTF_8);
        }
        case '+': case ':': return line;
        default: throw new IOException("Redis said: " + line);
      }
    }

    static String readLine(InputStream in) throws IOException {
      StringBuilder sb = new StringBuilder();
      for (int c; (c = in.read()) != '\r'; ) {
        if (c < 0) throw new IOException("connection closed");
        sb.append((char) c);
      }
      in.read(); // \n
      return sb.toString();
    }
  }

  // -------------------------------------------------------------------------------------- routes

  /** The HTTP API of the original; the client's mistakes are 4xx with a one-line JSON error. */
  static final class Routes {
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    final Checks checks;
    final Set<String> scheduled = ConcurrentHashMap.newKeySet();

    Routes(Checks checks) {
      this.checks = checks;
    }

    /** Javalin with the kit's JSON mapper, so /stats speaks the same snake_case as every file the kit writes. */
    static Javalin create() {
      return Javalin.create(cfg -> cfg.jsonMapper(new io.javalin.json.JavalinJackson(Cli.JSON, false)));
    }

    Javalin register(Javalin app) {
      app.get("/", this::index);
      app.get("/health", ctx -> ctx.json(Map.of("status", "healthy", "message", "DaprApp is running", "timestamp", Instant.now().toString())));
      app.post("/workflow/hello", this::start);
      app.get("/workflow/{id}", this::instance);
      app.get("/stats", ctx -> ctx.json(checks == null ? new Orphans.Stats(Orphans.Counts.ZERO, Map.of(), null) : checks.stats()));
      app.exception(Exception.class, (e, ctx) -> error(ctx, 500, "internal error: " + Cli.firstLine(e.getMessage())));
      return app;
    }

    void index(Context ctx) {
      ctx.json(Map.of(
          "message", "Dapr workflow: activities that keep running after workflow state is lost",
          "endpoints", Map.of(
              "GET /health", "health check",
              "POST /workflow/hello", "start the Hello World workflow; body {\"instance_id\": \"...\"} (optional)",
              "GET /workflow/{id}", "the instance's state, 404 when not found",
              "GET /stats", "activity executions: total, per instance, orphaned, and those whose checks disagreed")));
    }

    void start(Context ctx) {
      String id;
      try {
        var json = ctx.body().isBlank() ? Cli.JSON.createObjectNode() : Cli.JSON.readTree(ctx.body());
        if (json == null || !json.isObject()) throw new IllegalArgumentException("the body must be a JSON object");
        var given = json.get("instance_id");
        if (given != null && !given.isNull() && !given.isTextual()) throw new IllegalArgumentException("instance_id must be a string");
        id = given == null || given.isNull() ? "hello-world-" + UUID.randomUUID() : given.asText();
        if (!ID.matcher(id).matches()) {
          throw new IllegalArgumentException("instance_id must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
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
        checks.client.scheduleNewWorkflow(HelloWorkflow.class, null, id);
        checks.client.waitForInstanceStart(id, Duration.ofSeconds(30), false); // the SDK's own wait
      } catch (TimeoutException e) {
        error(ctx, 504, "the workflow was scheduled but did not start within 30 s");
        return;
      } catch (Exception e) {
        scheduled.remove(id);
        error(ctx, 502, "failed to schedule the workflow: " + Cli.firstLine(e.getMessage()));
        return;
      }
      ctx.json(Map.of("instance_id", id, "status", "started", "message", "Hello World workflow started"));
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
      Checks.Look l = checks.look(id);
      switch (l.answer()) {
        case MISSING -> ctx.status(404).json(Map.of("instance_id", id, "error", "workflow instance not found"));
        case ERROR -> error(ctx, 502, "the sidecar did not answer: " + l.detail());
        case FOUND -> {
          var s = l.status();
          var out = Cli.JSON.createObjectNode().put("instance_id", s.getInstanceId()).put("name", s.getName())
              .put("runtime_status", String.valueOf(s.getRuntimeStatus()));
          if (s.getCreatedAt() != null) out.put("created_at", s.getCreatedAt().toString());
          if (s.getLastUpdatedAt() != null) out.put("last_updated_at", s.getLastUpdatedAt().toString());
          ctx.json(out);
        }
      }
    }

    static void error(Context ctx, int status, String message) {
      ctx.status(status).json(Map.of("error", message));
    }
  }

  static boolean blank(String s) {
    return s == null || s.isEmpty();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

// docker-compose.yml checked without a Docker engine: tools/composecheck loads it with compose-go,
// the Compose Specification's reference loader (the library `docker compose config` is built on),
// and prints the resolved model; these tests assert on that model. The names, ports and versions
// the scripts use are read from the scripts, not typed again here. Where Go is missing the tests
// that need the validator are skipped (never passed); where a docker compose plugin exists, it
// checks the file too.

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

public class ComposeTests {
  static final Path KIT = findKit();
  static final String FIX_KEY = "frontend.enableCancelWorkerPollsOnShutdown";
  static final String FAN_OUT_KEY = "frontend.enableMatchingFanOutForPollCancellation";

  static Path findKit() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
      if (Files.isRegularFile(p.resolve("docker-compose.yml"))
          && Files.isDirectory(p.resolve("tools/composecheck"))) return p;
    throw new IllegalStateException(
        "run the tests from inside the kit (no docker-compose.yml with tools/composecheck above "
            + Path.of("").toAbsolutePath()
            + ")");
  }

  // ------------------------------------------------------------------------ running the validator
  record Result(int code, String out, String err) {}

  static Result run(Duration timeout, List<String> cmd) throws Exception {
    Path out = Files.createTempFile("composecheck", ".out"),
        err = Files.createTempFile("composecheck", ".err");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .directory(KIT.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(
            String.join(" ", cmd)
                + " did not finish within "
                + timeout.toMinutes()
                + " min; stderr: "
                + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /**
   * tools/composecheck/run.sh on FILE (building the validator the first time); skipped where Go is
   * not installed.
   */
  static Result composecheck(Path file, String... flags) throws Exception {
    try {
      Process go = new ProcessBuilder("go", "version").redirectErrorStream(true).start();
      go.getInputStream().readAllBytes();
      Assumptions.assumeTrue(
          go.waitFor(60, TimeUnit.SECONDS) && go.exitValue() == 0,
          "`go version` failed: tools/composecheck cannot be built here");
    } catch (IOException noGo) {
      Assumptions.assumeTrue(
          false,
          "Go is not installed: tools/composecheck (compose-go) cannot validate docker-compose.yml"
              + " here");
    }
    List<String> cmd =
        new ArrayList<>(List.of("bash", KIT.resolve("tools/composecheck/run.sh").toString()));
    cmd.addAll(List.of(flags));
    cmd.add(file.toString());
    // The first build compiles compose-go: minutes on a busy 2-core machine.
    Result r = run(Duration.ofMinutes(15), cmd);
    Assumptions.assumeTrue(
        r.code() != 3, "tools/composecheck/run.sh found no Go: " + r.err().strip());
    return r;
  }

  static Map<String, Object> modelCache;

  /** The resolved model of the repository's docker-compose.yml. */
  @SuppressWarnings("unchecked")
  static synchronized Map<String, Object> model() throws Exception {
    if (modelCache == null) {
      Result r = composecheck(KIT.resolve("docker-compose.yml"));
      assertEquals(0, r.code(), "composecheck rejects docker-compose.yml: " + r.err());
      assertFalse(r.err().contains("error:"), r.err());
      // JSON is YAML: SnakeYAML (already a test dependency) reads it.
      modelCache = (Map<String, Object>) new Yaml().load(r.out());
    }
    return modelCache;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> service(String name) throws Exception {
    var services = (Map<String, Map<String, Object>>) model().get("services");
    assertTrue(
        services.containsKey(name),
        "docker-compose.yml has a service "
            + name
            + " (has "
            + new TreeSet<>(services.keySet())
            + ")");
    return services.get(name);
  }

  static String image(String svc) throws Exception {
    return (String) service(svc).get("image");
  }

  static String tag(String svc) throws Exception {
    String image = image(svc);
    return image.substring(image.lastIndexOf(':') + 1);
  }

  @SuppressWarnings("unchecked")
  static List<String> list(String svc, String key) throws Exception {
    return (List<String>) service(svc).get(key);
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> env(String svc) throws Exception {
    return (Map<String, String>) service(svc).get("environment");
  }

  /** "published:target" for each published port. */
  @SuppressWarnings("unchecked")
  static List<String> ports(String svc) throws Exception {
    List<String> out = new ArrayList<>();
    for (var p : (List<Map<String, Object>>) service(svc).get("ports"))
      out.add(p.get("published") + ":" + p.get("target"));
    return out;
  }

  /** The host path mounted at TARGET (or at the folder holding TARGET). */
  @SuppressWarnings("unchecked")
  static Path hostPath(String svc, String target) throws Exception {
    for (var v : (List<Map<String, Object>>) service(svc).get("volumes")) {
      String t = (String) v.get("target");
      if ("bind".equals(v.get("type")) && (target.equals(t) || target.startsWith(t + "/")))
        return Path.of((String) v.get("source"))
            .resolve(target.equals(t) ? "" : target.substring(t.length() + 1));
    }
    fail(svc + " has no bind mount that holds " + target);
    return null;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> dependsOn(String svc) throws Exception {
    return (Map<String, Map<String, Object>>) service(svc).get("depends_on");
  }

  // --------------------------------------------------------------------- reading the scripts
  static String read(String rel) {
    try {
      return Files.readString(KIT.resolve(rel));
    } catch (IOException e) {
      return null;
    }
  }

  /** The first match of PATTERN among the places, with where it was found. */
  static Matcher findInScripts(List<String> places, Pattern pattern, String what) {
    for (String place : places) {
      String text = read(place);
      if (text == null) continue;
      Matcher m = pattern.matcher(text);
      if (m.find()) return m;
    }
    fail("none of " + places + " defines " + what + " (looked for /" + pattern + "/)");
    return null;
  }

  /**
   * The Dapr stack's ports: the one line `APP_PORT=8999 DAPR_HTTP=3500 ...` of kit/dapr.sh or
   * reproduce_issue.sh.
   */
  static Map<String, Integer> daprPorts() {
    Matcher line =
        findInScripts(
            List.of("kit/dapr.sh", "reproduce_issue.sh"),
            Pattern.compile("(?m)^\\s*(APP_PORT=\\d+(?:\\s+[A-Z_]+=\\d+)+)\\s*$"),
            "the Dapr ports (APP_PORT=... DAPR_HTTP=...)");
    Map<String, Integer> ports = new LinkedHashMap<>();
    Matcher kv = Pattern.compile("([A-Z_]+)=(\\d+)").matcher(line.group(1));
    while (kv.find()) ports.put(kv.group(1), Integer.parseInt(kv.group(2)));
    for (String k :
        List.of(
            "APP_PORT", "DAPR_HTTP", "DAPR_GRPC", "REDIS_PORT", "PLACEMENT_PORT", "SCHEDULER_PORT"))
      assertTrue(ports.containsKey(k), k + " in the Dapr port line " + line.group(1));
    return ports;
  }

  /** The default Dapr version: DEFAULT_DAPR_VERSION=X in tools/build-dapr.sh. */
  static String defaultDaprVersion() {
    return findInScripts(
            List.of("tools/build-dapr.sh"),
            Pattern.compile("(?m)^\\s*DEFAULT_DAPR_VERSION=\"?([0-9][0-9.]*)\"?\\s*$"),
            "DEFAULT_DAPR_VERSION")
        .group(1);
  }

  /** A key kit/cluster.sh writes into a cluster's dynamic config: NAME=frontend.... */
  static String clusterKey(String name) {
    return findInScripts(
            List.of("kit/cluster.sh"), Pattern.compile("(?m)^" + name + "=([A-Za-z.]+)\\s*$"), name)
        .group(1);
  }

  static String temporalCliVersion() {
    return findInScripts(
            List.of("tools/get-temporal.sh"),
            Pattern.compile("(?m)^\\s*TEMPORAL_CLI_VERSION=\"?([0-9][0-9.]*)\"?\\s*$"),
            "TEMPORAL_CLI_VERSION")
        .group(1);
  }

  /**
   * The local stack's Temporal gRPC and web UI ports: TEMPORAL_PORT_OFF=7233 /
   * TEMPORAL_PORT_ON=7235 in kit/temporal.sh (the UI is 1000 above).
   */
  static int[] localTemporalPorts(boolean fix) {
    String name = fix ? "TEMPORAL_PORT_ON" : "TEMPORAL_PORT_OFF";
    var m =
        findInScripts(
            List.of("kit/temporal.sh"),
            Pattern.compile("(?m)(?:^|\\s)" + name + "=(\\d+)(?:\\s|$)"),
            "the local stack's Temporal " + (fix ? "fix" : "bug") + " port");
    int port = Integer.parseInt(m.group(1));
    return new int[] {port, port + 1000};
  }

  /**
   * A shell assignment NAME=VALUE in kit/compose.sh (the functions the orchestrator calls for
   * --docker).
   */
  static String composeShell(String name) {
    return findInScripts(
            List.of("kit/compose.sh"),
            Pattern.compile("(?m)(?:^|\\s)" + name + "=([0-9][0-9.]*)(?:\\s|$)"),
            name)
        .group(1);
  }

  /**
   * A boolean key's value in a parsed dynamic config file: false where the file does not set it
   * (the server default).
   */
  static Object flag(Map<String, Object> dc, String key) {
    Object setting = dc == null ? null : dc.get(key);
    return setting == null ? false : ((Map<?, ?>) ((List<?>) setting).get(0)).get("value");
  }

  static int[] version(String v) {
    return Stream.of(v.split("[.-]"))
        .limit(3)
        .mapToInt(s -> s.matches("\\d+") ? Integer.parseInt(s) : 0)
        .toArray();
  }

  static boolean atLeast(String v, int major, int minor) {
    int[] p = version(v);
    return p[0] > major || (p[0] == major && p.length > 1 && p[1] >= minor);
  }

  // ================================================================================ the tests
  @Test
  @Tag("fast")
  void theReferenceLoaderAcceptsTheComposeFileWithEveryProfile() throws Exception {
    var m = model();
    assertEquals("durable-bugs-kit", m.get("name"));
    assertEquals(List.of("dapr", "temporal", "temporal-dev", "temporal-fix"), m.get("profiles"));
    // Every image pinned to a version: a tag that starts with a digit, never latest or none.
    @SuppressWarnings("unchecked")
    var services = (Map<String, Map<String, Object>>) m.get("services");
    services.forEach(
        (name, svc) -> {
          String image = String.valueOf(svc.get("image"));
          assertTrue(
              image.matches("[a-z0-9./_-]+:[0-9][0-9A-Za-z.+_-]*"),
              name + " pins a version: " + image);
        });
  }

  @Test
  @Tag("fast")
  void theValidatorRejectsBrokenCopies() throws Exception {
    String good = Files.readString(KIT.resolve("docker-compose.yml"));
    // Each break is one textual change to the real file, so the validator is shown to fail on it
    // alone.
    Map<String, String[]> breaks = new LinkedHashMap<>();
    breaks.put(
        "network_mode names a service that does not exist",
        new String[] {
          "network_mode: \"service:app\"\n    depends_on: [app]\n",
          "network_mode: \"service:nosuch\"\n    depends_on: [app]\n",
          "nosuch"
        });
    breaks.put(
        "a key the Compose schema does not know",
        new String[] {
          "  temporal:\n    profiles: [temporal]\n",
          "  temporal:\n    profiles: [temporal]\n    restart_policy: always\n",
          "restart_policy"
        });
    breaks.put(
        "a profile that needs a service only another profile enables",
        new String[] {
          "      temporal-fix-schema:\n        condition: service_completed_successfully",
          "      temporal-schema:\n        condition: service_completed_successfully",
          "temporal-fix"
        });
    Path dir = Files.createTempDirectory("compose-broken");
    try {
      for (var b : breaks.entrySet()) {
        String[] edit = b.getValue();
        assertTrue(
            good.contains(edit[0]),
            "the break '"
                + b.getKey()
                + "' still applies to docker-compose.yml (text not found: "
                + edit[0]
                + ")");
        Path broken = dir.resolve("docker-compose.yml");
        Files.writeString(broken, good.replace(edit[0], edit[1]));
        Result r = composecheck(broken);
        assertEquals(
            2,
            r.code(),
            b.getKey() + ": exit 2 expected; stdout " + r.out() + " stderr " + r.err());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error:")).toList();
        assertEquals(1, errors.size(), b.getKey() + ": one error: line, got " + r.err());
        assertTrue(
            errors.get(0).contains(edit[2]),
            b.getKey() + ": the error names " + edit[2] + ": " + errors.get(0));
        assertTrue(r.out().isBlank(), b.getKey() + ": no model printed for an invalid file");
        System.out.println("     rejected (" + b.getKey() + "): " + errors.get(0));
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) Files.delete(f);
      }
      Files.delete(dir);
    }
  }

  @Test
  @Tag("fast")
  void theTemporalProfilesFollowTemporalsOwnComposeLayout() throws Exception {
    for (String s :
        List.of("temporal-schema", "temporal", "temporal-create-namespace", "temporal-ui"))
      assertEquals(List.of("temporal"), list(s, "profiles"), s);
    for (String s :
        List.of(
            "temporal-fix-schema",
            "temporal-fix",
            "temporal-fix-create-namespace",
            "temporal-fix-ui")) assertEquals(List.of("temporal-fix"), list(s, "profiles"), s);
    assertEquals(
        List.of("temporal", "temporal-fix"),
        list("postgresql", "profiles"),
        "one PostgreSQL for both servers");
    for (String s : List.of("temporal-dev", "temporal-dev-fix"))
      assertEquals(List.of("temporal-dev"), list(s, "profiles"), s);

    // The auto-setup image is gone (temporalio/features#707): temporalio/server, schema and
    // namespace from admin-tools.
    for (String fix : List.of("", "-fix")) {
      String server = "temporal" + fix;
      assertTrue(image(server).startsWith("temporalio/server:"), server + ": " + image(server));
      assertTrue(
          atLeast(tag(server), 1, 31),
          server + " is server 1.31 or later (graceful poll shutdown exists): " + image(server));
      assertEquals(
          "temporalio/admin-tools:" + tag(server),
          image(server + "-schema"),
          "admin-tools and server at one version");
      assertEquals("temporalio/admin-tools:" + tag(server), image(server + "-create-namespace"));
      assertTrue(image(server + "-ui").startsWith("temporalio/ui:"));
      assertEquals(
          "service_healthy", dependsOn(server + "-schema").get("postgresql").get("condition"));
      assertEquals(
          "service_completed_successfully",
          dependsOn(server).get(server + "-schema").get("condition"),
          server + " starts once its schema is set up");
      assertEquals(
          "service_healthy", dependsOn(server + "-create-namespace").get(server).get("condition"));
      assertEquals("service_healthy", dependsOn(server + "-ui").get(server).get("condition"));
      assertEquals("postgresql", env(server).get("POSTGRES_SEEDS"));
      assertEquals(
          env(server).get("DBNAME"),
          env(server + "-schema").get("DBNAME"),
          "the schema job sets up the database " + server + " uses");
      assertEquals(
          env(server).get("VISIBILITY_DBNAME"), env(server + "-schema").get("VISIBILITY_DBNAME"));
      assertTrue(
          String.join(" ", list(server + "-schema", "command")).contains("temporal-sql-tool"),
          "schema by temporal-sql-tool");
      assertTrue(
          String.join(" ", list(server + "-create-namespace", "command"))
              .contains("namespace create -n default"),
          "the default namespace is created");
      assertEquals(server + ":7233", env(server + "-create-namespace").get("TEMPORAL_ADDRESS"));
      assertEquals(server + ":7233", env(server + "-ui").get("TEMPORAL_ADDRESS"));
    }
    assertEquals(
        image("temporal"),
        image("temporal-fix"),
        "bug and fix run the same server; only the dynamic config differs");
    assertNotEquals(
        env("temporal").get("DBNAME"),
        env("temporal-fix").get("DBNAME"),
        "two clusters never share a database");
    assertNotEquals(
        env("temporal").get("VISIBILITY_DBNAME"), env("temporal-fix").get("VISIBILITY_DBNAME"));
  }

  @Test
  @Tag("fast")
  void temporalPortsVersionsAndTheFixSwitchMatchTheLocalStack() throws Exception {
    int[] bugPorts = localTemporalPorts(false), fixPorts = localTemporalPorts(true);
    int bug = bugPorts[0], fix = fixPorts[0];
    assertEquals(
        String.valueOf(bug),
        composeShell("COMPOSE_TEMPORAL_PORT_OFF"),
        "kit/compose.sh's bug port is the local stack's");
    assertEquals(
        String.valueOf(fix),
        composeShell("COMPOSE_TEMPORAL_PORT_ON"),
        "kit/compose.sh's fix port is the local stack's");
    assertEquals(7233, bug, "the bug server is on WorkflowWorker's default port");
    assertEquals(List.of(bug + ":7233"), ports("temporal"), "bug server's gRPC");
    assertEquals(List.of(fix + ":7233"), ports("temporal-fix"), "fix server's gRPC");
    assertEquals(List.of("8080:8080"), ports("temporal-ui"));
    assertEquals(List.of("8081:8080"), ports("temporal-fix-ui"));

    // The fix switch: the dynamic config file each server reads, resolved through its bind mount.
    Yaml yaml = new Yaml();
    for (String server : List.of("temporal", "temporal-fix")) {
      String inContainer = env(server).get("DYNAMIC_CONFIG_FILE_PATH");
      assertNotNull(inContainer, server + " sets DYNAMIC_CONFIG_FILE_PATH");
      Path file = hostPath(server, inContainer);
      assertTrue(
          file.startsWith(KIT.resolve("dynamicconfig")),
          server + "'s dynamic config comes from the repository's dynamicconfig/: " + file);
      assertTrue(Files.isRegularFile(file), server + "'s dynamic config " + file + " exists");
      Map<String, Object> dc = yaml.load(Files.readString(file));
      assertEquals(
          server.equals("temporal-fix"),
          flag(dc, FIX_KEY),
          server + ": " + FIX_KEY + " in " + KIT.relativize(file));
      // The fan-out flag (server 1.32+) only in the fix profile, as the cluster sets it for its
      // fan-out-on cell.
      assertEquals(
          server.equals("temporal-fix"),
          flag(dc, FAN_OUT_KEY),
          server + ": " + FAN_OUT_KEY + " in " + KIT.relativize(file));
    }
    // The same keys the local stacks set: the dev server's fix with --dynamic-config-value, the
    // cluster's in its file.
    assertTrue(
        read("kit/temporal.sh").contains("--dynamic-config-value " + FIX_KEY + "=true"),
        "kit/temporal.sh switches the dev server's fix with " + FIX_KEY);
    assertEquals(
        FIX_KEY,
        clusterKey("CANCEL_KEY"),
        "kit/cluster.sh switches the cluster's fix with the same key");
    assertEquals(FAN_OUT_KEY, clusterKey("FANOUT_KEY"), "kit/cluster.sh sets the same fan-out key");
    assertTrue(
        String.join(" ", list("temporal-dev-fix", "command"))
            .contains("--dynamic-config-value " + FIX_KEY + "=true"));
    assertFalse(String.join(" ", list("temporal-dev", "command")).contains(FIX_KEY));

    // The dev profile is the very CLI the local stack fetches, with the local stack's ports.
    String cli = temporalCliVersion();
    for (String s : List.of("temporal-dev", "temporal-dev-fix")) {
      assertEquals(
          "temporalio/temporal:" + cli,
          image(s),
          s + " runs Temporal CLI " + cli + " (tools/get-temporal.sh)");
      assertEquals(List.of("server", "start-dev"), list(s, "command").subList(0, 2));
    }
    assertEquals(bug + ":7233", ports("temporal-dev").get(0));
    assertEquals(fix + ":7233", ports("temporal-dev-fix").get(0));
    assertEquals(
        bugPorts[1] + ":8233",
        ports("temporal-dev").get(1),
        "the dev server's web UI, 1000 above its gRPC port as on the local stack");
    assertEquals(fixPorts[1] + ":8233", ports("temporal-dev-fix").get(1));
  }

  @Test
  @Tag("fast")
  void theDaprProfileMatchesTheScriptsPortsNamesAndVersion() throws Exception {
    for (String s : List.of("app", "redis", "dapr-placement", "dapr-scheduler", "dapr"))
      assertEquals(List.of("dapr"), list(s, "profiles"), s);
    var p = daprPorts();
    int app = p.get("APP_PORT"),
        http = p.get("DAPR_HTTP"),
        grpc = p.get("DAPR_GRPC"),
        redis = p.get("REDIS_PORT");
    assertEquals(
        List.of(app + ":" + app, http + ":" + http, grpc + ":" + grpc, redis + ":" + redis),
        ports("app"),
        "the app publishes its own, the sidecar's and Redis's ports");
    // The sidecar and Redis share the app's network namespace: the component's localhost:REDIS_PORT
    // holds.
    assertEquals("service:app", service("dapr").get("network_mode"));
    assertEquals("service:app", service("redis").get("network_mode"));
    assertEquals(
        String.valueOf(redis),
        list("redis", "command").get(list("redis", "command").indexOf("--port") + 1));
    assertTrue(
        Files.readString(KIT.resolve("dapr/components/statestore.yaml"))
            .contains("localhost:" + redis));
    var daprd = list("dapr", "command");
    for (String flag :
        List.of(
            "--app-id=hello-app",
            "--app-port=" + app,
            "--dapr-http-port=" + http,
            "--dapr-grpc-port=" + grpc,
            "--placement-host-address=dapr-placement:" + p.get("PLACEMENT_PORT"),
            "--scheduler-host-address=dapr-scheduler:" + p.get("SCHEDULER_PORT"),
            "--resources-path=/dapr/components",
            "--config=/dapr/config.yaml"))
      assertTrue(daprd.contains(flag), "daprd " + flag + " in " + daprd);
    assertEquals(
        List.of("./placement", "--port", String.valueOf(p.get("PLACEMENT_PORT"))),
        list("dapr-placement", "command"));
    assertEquals(String.valueOf(p.get("SCHEDULER_PORT")), list("dapr-scheduler", "command").get(2));
    assertEquals(
        KIT.resolve("dapr"), hostPath("dapr", "/dapr"), "the kit's dapr/ folder is mounted");
    assertEquals(
        KIT.resolve("build/docker"),
        hostPath("app", "/app"),
        "the app runs the jar ./reproduce_issue.sh --docker builds");
    assertEquals(
        List.of(
            "java",
            "-jar",
            "/app/DaprApp.jar",
            "--listen",
            "0.0.0.0",
            "--port",
            String.valueOf(app),
            "--records",
            "/records/executions.jsonl",
            "--state-store",
            "localhost:" + p.get("REDIS_PORT")),
        list("app", "command"),
        "the app records every execution and checks Redis, as locally");
    assertEquals(String.valueOf(http), env("app").get("DAPR_HTTP_PORT"));
    assertEquals(String.valueOf(grpc), env("app").get("DAPR_GRPC_PORT"));
    assertTrue(
        dependsOn("dapr")
            .keySet()
            .containsAll(List.of("app", "redis", "dapr-placement", "dapr-scheduler")));

    String dapr = defaultDaprVersion();
    for (String s : List.of("dapr", "dapr-placement", "dapr-scheduler"))
      assertEquals(dapr, tag(s), s + " is Dapr " + dapr + ", the scripts' default");
    assertEquals(
        dapr,
        composeShell("COMPOSE_DAPR_VERSION"),
        "kit/compose.sh accepts the version docker-compose.yml pins");
    assertTrue(image("redis").startsWith("redis:7"), "Redis 7");
  }

  @Test
  @Tag("fast")
  void dockerComposeConfigAcceptsItWhereAComposePluginExists() throws Exception {
    Result probe;
    try {
      probe = run(Duration.ofSeconds(30), List.of("docker", "compose", "version"));
    } catch (IOException noDocker) {
      Assumptions.assumeTrue(false, "no docker client: only compose-go checks the file here");
      return;
    }
    Assumptions.assumeTrue(
        probe.code() == 0,
        "no docker compose plugin (`docker compose version` failed): only compose-go checks the"
            + " file here");
    String file = KIT.resolve("docker-compose.yml").toString();
    List<List<String>> profileSets =
        List.of(
            List.of("temporal", "temporal-fix", "temporal-dev", "dapr"),
            List.of("temporal"),
            List.of("temporal-fix"),
            List.of("temporal-dev"),
            List.of("dapr"));
    for (var profiles : profileSets) {
      List<String> cmd = new ArrayList<>(List.of("docker", "compose", "-f", file));
      for (String pr : profiles) cmd.addAll(List.of("--profile", pr));
      cmd.addAll(List.of("config", "--quiet"));
      Result r = run(Duration.ofMinutes(2), cmd);
      assertEquals(
          0,
          r.code(),
          "docker compose config rejects docker-compose.yml with profiles "
              + profiles
              + ": "
              + r.err());
    }
  }
}

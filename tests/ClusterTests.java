//SOURCES ../kit/Server.java

// The production-shaped Temporal cluster (kit/cluster.sh, tools/build-temporal-server.sh,
// kit/ServerInfo.java). "fast": the pure decisions about the fix flags (kit/Server.java) and the
// script's refusals. "e2e": a cluster of the release tests/run.sh builds
// (TEMPORAL_CLUSTER_TEST_VERSION), a short fix-off and fix-on run, every workflow accounted for,
// and each summary saying what ran: the measured server version, server_kind cluster, PostgreSQL,
// the flags in force.

import static org.junit.jupiter.api.Assertions.*;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

public class ClusterTests {

  // ------------------------------------------------------------------------------- fix flags, pure

  @Test
  @Tag("fast")
  void theValueOfAKeyIsItsUnconstrainedEntryElseTheFirst() {
    Map<String, Object> dc =
        Map.of(
            "a", List.of(Map.of("value", true, "constraints", Map.of())),
            "b",
                List.of(
                    Map.of("value", 1, "constraints", Map.of("namespace", "x")),
                    Map.of("value", 2)),
            "c", List.of(Map.of("value", "first", "constraints", Map.of("namespace", "x"))),
            "d", List.of(),
            "e", "not a list");
    var got = Server.configured(dc);
    assertEquals(Map.of("a", true, "b", 2, "c", "first"), got, "d and e carry no value");
    assertTrue(Server.configured(null).isEmpty());
  }

  @Test
  @Tag("fast")
  void theKeysTheReleaseDoesNotRegisterAreReadFromItsOwnValidation() {
    // The lines `temporal-server validate-dynamic-config FILE` prints (go.temporal.io/server
    // cmd/server/main.go).
    String out =
        "/tmp/dc.yaml\n"
            + "  warning: unregistered key \"frontend.enablematchingfanoutforpollcancellation\"\n"
            + "  warning: validation failed: key \"x\" value 3: bad\n"
            + "  warning: unregistered key \"other.key\"\n";
    assertEquals(
        Set.of("frontend.enablematchingfanoutforpollcancellation", "other.key"),
        Server.unregistered(out));
    assertTrue(
        Server.unregistered("/tmp/dc.yaml\n").isEmpty(),
        "a release that knows every key warns about none");
    assertTrue(Server.unregistered(null).isEmpty());
  }

  @Test
  @Tag("fast")
  void aKeyTheServerDoesNotRegisterIsNotInForce() {
    Map<String, Object> configured = new java.util.LinkedHashMap<>();
    configured.put(Server.CANCEL_POLLS, true);
    configured.put(Server.FAN_OUT, true);
    assertEquals(
        Map.of(Server.CANCEL_POLLS, true),
        Server.inForce(configured, Set.of(Server.FAN_OUT)),
        "server 1.31 has no fan-out flag");
    assertEquals(configured, Server.inForce(configured, Set.of()), "server 1.32 has both");
    assertEquals(2, configured.size(), "the input is not changed");
  }

  @Test
  @Tag("fast")
  void serverJsonIsWrittenAndReadByName() throws Exception {
    Path dir = Files.createTempDirectory("server-json");
    assertNull(Server.read(dir), "no server.json: an older run, or --address");
    var s =
        new Server(
            "cluster",
            "1.32.2",
            "postgresql 15.18",
            true,
            Map.of(Server.CANCEL_POLLS, true),
            List.of(),
            List.of("frontend", "history"));
    s.write(dir);
    String json = Files.readString(dir.resolve(Server.FILE));
    for (String field :
        List.of(
            "\"server_kind\"",
            "\"server_version\"",
            "\"persistence\"",
            "\"poll_complete_on_shutdown\"",
            "\"flags\"",
            "\"flags_not_registered\"")) assertTrue(json.contains(field), field + " in " + json);
    assertEquals(s, Server.read(dir));
  }

  @Test
  @Tag("fast")
  void theClusterOptionsRefuseBadInputInOneLine() throws Exception {
    for (String[] args :
        List.of(
            new String[] {"temporal", "--cluster", "latest"},
                new String[] {"temporal", "--cluster", "1.32.2", "--sweep"},
            new String[] {"temporal", "--cluster", "1.32.2", "--address", "localhost:1"},
                new String[] {"temporal", "--fan-out", "on"},
            new String[] {"temporal", "--cluster", "1.32.2", "--fan-out", "maybe"},
                new String[] {
                  "temporal", "--cluster", "1.32.2", "--fan-out", "on", "--server-fix", "off"
                },
            new String[] {"temporal", "--cluster-versions", "1.32.2"},
                new String[] {"temporal", "--matrix", "--cluster-versions", "1.32"})) {
      Reproduce.assertRefused(args);
    }
  }

  @Test
  @Tag("fast")
  void aReleaseTheProxyDoesNotServeIsOneErrorLineNamingTheServedOnes() throws Exception {
    Process p = new ProcessBuilder("tools/build-temporal-server.sh", "1.0.99").start();
    String err = new String(p.getErrorStream().readAllBytes()).trim();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    int rc = p.waitFor();
    Assumptions.assumeFalse(err.contains("Go is needed"), "no Go here: the build cannot be asked");
    assertEquals(2, rc, err);
    var errors = err.lines().filter(l -> l.startsWith("error:")).toList();
    assertEquals(1, errors.size(), err);
    Assumptions.assumeFalse(
        errors.get(0).startsWith("error: cannot download"),
        "the Go module proxy did not answer here: " + errors.get(0));
    assertTrue(
        errors.get(0).contains("1.0.99") && errors.get(0).matches(".*it lists: v1\\.\\d+\\.\\d+.*"),
        errors.get(0));
    assertEquals("", out);
  }

  // ------------------------------------------------------------------------------------ end to end

  /** The release tests/run.sh built into the cache for these tests. */
  static String version() {
    String v = System.getenv("TEMPORAL_CLUSTER_TEST_VERSION");
    Assumptions.assumeTrue(
        v != null && !v.isBlank(),
        "TEMPORAL_CLUSTER_TEST_VERSION is not set: tests/run.sh builds the server and sets it");
    return v;
  }

  static boolean listening(int port) {
    try (var s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  @Tag("e2e")
  void aClusterRunWithTheFixOffAndOnAccountsForEveryWorkflowAndSaysWhatRan() throws Exception {
    String v = version();
    int workflows = 20;
    var run =
        Reproduce.run(
            "temporal",
            "--cluster",
            v,
            "--workflows",
            "" + workflows,
            "--interval",
            "0.5",
            "--activity-timeout",
            "5");
    assertEquals(0, run.exit(), "the cluster run failed");
    Path dir = run.summary().getParent();
    for (String label : List.of("bug", "fix")) {
      Path cell = dir.resolve(label);
      Loss.Summary s =
          Cli.JSON.readValue(cell.resolve("summary.json").toFile(), Loss.Summary.class);
      assertNull(s.incomplete(), label + ": " + s.incomplete());
      assertEquals(workflows, s.started(), label);
      assertEquals(0, s.running(), label + ": nothing still running");
      assertEquals(
          workflows,
          s.completed() + s.lost() + s.failedOther(),
          label + ": every workflow accounted for");
      var ver = s.versions();
      assertEquals(
          v, ver.serverVersion(), label + ": GetSystemInfo's version is the release built");
      assertEquals("cluster", ver.serverKind(), label);
      assertTrue(
          ver.persistence() != null && ver.persistence().startsWith("postgresql "),
          label + ": " + ver.persistence());
      boolean fix = label.equals("fix");
      assertEquals(fix, ver.flags().get(Server.CANCEL_POLLS), label + ": the fix flag in force");
      assertEquals(fix, ver.pollCompleteOnShutdown(), label + ": the capability advertised");
      assertEquals(fix ? "fix" : "bug", s.mode());
      // The services really were separate processes: one log each, two matching nodes.
      Path logs = dir.resolve("cluster-" + v + "-" + (fix ? "on" : "off"));
      for (String svc :
          List.of("frontend", "history", "matching-1", "matching-2", "worker", "postgresql"))
        assertTrue(Files.size(logs.resolve(svc + ".log")) > 0, svc + " logged to " + logs);
    }
    // Nothing left listening: the frontend ports and the cluster's own block.
    int off = Reproduce.portOffset();
    for (int port :
        new int[] {
          7233 + off,
          7235 + off,
          7250 + off,
          7251 + off,
          7253 + off,
          7255 + off,
          7257 + off,
          7270 + off
        }) assertFalse(listening(port), "port " + port + " still listening after the run");
    assertFalse(
        Files.exists(Reproduce.state().resolve("cluster.datadir")),
        "no data folder left to forget");
    var folders =
        run.stderr().stream()
            .map(
                l ->
                    java.util.regex.Pattern.compile(
                            "fresh data folder (/tmp/durable-kit-cluster\\.[A-Za-z0-9]+)/data")
                        .matcher(l))
            .filter(java.util.regex.Matcher::find)
            .map(m -> Path.of(m.group(1)))
            .toList();
    assertEquals(2, folders.size(), "one fresh PostgreSQL data folder per cluster");
    for (Path f : folders) assertFalse(Files.exists(f), f + " removed when its PostgreSQL stopped");
  }
}

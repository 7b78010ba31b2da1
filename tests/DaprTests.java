// Dapr half of the kit. "fast": DaprApp's HTTP routes and bad input, in-process, no sidecar.
// "e2e": ./reproduce_issue.sh on the real local stack (Redis, placement, scheduler, daprd), with short
// timings, checked against the app's own log as well as its /stats.

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

public class DaprTests {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static HttpResponse<String> call(String method, String url, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json");
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()) : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Tag("fast")
  void routesAnswerAndBadInputIsA400WithOneLine() throws Exception {
    Javalin app = DaprApp.routes(Javalin.create()).start("127.0.0.1", 0);
    String base = "http://127.0.0.1:" + app.port();
    try {
      JsonNode root = DaprApp.JSON.readTree(call("GET", base + "/", null).body());
      assertTrue(root.path("endpoints").has("POST /workflow/hello"), root.toString());
      JsonNode health = DaprApp.JSON.readTree(call("GET", base + "/health", null).body());
      assertEquals("healthy", health.path("status").asText());
      assertTrue(health.has("message") && health.has("timestamp"), health.toString());

      for (String bad : List.of("{not json", "[1,2]", "{\"instance_id\": 5}", "{\"instance_id\": \"\"}")) {
        var r = call("POST", base + "/workflow/hello", bad);
        assertEquals(400, r.statusCode(), bad + " -> " + r.body());
        String err = DaprApp.JSON.readTree(r.body()).path("error").asText();
        assertTrue(err.startsWith("malformed request") && !err.contains("\n"), err);
      }
      // No workflow runtime behind it: scheduling fails with a 500 that says why.
      var r = call("POST", base + "/workflow/hello", "{\"instance_id\": \"x\"}");
      assertEquals(500, r.statusCode());
      assertTrue(r.body().contains("failed to schedule"), r.body());

      DaprApp.STATS.record("inst-1", false);
      DaprApp.STATS.record("inst-1", true);
      JsonNode stats = DaprApp.JSON.readTree(call("GET", base + "/stats", null).body());
      assertTrue(stats.path("total_executions").asLong() >= 2);
      assertEquals(2, stats.path("per_instance").path("inst-1").path("executions").asLong());
      assertEquals(1, stats.path("per_instance").path("inst-1").path("orphaned").asLong());
    } finally {
      app.stop();
    }
  }

  // -------------------------------------------------------------------------------------- e2e

  static JsonNode reproduce(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("./reproduce_issue.sh"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
        if (!line.startsWith("time=")) System.out.println("     | " + line);
      }
    }
    assertEquals(0, p.waitFor(), "reproduce_issue.sh " + String.join(" ", args) + " failed");
    Path summary = Path.of(lines.get(lines.size() - 1));
    assertTrue(summary.endsWith("summary.json"), "last line is the summary's path: " + summary);
    return DaprApp.JSON.readTree(summary.toFile());
  }

  static void down() throws Exception {
    Process p = new ProcessBuilder("./reproduce_issue.sh", "--down").inheritIO().start();
    assertEquals(0, p.waitFor());
    for (int port : new int[] {8999, 3500, 50001, 6380, 50005, 50006}) {
      try (var s = new java.net.Socket("127.0.0.1", port)) {
        fail("port " + port + " still listening after --down");
      } catch (java.io.IOException expected) {
      }
    }
  }

  /** The seed's illustration: kill Redis and the sidecar, restart them, count what runs without state. */
  @Test
  @Tag("e2e")
  void afterKillingRedisAndTheSidecarOrphanedActivitiesKeepRunning() throws Exception {
    try {
      JsonNode s = reproduce("--wait-before-kill", "15", "--outage", "3", "--observe", "24", "--activity-seconds", "3");
      assertEquals(0, s.path("orphaned_before_loss").asInt(), "nothing is orphaned while the state is there");
      assertFalse(s.path("instance_found_after_loss").asBoolean(), "the sidecar no longer knows the instance");
      assertTrue(s.path("orphaned_executions").asInt() > 3, "orphaned executions keep arriving: " + s);
      assertTrue(s.path("orphaned_in_last_third").asInt() > 0, "and are still arriving at the end: " + s);
      assertEquals("loops", s.path("verdict").asText());
      assertTrue(s.path("dapr_version").asText().startsWith("1.15."), s.path("dapr_version").asText());
      // Independent of /stats: the app's own log has a line per orphaned execution.
      Path appLog = Path.of("results").resolve(runOf(s)).resolve("app.log");
      long lines = Files.readAllLines(appLog).stream().filter(l -> l.startsWith("No workflow state found for " + s.path("instance_id").asText())).count();
      assertTrue(lines >= s.path("orphaned_executions").asInt(), "app.log has " + lines + " orphan lines");
    } finally {
      down();
    }
  }

  /** The production path: a TTL shorter than the workflow, no restart at all. */
  @Test
  @Tag("e2e")
  void withAShortTtlActivitiesRunWithoutTheirWorkflowState() throws Exception {
    try {
      JsonNode s = reproduce("--mode", "ttl", "--ttl", "2", "--observe", "15", "--activity-seconds", "4");
      assertEquals("ttl", s.path("mode").asText());
      assertFalse(s.path("instance_found_after_loss").asBoolean(), "the instance's state expired");
      assertTrue(s.path("orphaned_executions").asInt() > 0, "activities ran although their workflow was not found: " + s);
    } finally {
      down();
    }
  }

  static String runOf(JsonNode s) {
    // instance ids are hello-world-<run id>-<n>
    String id = s.path("instance_id").asText();
    return id.substring("hello-world-".length(), id.lastIndexOf('-'));
  }
}

// docker-compose.yml cannot be run here (no Docker engine), so test what can be: it parses, each stack
// has its profile, and every name, port, version and command the scripts rely on is there.

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

public class ComposeTests {
  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> services() throws Exception {
    Map<String, Object> doc = new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
    return (Map<String, Map<String, Object>>) doc.get("services");
  }

  static String text(Object o) {
    return String.valueOf(o);
  }

  @Test
  @Tag("fast")
  void bothStacksAreThereUnderTheirOwnProfilesWithPinnedImages() throws Exception {
    var services = services();
    for (String s : List.of("postgresql", "temporal", "temporal-ui")) assertEquals(List.of("temporal"), services.get(s).get("profiles"), s);
    for (String s : List.of("app", "redis", "dapr-placement", "dapr-scheduler", "dapr")) assertEquals(List.of("dapr"), services.get(s).get("profiles"), s);
    services.forEach((name, svc) -> {
      String image = text(svc.get("image"));
      assertTrue(image.matches("[a-z0-9./_-]+:[0-9][0-9A-Za-z.+_-]*"), name + " pins a version: " + image);
    });
    for (String s : List.of("dapr", "dapr-placement", "dapr-scheduler")) assertTrue(text(services.get(s).get("image")).endsWith(":1.15.8"), s + " is the report's Dapr 1.15.8");
    assertTrue(text(services.get("redis").get("image")).startsWith("redis:7"), "Redis 7");
  }

  @Test
  @Tag("fast")
  void portsAndNamesMatchWhatTheScriptsUseByDefault() throws Exception {
    var services = services();
    assertTrue(text(services.get("temporal").get("ports")).contains("7233:7233"), "gRPC on 7233, WorkflowWorker's default");
    assertTrue(text(services.get("temporal-ui").get("ports")).contains("8080:8080"), "web UI on 8080");
    String appPorts = text(services.get("app").get("ports"));
    for (String p : List.of("8999:8999", "3500:3500", "50001:50001")) assertTrue(appPorts.contains(p), "app publishes " + p);
    // The sidecar and Redis share the app's network namespace: the component's localhost:6380 holds.
    assertEquals("service:app", services.get("dapr").get("network_mode"));
    assertEquals("service:app", services.get("redis").get("network_mode"));
    assertTrue(text(services.get("redis").get("command")).contains("6380"));
    assertTrue(Files.readString(Path.of("dapr/components/statestore.yaml")).contains("localhost:6380"));
    String daprd = text(services.get("dapr").get("command"));
    for (String flag : List.of("--app-id=hello-app", "--app-port=8999", "--dapr-grpc-port=50001", "--dapr-http-port=3500",
        "--placement-host-address=dapr-placement:50005", "--scheduler-host-address=dapr-scheduler:50006", "--resources-path=/dapr/components"))
      assertTrue(daprd.contains(flag), "daprd " + flag);
    assertTrue(text(services.get("dapr").get("volumes")).contains("./dapr:/dapr"), "the kit's dapr/ folder is mounted");
    assertTrue(text(services.get("app").get("command")).contains("DaprApp.jar"), "the app runs the jar built from DaprApp.java");
  }

  @Test
  @Tag("fast")
  void dockerComposeConfigAcceptsItWhereTheClientExists() throws Exception {
    Process probe;
    try {
      probe = new ProcessBuilder("docker", "compose", "version").redirectErrorStream(true).start();
    } catch (java.io.IOException noDocker) {
      System.out.println("     (no docker client: only the parse checks apply)");
      return;
    }
    if (!probe.waitFor(20, TimeUnit.SECONDS) || probe.exitValue() != 0) {
      System.out.println("     (no docker compose plugin: only the parse checks apply)");
      return;
    }
    Process p = new ProcessBuilder("docker", "compose", "--profile", "temporal", "--profile", "dapr", "config", "--quiet").inheritIO().start();
    assertEquals(0, p.waitFor(), "docker compose config rejects docker-compose.yml");
  }
}

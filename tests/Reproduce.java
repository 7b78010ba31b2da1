// Runs ./reproduce_issue.sh as a user would, for the end-to-end tests: its progress (stderr) is
// shown indented as it comes; its stdout's last line is the summary path it claims.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public final class Reproduce {
  private Reproduce() {}

  public record Result(int exit, Path summary, List<String> stderr) {}

  /** ./reproduce_issue.sh ARGS, as a command line. */
  static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of("./reproduce_issue.sh"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  public static Result run(String... args) throws Exception {
    List<String> cmd = command(args);
    System.out.println("     $ " + String.join(" ", cmd));
    Process p = new ProcessBuilder(cmd).start();
    List<String> err = new ArrayList<>();
    Thread pump =
        new Thread(
            () -> {
              try (var r = new BufferedReader(new InputStreamReader(p.getErrorStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                  synchronized (err) {
                    err.add(line);
                  }
                  if (!line.startsWith("time=")) System.out.println("     | " + line);
                }
              } catch (java.io.IOException ignored) {
                // the process ended
              }
            });
    pump.start();
    List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
    int rc = p.waitFor();
    pump.join();
    return new Result(rc, out.isEmpty() ? null : Path.of(out.get(out.size() - 1)), err);
  }

  /**
   * ./reproduce_issue.sh ARGS refuses them as the kit refuses bad input: exit 2, one line on stderr
   * and it an error line, nothing on stdout (no summary path is claimed).
   */
  public static void assertRefused(String... args) throws Exception {
    Process p = new ProcessBuilder(command(args)).start();
    String err = new String(p.getErrorStream().readAllBytes()).trim();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    String what = String.join(" ", args) + ": " + err;
    assertEquals(2, p.waitFor(), what);
    assertEquals(1, err.lines().count(), what);
    assertTrue(err.startsWith("error: "), err);
    assertEquals("", out, "nothing on stdout: no summary path is claimed");
  }

  /** The kit's state folder (locks, pidfiles), as kit/procs.sh finds it. */
  public static Path state() {
    String state = System.getenv("DURABLE_KIT_STATE");
    if (state != null && !state.isBlank()) return Path.of(state);
    String cache = System.getenv("DURABLE_KIT_CACHE");
    if (cache == null || cache.isBlank()) {
      String xdg = System.getenv("XDG_CACHE_HOME");
      cache =
          (xdg == null || xdg.isBlank() ? System.getProperty("user.home") + "/.cache" : xdg)
              + "/durable-bugs-kit";
    }
    int off = portOffset();
    return Path.of(cache, off == 0 ? "state" : "state-" + off);
  }

  /**
   * DURABLE_KIT_PORT_OFFSET, as kit/procs.sh reads it: every port of the local stacks moves up by
   * it.
   */
  public static int portOffset() {
    String off = System.getenv("DURABLE_KIT_PORT_OFFSET");
    return off == null || off.isBlank() ? 0 : Integer.parseInt(off.trim());
  }

  /** A default port of the kit's local stacks, moved by DURABLE_KIT_PORT_OFFSET. */
  public static int port(int base) {
    return base + portOffset();
  }

  /**
   * ./reproduce_issue.sh temporal --down: a plain Temporal run leaves its dev servers (and UI) up
   * for inspection.
   */
  public static void temporalDown() throws Exception {
    Process p =
        new ProcessBuilder("./reproduce_issue.sh", "temporal", "--down").inheritIO().start();
    if (p.waitFor() != 0) throw new AssertionError("temporal --down failed");
  }

  /**
   * The ports of the local Dapr stack, as kit/dapr.sh defines them (after DURABLE_KIT_PORT_OFFSET),
   * never a copy.
   */
  public static List<Integer> daprPorts() throws Exception {
    Process p =
        new ProcessBuilder(
                "bash",
                "-c",
                "KIT=$PWD; KIT_SCRIPT_NAME=test; source kit/procs.sh; source kit/dapr.sh; echo"
                    + " $APP_PORT $DAPR_HTTP $DAPR_GRPC $REDIS_PORT $PLACEMENT_PORT $SCHEDULER_PORT"
                    + " $DAPR_METRICS_PORT $ETCD_PORT $PLACEMENT_HEALTH_PORT"
                    + " $PLACEMENT_METRICS_PORT $SCHEDULER_HEALTH_PORT $SCHEDULER_METRICS_PORT"
                    + " $PLACEMENT_RAFT_PORT $ETCD_HTTP_PORT")
            .start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    if (p.waitFor() != 0 || !out.matches("[0-9]+( [0-9]+){13}"))
      throw new AssertionError("cannot read the ports from kit/dapr.sh: '" + out + "'");
    return java.util.Arrays.stream(out.split(" ")).map(Integer::valueOf).toList();
  }

  /** ./reproduce_issue.sh --down, then every port of the Dapr stack must be free. */
  public static void down() throws Exception {
    Process p = new ProcessBuilder("./reproduce_issue.sh", "--down").inheritIO().start();
    if (p.waitFor() != 0) throw new AssertionError("--down failed");
    for (int port : daprPorts()) {
      try (var s = new java.net.Socket("127.0.0.1", port)) {
        throw new AssertionError("port " + port + " still listening after --down");
      } catch (java.io.IOException expected) {
        // free
      }
    }
  }
}

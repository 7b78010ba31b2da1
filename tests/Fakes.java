// Real processes standing in for the engines and the kit's roles, for the fast tests of the
// orchestration (kit/procs.sh and the scripts that source it): bash with the kit's process control
// sourced and a state folder of its own, pidfile lines that name a live process the way
// kit/procs.sh records one, and the clean-up of whatever such a test started.

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

public final class Fakes {
  private Fakes() {}

  /** What every kit script does first: strict bash, then kit/procs.sh. */
  public static final String PRELUDE =
      "set -euo pipefail; KIT=$PWD; KIT_SCRIPT_NAME=test; source kit/procs.sh; ";

  /**
   * bash running SCRIPT after the PRELUDE, with STATE as its state folder (lock, pidfiles), so that
   * a test never meets the state of a real run or of another test.
   */
  public static ProcessBuilder kitBash(Path state, String script) {
    var pb = new ProcessBuilder("bash", "-c", PRELUDE + script);
    pb.environment().put("DURABLE_KIT_STATE", state.toString());
    return pb;
  }

  /** The first line P printed on stdout, read byte by byte so that nothing after it is consumed. */
  public static String firstLine(Process p) throws IOException {
    InputStream in = p.getInputStream();
    var line = new StringBuilder();
    for (int c; (c = in.read()) != -1 && c != '\n'; ) line.append((char) c);
    return line.toString();
  }

  /**
   * A pidfile line for P as kit/procs.sh writes one: role, pid and the start time the kernel gives
   * (field 22 of /proc/PID/stat), which is how --down proves a pid is still the process it started.
   */
  public static String pidfileLine(String role, Process p) throws IOException {
    String st =
        Files.readString(Path.of("/proc/" + p.pid() + "/stat"))
            .replaceFirst("^.*\\) ", "")
            .split(" ")[19];
    return role + " " + p.pid() + " " + st + "\n";
  }

  /** Kills P and every process it started (a bash test script leaves its sleeps behind). */
  public static void stopTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }
}

// The original kit (tysonmote/temporal-worker-restart), as the benchmark meets it: a checkout the
// user gives, recognised by its own files; a throw-away copy of it, outside this repository, in
// which only the server address, the task queues and the workflow-id prefix are changed (its
// scripts take them as constants); and its chaos worker's own log lines, read back as typed
// records. Pure functions: no RPC, no process.
//
// The original's code is never copied into this repository: README says how a user gets it
// (git clone https://github.com/tysonmote/temporal-worker-restart).

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class Original {
  private Original() {}

  public static final String HOME = "https://github.com/tysonmote/temporal-worker-restart";
  static final List<String> SCRIPTS =
      List.of("activity_worker.py", "start_workflows.py", "workflow_worker.py", "workflows.py");

  /**
   * What the run gives the original: where the server is, and this run's own queues and workflow
   * ids.
   */
  public record Target(
      String address, String workflowQueue, String activityQueue, String idPrefix) {}

  /**
   * One constant of the original's scripts: where it is, what it reads, and what the run puts
   * there.
   */
  record Edit(String file, String text, java.util.function.Function<Target, String> with) {}

  /**
   * Every edit, each of a text that must occur exactly once in its file: a checkout where one is
   * missing or doubled is not the original this benchmark knows, and says so, rather than running
   * something else.
   */
  static final List<Edit> EDITS =
      List.of(
          new Edit(
              "activity_worker.py",
              "Client.connect(\"localhost:7233\")",
              t -> "Client.connect(\"" + t.address() + "\")"),
          new Edit(
              "activity_worker.py",
              "task_queue=\"activities\"",
              t -> "task_queue=\"" + t.activityQueue() + "\""),
          new Edit(
              "start_workflows.py",
              "Client.connect(\"localhost:7233\")",
              t -> "Client.connect(\"" + t.address() + "\")"),
          new Edit(
              "start_workflows.py",
              "f\"simple-workflow-{i}\"",
              t -> "f\"" + t.idPrefix() + "{i}\""),
          new Edit(
              "start_workflows.py",
              "task_queue=\"workflows\"",
              t -> "task_queue=\"" + t.workflowQueue() + "\""),
          new Edit(
              "workflow_worker.py",
              "Client.connect(\"localhost:7233\")",
              t -> "Client.connect(\"" + t.address() + "\")"),
          new Edit(
              "workflow_worker.py",
              "task_queue=\"workflows\"",
              t -> "task_queue=\"" + t.workflowQueue() + "\""),
          new Edit(
              "workflows.py",
              "\"task_queue\": \"activities\"",
              t -> "\"task_queue\": \"" + t.activityQueue() + "\""));

  /**
   * Its pinned SDK: the requirement line of requirements.txt, and the exact version installed for
   * it.
   */
  public record Pin(String requirement, String version) {
    public String pipSpec() {
      return "temporalio==" + version;
    }
  }

  /**
   * The checkout is the original (its four scripts, each constant where it was, its requirement),
   * or one line why not.
   */
  public static Pin check(Path dir) {
    if (!Files.isDirectory(dir))
      throw new Cli.Fail(
          "--original " + dir + " is not a folder (get the original with: git clone " + HOME + ")");
    Map<String, String> texts = read(dir);
    for (Edit e : EDITS) {
      int n = occurrences(texts.get(e.file()), e.text());
      if (n != 1)
        throw new Cli.Fail(
            dir
                + " is not the original kit ("
                + HOME
                + "): "
                + e.file()
                + " holds "
                + e.text()
                + " "
                + n
                + " times, not once");
    }
    Path req = dir.resolve("requirements.txt");
    String reqText;
    try {
      reqText = Files.readString(req);
    } catch (IOException e) {
      throw new Cli.Fail(dir + " is not the original kit (" + HOME + "): no requirements.txt");
    }
    return pin(reqText);
  }

  /** A temporalio release as the original's requirements.txt and --original-sdk give it. */
  static final String VERSION = "[0-9]+(?:\\.[0-9]+){1,3}";

  /**
   * The SDK the original names: `temporalio>=1.18.1` is installed as exactly 1.18.1, the version
   * the original was written and measured with (the newest one would measure another SDK); `==` is
   * taken as it is.
   */
  static Pin pin(String requirements) {
    Matcher m =
        Pattern.compile("(?m)^\\s*temporalio\\s*(==|>=|~=)\\s*(" + VERSION + ")\\s*$")
            .matcher(requirements);
    if (!m.find())
      throw new Cli.Fail(
          "the original's requirements.txt names no temporalio version (expected a line like"
              + " temporalio>=1.18.1)");
    return new Pin(m.group().trim(), m.group(2));
  }

  /**
   * Another temporalio release for the original's scripts (--original-sdk): a plain version only,
   * since it goes into a pip command line and a venv's folder name.
   */
  static Pin otherSdk(String version) {
    if (!version.matches(VERSION))
      throw new Cli.Fail(
          "--original-sdk takes a temporalio version like 1.35.0, got '" + version + "'");
    return new Pin("--original-sdk " + version, version);
  }

  /**
   * The run's copy of the original, with this run's address, queues and id prefix: each edit made
   * exactly once.
   */
  public static Map<String, String> patched(Map<String, String> texts, Target t) {
    for (String v : List.of(t.address(), t.workflowQueue(), t.activityQueue(), t.idPrefix())) {
      if (!v.matches("[A-Za-z0-9._:-]{1,200}"))
        throw new Cli.Fail(
            "a value put into the original's scripts may hold only letters, digits, '.', '_', ':'"
                + " and '-', got '"
                + v
                + "'");
    }
    Map<String, String> out = new LinkedHashMap<>(texts);
    for (Edit e : EDITS) {
      String s = out.get(e.file());
      if (occurrences(s, e.text()) != 1)
        throw new Cli.Fail(
            e.file() + " holds " + e.text() + " " + occurrences(s, e.text()) + " times, not once");
      out.put(e.file(), s.replace(e.text(), e.with().apply(t)));
    }
    return out;
  }

  static Map<String, String> read(Path dir) {
    Map<String, String> texts = new LinkedHashMap<>();
    for (String f : SCRIPTS) {
      try {
        texts.put(f, Files.readString(dir.resolve(f)));
      } catch (IOException e) {
        throw new Cli.Fail(dir + " is not the original kit (" + HOME + "): no " + f);
      }
    }
    return texts;
  }

  /**
   * Writes the patched copy into TO (a folder outside the repository) and returns what it wrote.
   */
  public static List<Path> copy(Path from, Path to, Target t) {
    check(from);
    List<Path> written = new ArrayList<>();
    patched(read(from), t)
        .forEach(
            (f, text) -> {
              Path p = to.resolve(f);
              Cli.writeFile(p, text);
              written.add(p);
            });
    return written;
  }

  static int occurrences(String s, String sub) {
    int n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
    return n;
  }

  // --------------------------------------------------------------------------- its chaos worker's
  // log

  /**
   * One incarnation of one of the original's chaos workers, from its own three log lines: "Worker
   * starting", "Worker shutdown() called" and "Worker shutdown() returned (took S s)". Times are
   * epoch ms; a null shutdown is an incarnation the run's end cut short. `pid` is the process,
   * where its log says (-n > 1).
   */
  public record Incarnation(
      int worker,
      int restart,
      Long pid,
      long startMs,
      Long shutdownBeginMs,
      Long shutdownEndMs,
      Double tookSeconds) {
    public boolean shutDown() {
      return shutdownBeginMs != null && shutdownEndMs != null;
    }

    /**
     * The shutdown as the original itself timed it (time.time() around worker.shutdown()), in ms.
     */
    public Long shutdownMs() {
      if (tookSeconds != null) return Math.round(tookSeconds * 1000);
      return shutDown() ? Long.valueOf(shutdownEndMs - shutdownBeginMs) : null;
    }
  }

  // "%(asctime)s.%(msecs)03d - [Worker k] [Restart #r] Worker starting (...)", asctime as
  // "%H:%M:%S".
  static final Pattern LINE =
      Pattern.compile(
          "^(\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3}) - (?:\\[Worker (\\d+)\\] )?\\[Restart #(\\d+)\\]"
              + " Worker (starting|shutdown\\(\\) called|shutdown\\(\\) returned \\(took"
              + " ([0-9.]+)s\\))");
  static final Pattern PROCESS = Pattern.compile("Started worker process (\\d+) \\(PID: (\\d+)\\)");

  /**
   * The incarnations in the original chaos worker's log, which the benchmark runs with TZ=UTC so
   * that its times of day (it logs no date) are UTC. Each is put on the day that brings it nearest
   * to REF (the run's start), so a run across midnight still reads right.
   */
  public static List<Incarnation> incarnations(List<String> lines, long refMs) {
    Map<Integer, Long> pids = new java.util.HashMap<>();
    Map<String, long[]> times =
        new LinkedHashMap<>(); // worker/restart -> start, begin, end (-1: none)
    Map<String, Double> took = new java.util.HashMap<>();
    for (String line : lines) {
      Matcher p = PROCESS.matcher(line);
      if (p.find()) pids.put(Integer.parseInt(p.group(1)), Long.parseLong(p.group(2)));
      Matcher m = LINE.matcher(line);
      if (!m.find()) continue;
      long ms =
          epochMs(
              LocalTime.of(
                  Integer.parseInt(m.group(1)),
                  Integer.parseInt(m.group(2)),
                  Integer.parseInt(m.group(3)),
                  Integer.parseInt(m.group(4)) * 1_000_000),
              refMs);
      int worker = m.group(5) == null ? 1 : Integer.parseInt(m.group(5));
      String key = worker + "/" + m.group(6);
      long[] t = times.computeIfAbsent(key, k -> new long[] {-1, -1, -1});
      if (m.group(7).equals("starting")) t[0] = ms;
      else if (m.group(7).startsWith("shutdown() called")) t[1] = ms;
      else {
        t[2] = ms;
        took.put(key, Double.parseDouble(m.group(8)));
      }
    }
    List<Incarnation> out = new ArrayList<>();
    times.forEach(
        (key, t) -> {
          if (t[0] < 0)
            return; // its start line is not in the log (a log cut at the front): nothing to place
          // it by
          String[] wr = key.split("/");
          int worker = Integer.parseInt(wr[0]);
          out.add(
              new Incarnation(
                  worker,
                  Integer.parseInt(wr[1]),
                  pids.get(worker),
                  t[0],
                  t[1] < 0 ? null : t[1],
                  t[2] < 0 ? null : t[2],
                  took.get(key)));
        });
    return out;
  }

  static long epochMs(LocalTime time, long refMs) {
    LocalDate day = Instant.ofEpochMilli(refMs).atZone(ZoneOffset.UTC).toLocalDate();
    long best = 0, bestDistance = Long.MAX_VALUE;
    for (int d = -1; d <= 1; d++) {
      long ms = day.plusDays(d).atTime(time).toInstant(ZoneOffset.UTC).toEpochMilli();
      if (Math.abs(ms - refMs) < bestDistance) {
        best = ms;
        bestDistance = Math.abs(ms - refMs);
      }
    }
    return best;
  }

  /**
   * The incarnation a task handed over at AT went to. The Python SDK's identity is "pid@host" for
   * every incarnation of a process, so within a process the incarnation is the last one started at
   * or before AT.
   */
  public static Incarnation handedTo(List<Incarnation> incs, Long pid, long atMs) {
    Incarnation best = null;
    for (Incarnation i : incs) {
      if (pid != null && i.pid() != null && !pid.equals(i.pid())) continue;
      if (i.startMs() <= atMs && (best == null || i.startMs() > best.startMs())) best = i;
    }
    return best;
  }
}

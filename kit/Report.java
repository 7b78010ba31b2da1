///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3
//DEPS org.slf4j:slf4j-simple:2.0.17
//DEPS org.knowm.xchart:xchart:3.8.8
//SOURCES Cli.java Events.java Loss.java Wire.java Charts.java Tables.java

// Turns the Temporal runs' summary.json files into what the seed printed by hand: the bug next to
// the fix, the loss-rate tables by restart interval with a 95% interval each, the version matrix,
// the shutdown-hang table and the benchmark figures. Reads only typed records; writes Markdown,
// CSV, PNG.

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "Report",
    mixinStandardHelpOptions = true,
    subcommands = {
      Report.Compare.class,
      Report.Sweep.class,
      Report.Matrix.class,
      Report.MatrixCell.class,
      Report.HangCases.class,
      Report.Benchmark.class
    },
    description = "Summaries of several Temporal runs side by side (reproduce_issue.sh calls it).")
public class Report implements Callable<Integer> {
  public static void main(String[] args) {
    Cli.quietLogging();
    System.exit(Cli.run(new Report(), args));
  }

  @Override
  public Integer call() {
    throw new Cli.Fail(
        "name a subcommand: compare, sweep, matrix, hang-cases or benchmark (see --help)");
  }

  /** The seed's figures (the original Python kit, 1,000 workflows, on its own machine). */
  static final Map<Integer, Map<Double, String>> SEED =
      Map.of(
          1,
              Map.of(
                  0.1, "2.6%", 0.25, "1.3%", 0.5, "1.0%", 1.0, "0.8%", 2.0, "0.1%", 4.0, "0.1%",
                  8.0, "0.1%"),
          10,
              Map.of(
                  0.1, "4.2%", 0.25, "1.5%", 0.5, "0.9%", 1.0, "0.6%", 2.0, "0.1%", 4.0, "0.2%",
                  8.0, "0.1%"));

  static String seed(Integer workers, Double interval) {
    return workers == null || interval == null
        ? "-"
        : SEED.getOrDefault(workers, Map.of()).getOrDefault(interval, "-");
  }

  // ---------------------------------------------------------------------------------- rendering

  public static String rate(Loss.Summary s) {
    if (s.lostPct() == null) return "not measured (incomplete)";
    return String.format(
        "%.2f%% (%.2f-%.2f)", s.lostPct(), s.lostPctCi95().get(0), s.lostPctCi95().get(1));
  }

  static String modeLine(Loss.Summary s) {
    Boolean fix = s.versions() == null ? null : s.versions().pollCompleteOnShutdown();
    return fix == null ? "unknown (server did not answer)" : fix ? "ON: the fix" : "off: the bug";
  }

  /** The one run's accounting, as printed at the end of StartWorkflows --wait. */
  public static String render(Loss.Summary s) {
    StringBuilder sb = new StringBuilder();
    var v = s.versions();
    sb.append(
        String.format(
            "Accounting for run %s (server %s, SDK %s, graceful poll shutdown %s)%n",
            s.runId(),
            v == null || v.serverVersion() == null ? "unknown" : v.serverVersion(),
            v == null ? "?" : v.workerSdkVersion() != null ? v.workerSdkVersion() : v.sdkVersion(),
            modeLine(s)));
    sb.append(
        String.format(
            "  started       %6d%n  completed     %6d%n  lost          %6d%n  failed other  %6d%n "
                + " still running %6d%n",
            s.started(), s.completed(), s.lost(), s.failedOther(), s.running()));
    var r = s.restarts();
    sb.append(
        String.format(
            "  lost %s at %s s restart interval, %s worker(s); %d restarts while work was"
                + " queued%s%n",
            rate(s),
            s.setup().interval() == null ? "?" : s.setup().interval(),
            s.setup().workers() == null ? "?" : s.setup().workers(),
            r == null ? 0 : r.whileWorkQueued(),
            r == null || r.lostPerRestart() == null
                ? ""
                : String.format(", %.3f lost per restart", r.lostPerRestart())));
    for (Loss.Explained l : s.lostTasks()) {
      var inc = l.incarnation();
      sb.append(
          String.format(
              "  LOST %s: handed to %s %s, then timed out start-to-close%s%n",
              l.workflowId(),
              l.handover().identity(),
              inc != null
                  ? signedMs(inc.msFromShutdownBegin()) + " its shutdown began"
                  : "(no restart record for that identity)",
              l.wire() == null ? "" : "; " + l.wire().describe()));
    }
    if (s.lostWhere() != null && s.lost() > 0)
      sb.append("  ").append(lostWhereLine(s.lostWhere())).append('\n');
    if (s.wire() != null)
      sb.append("  ").append(shutdownWorkerLine(s.wire().shutdownWorker())).append('\n');
    int shown = 0;
    for (Loss.Explained o : s.failedOtherDetails()) {
      if (shown++ == 20) {
        sb.append("  ... more in summary.json\n");
        break;
      }
      sb.append(String.format("  OTHER %s: %s%n", o.workflowId(), o.reason()));
    }
    if (s.incomplete() != null) sb.append("  INCOMPLETE: ").append(s.incomplete()).append('\n');
    return sb.toString();
  }

  static String lostWhereLine(Wire.LostWhere w) {
    return String.format(
        "lost where: %d never received (no poll of the incarnation returned it), %d received, not"
            + " run, %d incomplete",
        w.neverReceived(), w.receivedNotRun(), w.incomplete());
  }

  static String shutdownWorkerLine(Wire.ShutdownWorker w) {
    if (w.calls() == 0)
      return String.format("ShutdownWorker: sent by none of %d restarts", w.restarts());
    return String.format(
        "ShutdownWorker: sent by %d of %d restarts, %d calls, answered in %d ms (p50), %d ms (max);"
            + " answers %s",
        w.restartsThatSentIt(), w.restarts(), w.calls(), w.msP50(), w.msMax(), w.answers());
  }

  // ------------------------------------------------------------------------------- one run's
  // report

  /** report.md beside a run's summary.json: what a user pastes into an upstream issue. */
  public static String runReport(Loss.Summary s, String chartFile) {
    var v = s.versions();
    var setup = s.setup();
    StringBuilder md =
        new StringBuilder(
            "# Activity tasks lost on graceful worker restarts: run " + s.runId() + "\n\n");
    md.append(
        Tables.of("what", "measured")
            .row(
                "Temporal CLI (dev server)",
                v == null || v.cliVersion() == null
                    ? "none: not a dev server of this kit's CLI (--address, --cluster or Compose)"
                    : v.cliVersion())
            .row(
                "server",
                v == null || v.serverVersion() == null
                    ? "unknown (did not answer)"
                    : v.serverVersion())
            .row(
                "Java SDK of the chaos worker",
                v == null || v.workerSdkVersion() == null ? "unknown" : v.workerSdkVersion())
            .row("namespace capability workerPollCompleteOnShutdown", modeLine(s))
            .row(
                "chaos workers, restart interval",
                (setup.workers() == null ? "?" : setup.workers())
                    + " x every "
                    + (setup.interval() == null ? "?" : setup.interval())
                    + " s (±10%)")
            .row(
                "activity start-to-close timeout, sleep",
                setup.activityTimeout() + " s, " + setup.activitySleep() + " s")
            .markdown());
    md.append("\nCommand:\n\n```\n")
        .append(setup.command() == null ? "(not recorded)" : setup.command())
        .append("\n```\n\n## Result\n\n");
    var r = s.restarts();
    md.append(
        Tables.of(
                "started",
                "completed",
                "lost",
                "failed other",
                "running",
                "lost % (95% CI)",
                "restarts while work was queued",
                "lost per restart")
            .row(
                s.started(),
                s.completed(),
                s.lost(),
                s.failedOther(),
                s.running(),
                rate(s),
                r == null ? "?" : r.whileWorkQueued(),
                r == null || r.lostPerRestart() == null
                    ? "-"
                    : String.format("%.3f", r.lostPerRestart()))
            .markdown());
    if (s.incomplete() != null) md.append("\n**Incomplete:** ").append(s.incomplete()).append('\n');
    md.append(wireSection(s, chartFile));
    var e = s.environment();
    md.append("\n## Environment\n\n");
    md.append(
        e == null
            ? "not recorded\n"
            : "OS " + e.os() + ", " + e.cores() + " cores, Java " + e.java() + "\n");
    return md.toString();
  }

  /**
   * Where the lost tasks died, ShutdownWorker, the instance keys, and the first lost tasks with
   * their evidence.
   */
  private static String wireSection(Loss.Summary s, String chartFile) {
    StringBuilder md =
        new StringBuilder("\n## Where the lost tasks died (the worker's side of the wire)\n\n");
    if (s.wire() == null)
      return md.append("No wire records: the chaos worker did not record its polls.\n").toString();
    var w = s.lostWhere();
    md.append(
            Tables.of("lost", "never received", "received, not run", "incomplete")
                .row(s.lost(), w.neverReceived(), w.receivedNotRun(), w.incomplete())
                .markdown())
        .append('\n');
    md.append(shutdownWorkerLine(s.wire().shutdownWorker())).append(".\n\n");
    var k = s.wire().instanceKeys();
    md.append(
        String.format(
            "Worker instance keys: %d incarnations polled (%,d polls), %d distinct keys, %d"
                + " incarnations sharing a key, %d polls without a key; %d ShutdownWorker calls"
                + " carried their polls' key, %d another.%n",
            k.incarnationsPolling(),
            s.wire().polls(),
            k.distinctKeys(),
            k.incarnationsSharingKeys(),
            k.pollsWithoutKey(),
            k.shutdownCallsMatchingTheirPolls(),
            k.shutdownCallsWithOtherKey()));
    if (s.lostTasks().isEmpty()) return md.toString();
    if (chartFile != null)
      md.append("\n![each lost task's last poll and shutdown](").append(chartFile).append(")\n");
    md.append("\n### First lost tasks, with their evidence\n");
    s.lostTasks().stream()
        .sorted(
            Comparator.comparing(
                Loss.Explained::handedMs, Comparator.nullsLast(Comparator.naturalOrder())))
        .limit(5)
        .forEach(l -> md.append(evidence(l)));
    return md.toString();
  }

  static String evidence(Loss.Explained l) {
    StringBuilder md =
        new StringBuilder(
            "\n- `"
                + l.workflowId()
                + "` (run `"
                + l.runId()
                + "`): "
                + (l.wire() == null ? "no side" : l.wire().describe())
                + "\n");
    long t0 = l.handedMs();
    md.append("  - history: ActivityTaskStarted for `")
        .append(l.handover().identity())
        .append("` at ")
        .append(java.time.Instant.ofEpochMilli(t0))
        .append(
            l.timeout() == null
                ? ""
                : ", timed out " + l.timeout().type() + " " + rel(l.timeout().atMs(), t0))
        .append('\n');
    var inc = l.incarnation();
    if (inc != null)
      md.append("  - restart record: started ")
          .append(rel(inc.startMs(), t0))
          .append(", shutdown began ")
          .append(rel(inc.shutdownBeginMs(), t0))
          .append(", shutdown returned ")
          .append(rel(inc.shutdownEndMs(), t0))
          .append('\n');
    var side = l.wire();
    if (side != null && side.poll() != null) {
      var p = side.poll();
      md.append("  - poll: sent ")
          .append(rel(p.sentMs(), t0))
          .append(", closed ")
          .append(rel(p.closedMs(), t0))
          .append(" (")
          .append(p.status())
          .append(
              p.task() == null
                  ? ", empty"
                  : ", carried " + p.task().workflowId() + " attempt " + p.task().attempt())
          .append("), worker instance key ")
          .append(p.workerInstanceKey() == null ? "none" : "`" + p.workerInstanceKey() + "`")
          .append('\n');
    }
    if (side != null && side.shutdownWorker() != null) {
      var c = side.shutdownWorker();
      md.append("  - ShutdownWorker: sent ")
          .append(rel(c.sentMs(), t0))
          .append(", answered ")
          .append(rel(c.answeredMs(), t0))
          .append(" (")
          .append(c.status())
          .append(")\n");
    } else if (side != null && side.where() != Wire.Where.INCOMPLETE) {
      md.append("  - ShutdownWorker: not sent by this incarnation\n");
    }
    return md.toString();
  }

  /** A time as ms from the hand-over. */
  private static String rel(Long ms, long handedMs) {
    return ms == null ? "?" : (ms - handedMs >= 0 ? "+" : "") + (ms - handedMs) + " ms";
  }

  /**
   * Each lost task on one row, its events as ms from the hand-over: the picture of where it died.
   */
  public static void wireChart(Path png, Loss.Summary s) {
    List<Loss.Explained> lost =
        s.lostTasks().stream()
            .filter(l -> l.handedMs() != null)
            .sorted(Comparator.comparing(Loss.Explained::handedMs))
            .limit(40)
            .toList();
    List<String> rows = new ArrayList<>();
    Map<String, List<double[]>> points = new LinkedHashMap<>();
    for (String name :
        List.of(
            "poll sent",
            "poll closed",
            "shutdown began",
            "ShutdownWorker sent",
            "ShutdownWorker answered",
            "shutdown returned")) {
      points.put(name, new ArrayList<>());
    }
    for (Loss.Explained l : lost) {
      int y = rows.size();
      rows.add(
          l.workflowId().replaceFirst("^hello-.*-", "#")
              + " "
              + (l.wire() == null ? "?" : l.wire().where().key()));
      long t0 = l.handedMs();
      var side = l.wire();
      if (side != null && side.poll() != null) {
        points.get("poll sent").add(new double[] {side.poll().sentMs() - t0, y});
        points.get("poll closed").add(new double[] {side.poll().closedMs() - t0, y});
      }
      if (l.incarnation() != null) {
        points.get("shutdown began").add(new double[] {l.incarnation().shutdownBeginMs() - t0, y});
        points.get("shutdown returned").add(new double[] {l.incarnation().shutdownEndMs() - t0, y});
      }
      if (side != null && side.shutdownWorker() != null) {
        points
            .get("ShutdownWorker sent")
            .add(new double[] {side.shutdownWorker().sentMs() - t0, y});
        points
            .get("ShutdownWorker answered")
            .add(new double[] {side.shutdownWorker().answeredMs() - t0, y});
      }
    }
    Map<String, double[][]> series = new LinkedHashMap<>();
    points.forEach(
        (name, ps) -> {
          double[][] xy = new double[2][ps.size()];
          for (int i = 0; i < ps.size(); i++) {
            xy[0][i] = ps.get(i)[0];
            xy[1][i] = ps.get(i)[1];
          }
          series.put(name, xy);
        });
    Charts.rows(
        png,
        "Each lost task: its incarnation's last poll and shutdown, ms from the server's hand-over"
            + " (0)",
        "ms from the hand-over",
        rows,
        series);
  }

  static String signedMs(long ms) {
    return ms < 0 ? (-ms) + " ms before" : ms + " ms after";
  }

  static Loss.Summary read(Path p) {
    return Cli.readJson(p, Loss.Summary.class);
  }

  // ------------------------------------------------------------------------- compare's input,
  // checked

  /**
   * The fields without which a file is not a run's summary (the others may be absent: nulls are not
   * written).
   */
  static final List<String> SUMMARY_FIELDS =
      List.of(
          "run_id",
          "started",
          "completed",
          "lost",
          "failed_other",
          "running",
          "setup",
          "lost_tasks");

  /**
   * A run's summary, or one error line saying why the file is not one: a missing field, a negative
   * count, counts that do not add up to `started`, lost tasks that are not the `lost` count. A file
   * of zeros is never a measurement.
   */
  static Loss.Summary readSummary(Path p) {
    var node = Cli.readJson(p, com.fasterxml.jackson.databind.JsonNode.class);
    if (node == null || !node.isObject())
      throw new Cli.Fail(p + " is not a run summary (not a JSON object)");
    List<String> missing = SUMMARY_FIELDS.stream().filter(f -> !node.hasNonNull(f)).toList();
    if (!missing.isEmpty())
      throw new Cli.Fail(p + " is not a run summary: no " + String.join(", ", missing));
    for (String f : List.of("started", "completed", "lost", "failed_other", "running")) {
      if (!node.get(f).canConvertToInt()
          || !node.get(f).isIntegralNumber()
          || node.get(f).asInt() < 0)
        throw new Cli.Fail(
            p + " is not a run summary: " + f + " is " + node.get(f) + ", not a count");
    }
    Loss.Summary s;
    try {
      s = Cli.JSON.treeToValue(node, Loss.Summary.class);
    } catch (java.io.IOException e) {
      throw new Cli.Fail(p + " is not a run summary: " + Cli.firstLine(e.getMessage()));
    }
    String problem = summaryProblem(s);
    if (problem != null) throw new Cli.Fail(p + " is not a run summary: " + problem);
    return s;
  }

  /** Why the counts of a summary cannot be a measurement, or null when they add up. */
  static String summaryProblem(Loss.Summary s) {
    if (s.mode() != null && !s.mode().equals("bug") && !s.mode().equals("fix"))
      return "mode is '" + s.mode() + "', neither bug nor fix";
    if (s.started() == 0) return "started is 0: nothing was measured";
    int sum = s.completed() + s.lost() + s.failedOther() + s.running();
    if (sum != s.started()) {
      return String.format(
          "completed %d + lost %d + failed other %d + running %d = %d, not the %d started",
          s.completed(), s.lost(), s.failedOther(), s.running(), sum, s.started());
    }
    if (s.lostTasks().size() != s.lost())
      return "lost is " + s.lost() + " but " + s.lostTasks().size() + " lost tasks are listed";
    return null;
  }

  /**
   * A workflow's history page in the Temporal web UI at BASE (namespace default, as the kit's runs
   * use).
   */
  static String historyUrl(String base, String workflowId, String runId) {
    var enc =
        (java.util.function.UnaryOperator<String>)
            x ->
                java.net.URLEncoder.encode(x, java.nio.charset.StandardCharsets.UTF_8)
                    .replace("+", "%20");
    return base.replaceAll("/+$", "")
        + "/namespaces/default/workflows/"
        + enc.apply(workflowId)
        + "/"
        + enc.apply(runId)
        + "/history";
  }

  static List<Loss.Summary> summariesUnder(Path dir) {
    if (!Files.isDirectory(dir)) throw new Cli.Fail("no such folder: " + dir);
    List<Loss.Summary> all = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir, 3)) {
      for (Path f :
          (Iterable<Path>)
              walk.filter(
                          p ->
                              p.getFileName().toString().equals("summary.json")
                                  && !p.getParent().equals(dir))
                      .sorted()
                  ::iterator) {
        all.add(read(f));
      }
    } catch (IOException e) {
      throw new Cli.Fail("cannot read " + dir + ": " + e.getMessage());
    }
    if (all.isEmpty()) throw new Cli.Fail("no run summaries (*/summary.json) under " + dir);
    return all;
  }

  // -------------------------------------------------------------------------------------- compare

  /**
   * The top-level summary of a bug-and-fix run: each mode's summary as it was measured, side by
   * side.
   */
  public record Side(String runId, Loss.Summary bug, Loss.Summary fix) {}

  @Command(
      name = "compare",
      mixinStandardHelpOptions = true,
      description =
          "Writes OUT (and report.md beside it) with the bug run and the fix run side by side, and"
              + " prints both.")
  static class Compare implements Callable<Integer> {
    @Option(
        names = "--bug",
        description = "summary.json of the run with graceful poll shutdown off")
    Path bug;

    @Option(names = "--fix", description = "summary.json of the run with it on")
    Path fix;

    @Option(
        names = "--run",
        description =
            "summary.json of a run, placed as the bug or the fix by the mode it measured"
                + " (repeatable)")
    List<Path> runs = new ArrayList<>();

    @Option(
        names = "--ui",
        description =
            "MODE=URL: the web UI of the server the bug (or fix) run used; each lost task is linked"
                + " to its history there")
    Map<String, String> ui = new LinkedHashMap<>();

    @Option(
        names = "--out",
        required = true,
        description = "combined summary.json to write (its folder must exist)")
    Path out;

    @Override
    public Integer call() {
      Path outDir = out.toAbsolutePath().getParent();
      if (outDir == null || !Files.isDirectory(outDir))
        throw new Cli.Fail("--out: no such folder: " + outDir);
      for (String mode : ui.keySet())
        if (!mode.equals("bug") && !mode.equals("fix"))
          throw new Cli.Fail("--ui takes bug=URL or fix=URL, got '" + mode + "'");
      Loss.Summary b = bug == null ? null : readSummary(bug),
          f = fix == null ? null : readSummary(fix);
      if (b != null && "fix".equals(b.mode()))
        throw new Cli.Fail(
            bug + " was measured with graceful poll shutdown ON: it is not the bug run");
      if (f != null && "bug".equals(f.mode()))
        throw new Cli.Fail(
            fix + " was measured with graceful poll shutdown off: it is not the fix run");
      for (Path r : runs) {
        Loss.Summary s = readSummary(r);
        if (s.mode() == null)
          throw new Cli.Fail(
              "cannot place "
                  + r
                  + ": it does not say which mode it measured (the server did not say whether it"
                  + " advertises graceful poll shutdown)");
        boolean isFix = s.mode().equals("fix");
        if ((isFix ? f : b) != null)
          throw new Cli.Fail(r + " measured the " + s.mode() + " too: give one run of each mode");
        if (isFix) f = s;
        else b = s;
      }
      if (b == null && f == null) throw new Cli.Fail("give --bug, --fix, --run or two of them");
      String links = links("bug", b) + links("fix", f);
      System.out.print(table(b, f) + links);
      Cli.writeJson(out, new Side(b != null ? b.runId() : f.runId(), b, f));
      Cli.writeFile(
          outDir.resolve("report.md"),
          "# Temporal: activity tasks lost on graceful worker restarts\n\n```\n"
              + table(b, f)
              + "```\n"
              + (links.isEmpty()
                  ? ""
                  : "\nLost tasks, each linked to its history in the web UI:\n\n"
                      + links.lines().map(l -> "- " + l.trim()).reduce("", (a, c) -> a + c + "\n"))
              + runReports(outDir));
      return 0;
    }

    /**
     * Links to each run's own report.md (what ran, the wire evidence), where the runs wrote one.
     */
    String runReports(Path outDir) {
      StringBuilder sb = new StringBuilder();
      List<Path> given = new ArrayList<>(runs);
      if (bug != null) given.add(bug);
      if (fix != null) given.add(fix);
      for (Path p : given) {
        Path r = p.toAbsolutePath().getParent().resolve("report.md");
        if (Files.isRegularFile(r) && !r.equals(outDir.resolve("report.md")))
          sb.append("- [")
              .append(outDir.relativize(r))
              .append("](")
              .append(outDir.relativize(r))
              .append(")\n");
      }
      return sb.isEmpty() ? "" : "\nEach run's own report:\n\n" + sb;
    }

    /**
     * One line per lost task with its history page in the web UI of the server that ran it, where
     * there is one.
     */
    String links(String mode, Loss.Summary s) {
      if (s == null || s.lostTasks().isEmpty()) return "";
      String base = ui.get(mode);
      StringBuilder sb = new StringBuilder();
      for (Loss.Explained l : s.lostTasks()) {
        sb.append(
            String.format(
                "  LOST (%s) %s%s%n",
                mode,
                l.workflowId(),
                base == null ? "" : ": " + historyUrl(base, l.workflowId(), l.runId())));
      }
      return sb.toString();
    }

    static String table(Loss.Summary b, Loss.Summary f) {
      StringBuilder sb =
          new StringBuilder(
              String.format(
                  "%-36s %8s %9s %6s %12s %7s %9s  %s%n",
                  "",
                  "started",
                  "completed",
                  "lost",
                  "failed other",
                  "running",
                  "restarts",
                  "lost % (95% CI)"));
      if (b != null) sb.append(line("bug: graceful poll shutdown off", b));
      if (f != null) sb.append(line("fix: graceful poll shutdown on", f));
      return sb.toString();
    }

    static String line(String label, Loss.Summary s) {
      return String.format(
          "%-36s %8d %9d %6d %12d %7d %9d  %s%s%n",
          label,
          s.started(),
          s.completed(),
          s.lost(),
          s.failedOther(),
          s.running(),
          s.restarts() == null ? 0 : s.restarts().whileWorkQueued(),
          rate(s),
          s.incomplete() == null ? "" : "  INCOMPLETE: " + s.incomplete());
    }
  }

  // ---------------------------------------------------------------------------------------- sweep

  @Command(
      name = "sweep",
      mixinStandardHelpOptions = true,
      description =
          "Reads DIR/*/summary.json and writes DIR/sweep.md, DIR/sweep.csv and DIR/sweep.png: the"
              + " seed's tables, bug and fix, with 95%% intervals.")
  static class Sweep implements Callable<Integer> {
    @Parameters(index = "0", description = "folder holding one sub-folder per run")
    Path dir;

    @Override
    public Integer call() {
      // workers -> interval -> mode -> summary
      Map<Integer, Map<Double, Map<String, Loss.Summary>>> runs = new TreeMap<>();
      Tables csv =
          Tables.of(
              Tables.join(
                  List.of(
                      "mode",
                      "workers",
                      "interval",
                      "started",
                      "completed",
                      "lost",
                      "failed_other",
                      "running"),
                  LOSS_CSV,
                  List.of("seed_lost_pct")));
      for (Loss.Summary s : summariesUnder(dir)) {
        String mode = s.mode() == null ? "unknown" : s.mode();
        int w = s.setup().workers() == null ? 0 : s.setup().workers();
        double i = s.setup().interval() == null ? 0 : s.setup().interval();
        runs.computeIfAbsent(w, k -> new TreeMap<>())
            .computeIfAbsent(i, k -> new TreeMap<>())
            .put(mode, s);
        csv.row(
            Tables.join(
                List.of(
                    mode, w, i, s.started(), s.completed(), s.lost(), s.failedOther(), s.running()),
                lossCsv(s),
                List.of(seed(w, i).replace("-", ""))));
      }
      StringBuilder md = new StringBuilder();
      Map<String, Charts.Series> series = new LinkedHashMap<>();
      runs.forEach(
          (w, byInterval) -> {
            md.append(String.format("%n### %d worker%s%n%n", w, w == 1 ? "" : "s"));
            Tables t =
                Tables.of(
                    "Restart Interval (s)",
                    "Lost, bug (95% CI)",
                    "Lost, fix (95% CI)",
                    "Original (Python, its machine)");
            byInterval.forEach(
                (i, byMode) -> {
                  t.row(
                      i,
                      byMode.containsKey("bug") ? rate(byMode.get("bug")) : "-",
                      byMode.containsKey("fix") ? rate(byMode.get("fix")) : "-",
                      seed(w, i));
                  byMode.forEach(
                      (mode, s) ->
                          series
                              .computeIfAbsent(
                                  mode + ", " + w + " worker" + (w == 1 ? "" : "s"),
                                  k -> new Charts.Series())
                              .add(i, s.lostPct(), s.lostPctCi95()));
                });
            md.append(t.markdown());
          });
      Cli.writeFile(dir.resolve("sweep.md"), md.toString().trim() + "\n");
      Cli.writeFile(dir.resolve("sweep.csv"), csv.csv());
      Charts.lostByX(
          dir.resolve("sweep.png"),
          "Lost activity tasks by restart interval",
          "restart interval (s, log scale)",
          true,
          series);
      System.out.print(md);
      System.out.println(wrote("Tables", dir, "sweep"));
      return 0;
    }
  }

  // --------------------------------------------------------------------------------------- matrix

  /**
   * One cell of the version matrix: which CLI (and the server it embeds) or official release (kind
   * cluster), which SDK, fix off or on, and for a cluster release that has it the fan-out flag
   * (null where not set).
   */
  public record Cell(
      String cli,
      String server,
      String sdk,
      String mode,
      Boolean capability,
      Loss.Summary summary,
      String kind,
      String fanOut) {}

  @Command(
      name = "matrix",
      mixinStandardHelpOptions = true,
      description =
          "Reads DIR/<cell>/summary.json (cells named cli-<V>_sdk-<V>_<off|on>, or"
              + " cluster-<V>_sdk-<V>_<off|on>[_fanout-<off|on>]) and writes DIR/matrix.md,"
              + " matrix.csv and matrix.png.")
  static class Matrix implements Callable<Integer> {
    @Parameters(index = "0", description = "the matrix run's folder")
    Path dir;

    @Override
    public Integer call() {
      List<Cell> cells = cells(dir);
      Cli.writeFile(dir.resolve("matrix.md"), matrixMarkdown(cells));
      Cli.writeFile(dir.resolve("matrix.csv"), matrixCsv(cells));
      Map<String, Charts.Series> bars = new LinkedHashMap<>();
      for (Cell c : cells)
        bars.computeIfAbsent(
                "fix " + c.mode() + (c.fanOut() == null ? "" : ", fan-out " + c.fanOut()),
                k -> new Charts.Series())
            .add(
                (c.kind().equals("cli") ? c.cli() : "cluster " + c.cli()) + " / SDK " + c.sdk(),
                c.summary().lostPct(),
                c.summary().lostPctCi95());
      Charts.lostByCategory(
          dir.resolve("matrix.png"), "Lost activity tasks by server (CLI) and Java SDK", bars);
      System.out.print(matrixMarkdown(cells));
      System.out.println(wrote("Matrix", dir, "matrix"));
      return 0;
    }
  }

  /** After the tables: where NAME.md, NAME.csv and the chart NAME.png were written in DIR. */
  static String wrote(String label, Path dir, String name) {
    return "\n"
        + label
        + ": "
        + dir.resolve(name + ".md")
        + ", "
        + dir.resolve(name + ".csv")
        + "; chart: "
        + dir.resolve(name + ".png");
  }

  static final Pattern CELL =
      Pattern.compile("(cli|cluster)-([^_]+)_sdk-([^_]+)_(off|on)(?:_fanout-(off|on))?");

  static List<Cell> cells(Path dir) {
    List<Cell> cells = new ArrayList<>();
    try (Stream<Path> subs = Files.list(dir)) {
      for (Path sub : (Iterable<Path>) subs.sorted()::iterator) {
        Matcher m = CELL.matcher(sub.getFileName().toString());
        Path f = sub.resolve("summary.json");
        if (!m.matches() || !Files.isRegularFile(f)) continue;
        Loss.Summary s = read(f);
        var v = s.versions();
        if (v == null || v.workerSdkVersion() == null || !v.workerSdkVersion().equals(m.group(3))) {
          throw new Cli.Fail(
              sub.getFileName()
                  + " asked for Java SDK "
                  + m.group(3)
                  + " but its chaos worker ran "
                  + (v == null ? "an unknown SDK" : v.workerSdkVersion()));
        }
        cells.add(
            new Cell(
                m.group(2),
                v.serverVersion(),
                v.workerSdkVersion(),
                m.group(4),
                v.pollCompleteOnShutdown(),
                s,
                m.group(1),
                m.group(5)));
      }
    } catch (IOException e) {
      throw new Cli.Fail("cannot read " + dir + ": " + e.getMessage());
    }
    if (cells.isEmpty())
      throw new Cli.Fail("no matrix cells (cli-<V>_sdk-<V>_<off|on>/summary.json) under " + dir);
    cells.sort(
        Comparator.comparing(Cell::kind)
            .thenComparing(c -> versionKey(c.cli()))
            .thenComparing(c -> versionKey(c.sdk()))
            .thenComparing(Cell::mode)
            .thenComparing(c -> String.valueOf(c.fanOut())));
    return cells;
  }

  /**
   * The loss figures the sweep's and the matrix's CSV both carry: their columns, then their cells.
   */
  static final List<String> LOSS_CSV =
      List.of("lost_pct", "ci95_low", "ci95_high", "restarts_while_queued", "lost_per_restart");

  static List<Object> lossCsv(Loss.Summary s) {
    var r = s.restarts();
    return List.of(
        csv(s.lostPct()),
        ci(s, 0),
        ci(s, 1),
        r == null ? "" : r.whileWorkQueued(),
        r == null || r.lostPerRestart() == null ? "" : r.lostPerRestart());
  }

  static String csv(Double d) {
    return d == null ? "" : d.toString();
  }

  static String ci(Loss.Summary s, int i) {
    return s.lostPctCi95() == null ? "" : s.lostPctCi95().get(i).toString();
  }

  /** 1.10.0 after 1.9.1: each part as a zero-padded number. */
  static String versionKey(String v) {
    StringBuilder k = new StringBuilder();
    for (String part : v.split("[.-]"))
      k.append(String.format("%8s", part).replace(' ', '0')).append('.');
    return k.toString();
  }

  static String matrixMarkdown(List<Cell> cells) {
    Tables t =
        Tables.of(
            "Temporal CLI (dev server) or release (cluster)",
            "server (measured)",
            "Java SDK (measured)",
            "fix flag",
            "fan-out flag",
            "capability advertised",
            "started",
            "lost % (95% CI)",
            "lost per restart",
            "lost: never received / received, not run / incomplete",
            "restarts that sent ShutdownWorker",
            "polls with a worker instance key");
    for (Cell c : cells) {
      Loss.Summary s = c.summary();
      t.row(
          c.kind().equals("cli") ? "CLI " + c.cli() : "cluster " + c.cli(),
          c.server() == null ? "?" : c.server(),
          c.sdk(),
          c.mode(),
          c.fanOut() == null ? "-" : c.fanOut(),
          c.capability() == null ? "?" : c.capability(),
          s.started(),
          rate(s) + (s.incomplete() == null ? "" : " INCOMPLETE"),
          s.restarts() == null || s.restarts().lostPerRestart() == null
              ? "-"
              : String.format("%.3f", s.restarts().lostPerRestart()),
          s.lostWhere() == null
              ? "-"
              : s.lostWhere().neverReceived()
                  + " / "
                  + s.lostWhere().receivedNotRun()
                  + " / "
                  + s.lostWhere().incomplete(),
          s.wire() == null
              ? "not recorded"
              : s.wire().shutdownWorker().restartsThatSentIt()
                  + " of "
                  + s.wire().shutdownWorker().restarts(),
          s.wire() == null
              ? "not recorded"
              : (s.wire().polls() - s.wire().instanceKeys().pollsWithoutKey())
                  + " of "
                  + s.wire().polls());
    }
    return t.markdown();
  }

  static String matrixCsv(List<Cell> cells) {
    Tables t =
        Tables.of(
            Tables.join(
                List.of("cli", "server", "sdk", "fix_flag", "capability", "started", "lost"),
                LOSS_CSV,
                List.of(
                    "lost_never_received",
                    "lost_received_not_run",
                    "lost_side_incomplete",
                    "restarts",
                    "restarts_that_sent_shutdown_worker",
                    "polls",
                    "polls_without_key",
                    "server_kind",
                    "fan_out")));
    for (Cell c : cells) {
      Loss.Summary s = c.summary();
      var w = s.lostWhere();
      var sw = s.wire() == null ? null : s.wire().shutdownWorker();
      t.row(
          Tables.join(
              java.util.Arrays.asList(
                  c.cli(), c.server(), c.sdk(), c.mode(), c.capability(), s.started(), s.lost()),
              lossCsv(s),
              List.of(
                  w == null ? "" : w.neverReceived(),
                  w == null ? "" : w.receivedNotRun(),
                  w == null ? "" : w.incomplete(),
                  sw == null ? "" : sw.restarts(),
                  sw == null ? "" : sw.restartsThatSentIt(),
                  sw == null ? "" : s.wire().polls(),
                  sw == null ? "" : s.wire().instanceKeys().pollsWithoutKey(),
                  c.kind().equals("cli") ? "dev" : "cluster",
                  c.fanOut() == null ? "" : c.fanOut())));
    }
    return t.csv();
  }

  // ----------------------------------------------------------------------------------- hang cases

  @Command(
      name = "hang-cases",
      mixinStandardHelpOptions = true,
      description =
          "Writes DIR/hang-cases.md from DIR/case-<n>/ (the worker's restart records, its log and"
              + " exit code, the summary).")
  static class HangCases implements Callable<Integer> {
    @Parameters(index = "0", description = "the hang-cases run's folder")
    Path dir;

    @Option(
        names = "--case",
        required = true,
        description =
            "SEED|FLAGS for case 1, 2, ... in order (e.g. 'BAD|--activity-timeout 5"
                + " --activity-sleep 11')")
    List<String> cases;

    @Override
    public Integer call() throws IOException {
      Tables t =
          Tables.of(
              "#",
              "case (StartWorkflows flags)",
              "original, Python 3.11.8",
              "Java SDK: graceful shutdown took",
              "hung?",
              "workflow");
      for (int n = 1; n <= cases.size(); n++) {
        String[] c = cases.get(n - 1).split("\\|", 2);
        if (c.length != 2)
          throw new Cli.Fail("--case takes SEED|FLAGS, got '" + cases.get(n - 1) + "'");
        Path cd = dir.resolve("case-" + n);
        Events.Restart first =
            new Events.Records(cd.resolve("events"))
                .refresh().restarts().stream()
                    .filter(r -> r.restart() == 1)
                    .findFirst()
                    .orElse(null);
        Path wlog = cd.resolve("activity-worker.log"), rc = cd.resolve("activity-worker.exit");
        String exit = Files.exists(rc) ? Files.readString(rc).trim() : null;
        String took = shutdownTook(first, exit);
        boolean hung =
            (first != null && first.hung())
                || (Files.exists(wlog) && Files.readString(wlog).contains("HUNG"))
                || (Files.exists(rc) && Files.readString(rc).trim().equals("124"));
        Path sf = cd.resolve("summary.json");
        String outcome = "unknown";
        if (Files.exists(sf)) {
          Loss.Summary s = read(sf);
          outcome =
              s.completed() == 1
                  ? "completed"
                  : !s.failedOtherDetails().isEmpty()
                      ? s.failedOtherDetails().get(0).reason()
                      : !s.lostTasks().isEmpty() ? "lost" : "running";
        }
        t.row(n, "`" + c[1] + "`", c[0], took, hung ? "YES" : "no", outcome);
      }
      String md = t.markdown();
      Cli.writeFile(dir.resolve("hang-cases.md"), md);
      System.out.print(md);
      return 0;
    }
  }

  /**
   * How long the first incarnation's graceful shutdown took, from its restart record; without one,
   * what the worker's exit code (written by the orchestrator) says: 124 is the orchestrator's 60 s
   * kill, anything else a worker that ended on its own (e.g. never connected), and no exit file a
   * case that was never run to the end.
   */
  static String shutdownTook(Events.Restart first, String exitCode) {
    if (first != null) {
      return String.format(
          "%.1f s%s",
          (first.shutdownEndMs() - first.shutdownBeginMs()) / 1000.0,
          first.graceful() ? "" : " (shutdownNow after the graceful timeout)");
    }
    if (exitCode == null || exitCode.isEmpty())
      return "unknown: no restart record and no exit code";
    if (exitCode.equals("124")) return "never returned (killed after 60 s)";
    return "no restart recorded: the worker exited with code "
        + exitCode
        + " (see activity-worker.log)";
  }

  // ------------------------------------------------------------------------------- matrix cells

  /**
   * Whether a server measured in one fix mode gives a matrix cell (kit/temporal.sh asks, per server
   * and mode).
   */
  enum CellDecision {
    RUN,
    NO_FIX_CELL
  }

  /**
   * The flag off must leave the capability off (else the "bug" cell would measure the fix); the
   * flag on gives a fix cell only where the server then advertises it (servers before 1.31 have no
   * such thing). An answer that is neither true nor false is no measurement.
   */
  static CellDecision cellDecision(String mode, String capability) {
    if (!"true".equals(capability) && !"false".equals(capability)) {
      throw new Cli.Fail(
          "the server's capability workerPollCompleteOnShutdown is unknown ('"
              + capability
              + "'): cannot tell the bug from the fix");
    }
    boolean advertised = capability.equals("true");
    return switch (mode) {
      case "off" -> {
        if (advertised)
          throw new Cli.Fail(
              "the server advertises graceful poll shutdown with the flag off: the bug cell would"
                  + " measure the fix");
        yield CellDecision.RUN;
      }
      case "on" -> advertised ? CellDecision.RUN : CellDecision.NO_FIX_CELL;
      default -> throw new Cli.Fail("--mode takes off or on, got '" + mode + "'");
    };
  }

  @Command(
      name = "matrix-cell",
      mixinStandardHelpOptions = true,
      description =
          "Prints run or no-fix-cell: whether a server in this fix mode, advertising this"
              + " capability, gives a matrix cell.")
  static class MatrixCell implements Callable<Integer> {
    @Option(names = "--mode", required = true, description = "off or on: the server's fix flag")
    String mode;

    @Option(
        names = "--capability",
        required = true,
        description = "true or false: what ServerInfo read from the namespace")
    String capability;

    @Override
    public Integer call() {
      System.out.println(
          cellDecision(mode, capability) == CellDecision.RUN ? "run" : "no-fix-cell");
      return 0;
    }
  }

  // ------------------------------------------------------------------------------------ benchmark

  /**
   * One run of the side-by-side benchmark, the original kit's or this kit's, measured the same way
   * for both (kit/Benchmark.java): starts and hand-overs from the server's histories, shutdowns
   * from each kit's own records. benchmark.csv has one line of these per run.
   */
  public record BenchmarkRun(
      Run run,
      Starts starts,
      Busy busy,
      Shutdowns shutdown,
      Lost lost,
      Handovers handovers,
      ShutdownSteps shutdownSteps,
      ShutdownsByHandover byHandover) {
    /** Which kit, which round, the load average just before it, what ran. */
    public record Run(
        String kit,
        int round,
        Double load,
        String sdk,
        String idPrefix,
        int workers,
        double interval) {}

    /** The server's start times: first start to last start. */
    public record Starts(int workflows, double seconds) {}

    /**
     * First hand-over to last hand-over (ActivityTaskStarted), and the restarts whose shutdown
     * began in it.
     */
    public record Busy(double seconds, int restarts) {}

    /** Graceful shutdowns (call to return), as each kit timed its own. */
    public record Shutdowns(int count, long p50Ms, long p90Ms) {
      /** Null for none: an empty group has no median. */
      static Shutdowns of(List<Long> ms) {
        return ms.isEmpty() ? null : new Shutdowns(ms.size(), pct(ms, 0.5), pct(ms, 0.9));
      }
    }

    /**
     * The graceful shutdowns split by whether the server handed a task over (its
     * ActivityTaskStarted time) while one ran. A shutdown that was handed a task has more to do,
     * run it or drop it, and the two SDKs differ exactly there: Java SDK 1.38 keeps its poll open
     * until ShutdownWorker is answered, temporalio stops polling first (README). The benchmark runs
     * one chaos worker, so every hand-over of the run went to it; times alone place them, the same
     * way for both kits. Null in a run written before this split, or in a group with none.
     */
    public record ShutdownsByHandover(Shutdowns withoutHandover, Shutdowns withHandover) {
      public static ShutdownsByHandover of(List<Incarnation> incs, List<Long> handedMs) {
        List<Long> sorted = new ArrayList<>(handedMs);
        sorted.sort(null);
        List<Long> without = new ArrayList<>(), with = new ArrayList<>();
        for (Incarnation i : incs) {
          if (i.shutdownBeginMs() == null || i.shutdownMs() == null) continue;
          long begin = i.shutdownBeginMs(), end = begin + i.shutdownMs();
          int at = java.util.Collections.binarySearch(sorted, begin);
          if (at < 0) at = -at - 1; // the first hand-over at or after the shutdown call
          (at < sorted.size() && sorted.get(at) <= end ? with : without).add(i.shutdownMs());
        }
        return new ShutdownsByHandover(Shutdowns.of(without), Shutdowns.of(with));
      }
    }

    /**
     * Handed over, then timed out start-to-close (and, for this kit, begun by no worker), with its
     * Wilson 95% interval.
     */
    public record Lost(
        int lost, int started, double pct, List<Double> ci95, Double perBusyRestart) {}

    /** When each lost task was handed over, against the shutdown of the incarnation it went to. */
    public record Handovers(
        int beforeShutdown,
        int duringShutdown,
        int afterShutdown,
        int unplaced,
        List<Long> msFromShutdownCall) {}

    /**
     * Lost by the history alone: handed to a worker, then timed out start-to-close (for the kit,
     * its execution records must also say no worker began it). The history reader's spelling of the
     * timeout is not assumed.
     */
    public static boolean handedThenTimedOut(Loss.History h) {
      return h.handedTo() != null && "start_to_close".equalsIgnoreCase(h.timeoutType());
    }

    /**
     * The kit's graceful shutdowns step by step, from its chaos worker's wire records (null for the
     * original, whose side of the wire is not recorded): the ShutdownWorker round trip, then until
     * the incarnation's open poll closed, then until every executor had ended (shutdown returned).
     * Java SDK 1.38 waits for ShutdownWorker's answer before it stops its pollers; temporalio stops
     * polling first (README), so these steps are where the two shutdowns differ.
     */
    public record ShutdownSteps(
        int shutdowns,
        long roundTripP50Ms,
        long roundTripP90Ms,
        long pollClosedP50Ms,
        long pollClosedP90Ms,
        long endedP50Ms,
        long endedP90Ms) {}

    /**
     * The steps of every recorded graceful shutdown that sent ShutdownWorker and had it answered. A
     * poll that closed before the answer (it had brought a task) adds 0 to its step; a restart
     * without a ShutdownWorker record (an SDK without the call) is left out. Null when none is
     * left.
     */
    public static ShutdownSteps shutdownSteps(
        List<Events.Restart> restarts,
        List<Events.ShutdownCall> calls,
        Map<String, List<Events.Poll>> pollsByIdentity) {
      Map<String, Events.ShutdownCall> callOf = new java.util.HashMap<>();
      for (var c : calls) callOf.putIfAbsent(c.identity(), c);
      List<Long> trips = new ArrayList<>(), closes = new ArrayList<>(), ends = new ArrayList<>();
      for (var r : restarts) {
        var c = callOf.get(r.identity());
        if (c == null || c.answeredMs() <= 0 || r.shutdownEndMs() <= 0) continue;
        long lastClose = c.answeredMs();
        for (var p : pollsByIdentity.getOrDefault(r.identity(), List.of()))
          if (p.closedMs() > lastClose) lastClose = p.closedMs();
        trips.add(c.answeredMs() - c.sentMs());
        closes.add(lastClose - c.answeredMs());
        ends.add(Math.max(0, r.shutdownEndMs() - lastClose));
      }
      if (trips.isEmpty()) return null;
      return new ShutdownSteps(
          trips.size(),
          pct(trips, 0.5),
          pct(trips, 0.9),
          pct(closes, 0.5),
          pct(closes, 0.9),
          pct(ends, 0.5),
          pct(ends, 0.9));
    }

    /**
     * Which kit runs first in a round: the original in odd rounds, the kit in even ones (original,
     * kit, kit, original, ...). Run second, a kit meets the server as the other left it (its
     * freshly closed workflows, its task queues still loaded), and the machine's load drifts within
     * a round: when the kit always ran second, every such effect fell on the kit alone. The
     * benchmark runs them in this order (Benchmark.java order), and the report lists them in it.
     */
    public static List<String> order(int round) {
      if (round < 1) throw new Cli.Fail("rounds count from 1, got " + round);
      return round % 2 == 1 ? List.of("original", "kit") : List.of("kit", "original");
    }

    /** An incarnation reduced to what the figures need (input only: never written). */
    public record Incarnation(long startMs, Long shutdownBeginMs, Long shutdownMs) {}

    public static BenchmarkRun of(
        Run run,
        int workflows,
        double startSeconds,
        List<Long> handedMs,
        List<Incarnation> incs,
        int lost,
        Handovers handovers,
        ShutdownSteps steps) {
      if (handedMs.isEmpty()) throw new IllegalArgumentException("no hand-over: no busy window");
      long busyFromMs = java.util.Collections.min(handedMs),
          busyToMs = java.util.Collections.max(handedMs);
      List<Long> downs = new ArrayList<>();
      int busyRestarts = 0;
      for (Incarnation i : incs) {
        if (i.shutdownMs() != null) downs.add(i.shutdownMs());
        if (i.shutdownBeginMs() != null
            && i.shutdownBeginMs() >= busyFromMs
            && i.shutdownBeginMs() <= busyToMs) busyRestarts++;
      }
      double[] ci = Loss.wilson(lost, workflows);
      return new BenchmarkRun(
          run,
          new Starts(workflows, Cli.round(startSeconds, 3)),
          new Busy(Cli.round((busyToMs - busyFromMs) / 1000.0, 3), busyRestarts),
          new Shutdowns(downs.size(), pct(downs, 0.5), pct(downs, 0.9)),
          new Lost(
              lost,
              workflows,
              Cli.round(100.0 * lost / workflows, 3),
              List.of(Cli.round(100 * ci[0], 3), Cli.round(100 * ci[1], 3)),
              busyRestarts == 0 ? null : Cli.round((double) lost / busyRestarts, 4)),
          handovers,
          steps,
          ShutdownsByHandover.of(incs, handedMs));
    }
  }

  /**
   * CPU seconds each part of a run used, from the kernel's counts the script copied (/proc/PID/stat
   * of each worker's process group when every workflow had closed; the server's before and after;
   * bash's `time` of the starter): on 2 cores, what one part spends the others wait for. Null where
   * a copy is missing.
   */
  public record Cpu(Double starter, Double workflowWorker, Double chaosWorker, Double server) {
    static Cpu of(Path runDir) {
      Double before = ticks(runDir.resolve("cpu-server-before.stat")),
          after = ticks(runDir.resolve("cpu-server-after.stat"));
      return new Cpu(
          starterCpu(runDir.resolve("start.time")),
          ticks(runDir.resolve("cpu-workflow-worker.stat")),
          ticks(runDir.resolve("cpu-activity-worker.stat")),
          before == null || after == null ? null : Cli.round(after - before, 2));
    }

    /**
     * utime + stime (fields 14 and 15, in clock ticks of 1/100 s) summed over the lines of a
     * /proc/PID/stat copy.
     */
    static Double ticks(Path f) {
      try {
        if (!Files.exists(f)) return null;
        long sum = 0;
        int n = 0;
        for (String line : Files.readAllLines(f)) {
          int close = line.lastIndexOf(')');
          if (close < 0) continue;
          String[] t = line.substring(close + 2).split(" ");
          if (t.length < 13) continue;
          sum += Long.parseLong(t[11]) + Long.parseLong(t[12]);
          n++;
        }
        return n == 0 ? null : sum / 100.0;
      } catch (IOException | NumberFormatException e) {
        return null;
      }
    }

    /** bash's `time` with TIMEFORMAT='%R %U %S': user + system seconds. */
    static Double starterCpu(Path f) {
      try {
        if (!Files.exists(f)) return null;
        String[] t = Files.readString(f).trim().split("\\s+");
        return t.length < 3
            ? null
            : Cli.round(
                Double.parseDouble(t[t.length - 2]) + Double.parseDouble(t[t.length - 1]), 2);
      } catch (IOException | NumberFormatException e) {
        return null;
      }
    }
  }

  static final String BENCHMARK_CSV_HEADER =
      "kit,round,load,sdk,workflows,start_seconds,busy_seconds,busy_restarts,shutdowns,shutdown_p50_ms,shutdown_p90_ms,"
          + "lost,lost_pct,lost_ci95_low,lost_ci95_high,lost_per_busy_restart,lost_handed_before_shutdown,lost_handed_during_shutdown,lost_handed_after_shutdown,lost_unplaced,"
          + "cpu_starter_s,cpu_workflow_worker_s,cpu_chaos_worker_s,cpu_server_s,"
          + "shutdown_round_trip_p50_ms,shutdown_poll_closed_p50_ms,shutdown_ended_p50_ms,"
          + "shutdowns_without_handover,shutdown_without_handover_p50_ms,shutdown_without_handover_p90_ms,"
          + "shutdowns_with_handover,shutdown_with_handover_p50_ms,shutdown_with_handover_p90_ms";

  static String csvLine(BenchmarkRun r, Cpu c) {
    return csvLine(r)
        + ","
        + String.join(
            ",",
            Stream.of(c.starter(), c.workflowWorker(), c.chaosWorker(), c.server())
                .map(x -> x == null ? "" : "" + x)
                .toList())
        + ","
        + (r.shutdownSteps() == null
            ? ",,"
            : r.shutdownSteps().roundTripP50Ms()
                + ","
                + r.shutdownSteps().pollClosedP50Ms()
                + ","
                + r.shutdownSteps().endedP50Ms())
        + ","
        + shutdownsCsv(r.byHandover() == null ? null : r.byHandover().withoutHandover())
        + ","
        + shutdownsCsv(r.byHandover() == null ? null : r.byHandover().withHandover());
  }

  /** count,p50,p90 of one group of shutdowns; empty fields for none. */
  static String shutdownsCsv(BenchmarkRun.Shutdowns s) {
    return s == null ? ",," : s.count() + "," + s.p50Ms() + "," + s.p90Ms();
  }

  static String csvLine(BenchmarkRun r) {
    return String.join(
        ",",
        r.run().kit(),
        "" + r.run().round(),
        r.run().load() == null ? "" : "" + r.run().load(),
        r.run().sdk() == null ? "" : r.run().sdk(),
        "" + r.starts().workflows(),
        "" + r.starts().seconds(),
        "" + r.busy().seconds(),
        "" + r.busy().restarts(),
        "" + r.shutdown().count(),
        "" + r.shutdown().p50Ms(),
        "" + r.shutdown().p90Ms(),
        "" + r.lost().lost(),
        "" + r.lost().pct(),
        "" + r.lost().ci95().get(0),
        "" + r.lost().ci95().get(1),
        r.lost().perBusyRestart() == null ? "" : "" + r.lost().perBusyRestart(),
        "" + r.handovers().beforeShutdown(),
        "" + r.handovers().duringShutdown(),
        "" + r.handovers().afterShutdown(),
        "" + r.handovers().unplaced());
  }

  /**
   * The original's runs and the kit's, pooled where a figure pools (counts), averaged where it does
   * not (times).
   */
  record Pooled(List<BenchmarkRun> runs, int lost, int started, int busyRestarts) {
    static Pooled of(List<BenchmarkRun> runs) {
      return new Pooled(
          runs,
          runs.stream().mapToInt(r -> r.lost().lost()).sum(),
          runs.stream().mapToInt(r -> r.lost().started()).sum(),
          runs.stream().mapToInt(r -> r.busy().restarts()).sum());
    }

    double mean(java.util.function.ToDoubleFunction<BenchmarkRun> f) {
      return runs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    String each(java.util.function.Function<BenchmarkRun, String> f) {
      return String.join(", ", runs.stream().map(f).toList());
    }

    double pct() {
      return started == 0 ? Double.NaN : 100.0 * lost / started;
    }

    double perRestart() {
      return busyRestarts == 0 ? Double.NaN : (double) lost / busyRestarts;
    }

    /**
     * Lost per busy restart, 95%: the lost count taken as Poisson over the restarts (normal
     * approximation).
     */
    String perRestartInterval() {
      if (busyRestarts == 0) return "-";
      double half = 1.959964 * Math.sqrt(lost) / busyRestarts;
      return String.format(
          "%.3f (%.3f-%.3f)", perRestart(), Math.max(0, perRestart() - half), perRestart() + half);
    }

    int handed(java.util.function.ToIntFunction<BenchmarkRun.Handovers> f) {
      return runs.stream().mapToInt(r -> f.applyAsInt(r.handovers())).sum();
    }
  }

  /**
   * benchmark.md: every run, then the issue's table with each figure for both kits and the ratio
   * kit/original.
   */
  static String sideBySide(List<BenchmarkRun> runs, Map<BenchmarkRun, Cpu> cpu) {
    Pooled o = Pooled.of(runs.stream().filter(r -> r.run().kit().equals("original")).toList());
    Pooled k = Pooled.of(runs.stream().filter(r -> r.run().kit().equals("kit")).toList());
    StringBuilder md =
        new StringBuilder(
            "| round | kit | load before | SDK | starts, first to last | busy window | busy"
                + " restarts | shutdown p50 / p90 | lost (95% CI) | lost per busy restart | lost"
                + " handed before / during / after shutdown |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (BenchmarkRun r : runs) {
      md.append(
          String.format(
              "| %d | %s | %s | %s | %.2f s | %.1f s | %d | %d / %d ms | %.2f%% (%.2f-%.2f) | %s |"
                  + " %d / %d / %d%s |%n",
              r.run().round(),
              r.run().kit(),
              r.run().load() == null ? "?" : String.format("%.2f", r.run().load()),
              r.run().sdk(),
              r.starts().seconds(),
              r.busy().seconds(),
              r.busy().restarts(),
              r.shutdown().p50Ms(),
              r.shutdown().p90Ms(),
              r.lost().pct(),
              r.lost().ci95().get(0),
              r.lost().ci95().get(1),
              r.lost().perBusyRestart() == null
                  ? "-"
                  : String.format("%.3f", r.lost().perBusyRestart()),
              r.handovers().beforeShutdown(),
              r.handovers().duringShutdown(),
              r.handovers().afterShutdown(),
              r.handovers().unplaced() == 0 ? "" : " (" + r.handovers().unplaced() + " unplaced)"));
    }
    md.append(
        String.format(
            "%n| | original (%d runs) | kit (%d runs) | kit / original |%n|---|---|---|---|%n",
            o.runs().size(), k.runs().size()));
    md.append(
        figure(
            "%,d starts, first start to last start".formatted(runs.get(0).starts().workflows()),
            o,
            k,
            r -> r.starts().seconds(),
            "%.2f s"));
    md.append(
        figure("busy window, first to last hand-over", o, k, r -> r.busy().seconds(), "%.1f s"));
    md.append(figure("graceful shutdown median", o, k, r -> r.shutdown().p50Ms(), "%.0f ms"));
    md.append(figure("graceful shutdown p90", o, k, r -> r.shutdown().p90Ms(), "%.0f ms"));
    md.append(
        shutdownGroup(
            "no task handed over while it ran",
            BenchmarkRun.ShutdownsByHandover::withoutHandover,
            o,
            k));
    md.append(
        shutdownGroup(
            "a task handed over while it ran",
            BenchmarkRun.ShutdownsByHandover::withHandover,
            o,
            k));
    md.append(
        String.format(
            "| graceful shutdown, step by step (median / p90 of each run): ShutdownWorker's round"
                + " trip; then until the open poll closed; then until every executor ended | %s |"
                + " %s | |%n",
            stepsText(o), stepsText(k)));
    double[] ow = Loss.wilson(o.lost(), o.started()), kw = Loss.wilson(k.lost(), k.started());
    md.append(
        String.format(
            "| lost, pooled (95%% Wilson) | %.2f%% (%.2f-%.2f) | %.2f%% (%.2f-%.2f) | %s; Fisher p"
                + " = %s |%n",
            o.pct(),
            100 * ow[0],
            100 * ow[1],
            k.pct(),
            100 * kw[0],
            100 * kw[1],
            ratio(k.pct(), o.pct()),
            fisherP(k.lost(), k.started() - k.lost(), o.lost(), o.started() - o.lost())));
    md.append(
        String.format(
            "| lost per restart in the busy window, pooled (95%%, Poisson) | %s | %s | %s |%n",
            o.perRestartInterval(), k.perRestartInterval(), ratio(k.perRestart(), o.perRestart())));
    md.append(
        String.format(
            "| lost tasks handed over before / during / after the worker's shutdown | %d / %d / %d"
                + " | %d / %d / %d | |%n",
            o.handed(BenchmarkRun.Handovers::beforeShutdown),
            o.handed(BenchmarkRun.Handovers::duringShutdown),
            o.handed(BenchmarkRun.Handovers::afterShutdown),
            k.handed(BenchmarkRun.Handovers::beforeShutdown),
            k.handed(BenchmarkRun.Handovers::duringShutdown),
            k.handed(BenchmarkRun.Handovers::afterShutdown)));
    for (var part :
        List.<Map.Entry<String, java.util.function.Function<Cpu, Double>>>of(
            Map.entry("starter (whole process)", Cpu::starter),
            Map.entry("workflow worker", Cpu::workflowWorker),
            Map.entry("chaos activity worker", Cpu::chaosWorker),
            Map.entry("server, during the run", Cpu::server))) {
      java.util.function.Function<BenchmarkRun, Double> f =
          r -> cpu.get(r) == null ? null : part.getValue().apply(cpu.get(r));
      if (runs.stream().allMatch(r -> f.apply(r) == null)) continue;
      java.util.function.Function<Pooled, String> each =
          p -> p.each(r -> f.apply(r) == null ? "?" : String.format("%.1f s", f.apply(r)));
      java.util.function.ToDoubleFunction<Pooled> mean =
          p ->
              p.runs().stream()
                  .map(f)
                  .filter(java.util.Objects::nonNull)
                  .mapToDouble(Double::doubleValue)
                  .average()
                  .orElse(Double.NaN);
      md.append(
          String.format(
              "| CPU: %s | %s | %s | %s |%n",
              part.getKey(),
              each.apply(o),
              each.apply(k),
              ratio(mean.applyAsDouble(k), mean.applyAsDouble(o))));
    }
    md.append(
        String.format(
            "| lost tasks: hand-over from the shutdown call, ms (p10 / median / p90) | %s | %s |"
                + " |%n",
            offsets(o), offsets(k)));
    md.append(
        String.format(
            "| load average before each run | %s | %s | |%n",
            o.each(r -> r.run().load() == null ? "?" : String.format("%.2f", r.run().load())),
            k.each(r -> r.run().load() == null ? "?" : String.format("%.2f", r.run().load()))));
    md.append(
        "\n"
            + "Times: each run's figure, then the ratio of the means (below 1: the kit is faster)."
            + " Runs follow one another on one server in the order original, kit, kit, original,"
            + " ... (the rows' order), so a drift in the machine's load falls on both, and neither"
            + " always meets the server as the other left it.\n");
    return md.toString();
  }

  /**
   * One group of the shutdowns split by hand-over: each run's median / p90 (count), "-" for a run
   * without it, and the ratio of the mean medians.
   */
  static String shutdownGroup(
      String name,
      java.util.function.Function<BenchmarkRun.ShutdownsByHandover, BenchmarkRun.Shutdowns> group,
      Pooled o,
      Pooled k) {
    java.util.function.Function<BenchmarkRun, BenchmarkRun.Shutdowns> of =
        r -> r.byHandover() == null ? null : group.apply(r.byHandover());
    java.util.function.Function<Pooled, String> each =
        p ->
            p.each(
                r -> {
                  var s = of.apply(r);
                  return s == null
                      ? "-"
                      : String.format("%d / %d ms (%d)", s.p50Ms(), s.p90Ms(), s.count());
                });
    java.util.function.ToDoubleFunction<Pooled> meanMedian =
        p ->
            p.runs().stream()
                .map(of)
                .filter(java.util.Objects::nonNull)
                .mapToDouble(BenchmarkRun.Shutdowns::p50Ms)
                .average()
                .orElse(Double.NaN);
    return String.format(
        "| graceful shutdown median / p90 (shutdowns), %s | %s | %s | %s |%n",
        name,
        each.apply(o),
        each.apply(k),
        ratio(meanMedian.applyAsDouble(k), meanMedian.applyAsDouble(o)));
  }

  static String offsets(Pooled p) {
    List<Long> all = new ArrayList<>();
    for (BenchmarkRun r : p.runs())
      if (r.handovers().msFromShutdownCall() != null)
        all.addAll(r.handovers().msFromShutdownCall());
    return all.isEmpty() ? "-" : pct(all, 0.1) + " / " + pct(all, 0.5) + " / " + pct(all, 0.9);
  }

  static String figure(
      String name,
      Pooled o,
      Pooled k,
      java.util.function.ToDoubleFunction<BenchmarkRun> f,
      String format) {
    return String.format(
        "| %s | %s | %s | %s |%n",
        name,
        o.each(r -> String.format(format, f.applyAsDouble(r))),
        k.each(r -> String.format(format, f.applyAsDouble(r))),
        ratio(k.mean(f), o.mean(f)));
  }

  /** Each run's shutdown steps, "(round trip, +poll closed, +ended)" as median/p90 in ms. */
  static String stepsText(Pooled p) {
    if (p.runs().stream().allMatch(r -> r.run().kit().equals("original")))
      return "not recorded (no wire tap on its side)";
    return String.join(
        " ",
        p.runs().stream()
            .map(
                r -> {
                  var t = r.shutdownSteps();
                  return t == null
                      ? "(-)"
                      : String.format(
                          "(%d/%d, +%d/%d, +%d/%d ms)",
                          t.roundTripP50Ms(),
                          t.roundTripP90Ms(),
                          t.pollClosedP50Ms(),
                          t.pollClosedP90Ms(),
                          t.endedP50Ms(),
                          t.endedP90Ms());
                })
            .toList());
  }

  static String ratio(double kit, double original) {
    return Double.isNaN(kit) || Double.isNaN(original) || original == 0
        ? "-"
        : String.format("%.2f", kit / original);
  }

  /**
   * Two-sided Fisher exact test of a 2x2 table [[a, b], [c, d]]: the probability of tables at most
   * as likely.
   */
  static String fisherP(int a, int b, int c, int d) {
    int n = a + b + c + d, row1 = a + b, col1 = a + c;
    if (n == 0) return "-";
    double[] lf = new double[n + 1];
    for (int i = 2; i <= n; i++) lf[i] = lf[i - 1] + Math.log(i);
    java.util.function.IntToDoubleFunction logP =
        x ->
            lf[row1]
                + lf[n - row1]
                + lf[col1]
                + lf[n - col1]
                - lf[n]
                - lf[x]
                - lf[row1 - x]
                - lf[col1 - x]
                - lf[n - row1 - col1 + x];
    double observed = logP.applyAsDouble(a), p = 0;
    for (int x = Math.max(0, row1 + col1 - n); x <= Math.min(row1, col1); x++) {
      double lp = logP.applyAsDouble(x);
      if (lp <= observed + 1e-7) p += Math.exp(lp);
    }
    return String.format(p < 0.001 ? "%.1e" : "%.3f", Math.min(1, p));
  }

  /**
   * Figures from one leg of the kit-only benchmark: the records of its chaos workers and its
   * summary.
   */
  public record BenchmarkRow(
      Leg leg,
      Spread ranBeforeShutdownCall,
      Percentiles shutdown,
      Percentiles restartCycle,
      Starts starts,
      Drain drain,
      Losses losses,
      Footprint footprint) {
    public record Leg(int workers, int workflows, double interval) {}

    public record Spread(long minMs, double meanMs, long maxMs) {}

    public record Percentiles(long p50Ms, long p90Ms) {
      static Percentiles of(List<Long> xs) {
        return new Percentiles(pct(xs, 0.5), pct(xs, 0.9));
      }
    }

    /** The starter's whole process (jbang and JVM included) and its start RPCs alone. */
    public record Starts(Double processSeconds, Double rpcSeconds) {}

    public record Drain(Double seconds, Double workflowsPerSecond, double restartsPerMinute) {}

    public record Losses(Integer restartsWhileQueued, Double lostPerRestart) {}

    public record Footprint(Double verdictLatencySeconds, String peakRss, long stackTraceLines) {}
  }

  @Command(
      name = "benchmark",
      mixinStandardHelpOptions = true,
      description =
          "Writes DIR/benchmark.md (and .csv or .json): from DIR/r<round>-<kit>/run.json, the"
              + " side-by-side benchmark; else from DIR/n<workers>/, the kit-only legs.")
  static class Benchmark implements Callable<Integer> {
    @Parameters(index = "0", description = "the benchmark run's folder")
    Path dir;

    @Override
    public Integer call() throws IOException {
      List<BenchmarkRun> runs = new ArrayList<>();
      List<BenchmarkRow> rows = new ArrayList<>();
      int failedOriginals = 0;
      Map<BenchmarkRun, Cpu> cpu = new java.util.IdentityHashMap<>();
      if (!Files.isDirectory(dir)) throw new Cli.Fail("no such folder: " + dir);
      try (Stream<Path> subs = Files.list(dir)) {
        for (Path sub : (Iterable<Path>) subs.sorted()::iterator) {
          String name = sub.getFileName().toString();
          if (name.matches("r\\d+-(original|kit)") && Files.exists(sub.resolve("run.json"))) {
            BenchmarkRun run = Cli.readJson(sub.resolve("run.json"), BenchmarkRun.class);
            runs.add(run);
            cpu.put(run, Cpu.of(sub));
          } else if (name.matches("n\\d+")) rows.add(row(sub));
          else if (name.matches("r\\d+-original-failed-\\d+")) failedOriginals++;
        }
      }
      if (!runs.isEmpty()) {
        // In the order they ran.
        runs.sort(
            Comparator.comparing((BenchmarkRun r) -> r.run().round())
                .thenComparing(r -> BenchmarkRun.order(r.run().round()).indexOf(r.run().kit())));
        if (runs.stream().noneMatch(r -> r.run().kit().equals("original"))
            || runs.stream().noneMatch(r -> r.run().kit().equals("kit"))) {
          throw new Cli.Fail(
              "the side-by-side benchmark under "
                  + dir
                  + " lacks the original's or the kit's runs");
        }
        String md = sideBySide(runs, cpu);
        if (failedOriginals > 0) {
          md +=
              "\n"
                  + failedOriginals
                  + " run(s) of the original were not measured: its own start_workflows.py (every"
                  + " start in flight at once) did not start every workflow on the busy machine"
                  + " (its SDK's RPC timeout); each was run again (r<N>-original-failed-<k>/).\n";
        }
        Cli.writeFile(dir.resolve("benchmark.md"), md);
        Cli.writeFile(
            dir.resolve("benchmark.csv"),
            BENCHMARK_CSV_HEADER
                + "\n"
                + String.join("\n", runs.stream().map(r -> csvLine(r, cpu.get(r))).toList())
                + "\n");
        System.out.print(md);
        System.out.println(
            "\nTables: " + dir.resolve("benchmark.md") + ", " + dir.resolve("benchmark.csv"));
        return 0;
      }
      if (rows.isEmpty())
        throw new Cli.Fail(
            "no benchmark runs (r<round>-<kit>/run.json) or legs (n<workers>/) under " + dir);
      StringBuilder md =
          new StringBuilder(
              "| workers | workflows | interval | ran before shutdown call, ms (min/mean/max) |"
                  + " shutdown, ms (p50/p90) | restart cycle, ms (p50/p90) | restarts/min | starts"
                  + " (whole process / RPCs) | drain | workflows/s | restarts while queued | lost"
                  + " per restart | last close to verdict | peak RSS | stack-trace lines |\n"
                  + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (BenchmarkRow r : rows) {
        var d = r.drain();
        md.append(
            String.format(
                "| %d | %,d | %s s | %d / %.0f / %d | %d / %d | %d / %d | %.0f | %s / %s | %s | %s"
                    + " | %s | %s | %s | %s | %d |%n",
                r.leg().workers(),
                r.leg().workflows(),
                r.leg().interval(),
                r.ranBeforeShutdownCall().minMs(),
                r.ranBeforeShutdownCall().meanMs(),
                r.ranBeforeShutdownCall().maxMs(),
                r.shutdown().p50Ms(),
                r.shutdown().p90Ms(),
                r.restartCycle().p50Ms(),
                r.restartCycle().p90Ms(),
                d.restartsPerMinute(),
                secs(r.starts().processSeconds()),
                secs(r.starts().rpcSeconds()),
                secs(d.seconds()),
                d.workflowsPerSecond() == null
                    ? "?"
                    : String.format("%.1f", d.workflowsPerSecond()),
                r.losses().restartsWhileQueued() == null ? "?" : r.losses().restartsWhileQueued(),
                r.losses().lostPerRestart() == null
                    ? "-"
                    : String.format("%.3f", r.losses().lostPerRestart()),
                secs(r.footprint().verdictLatencySeconds()),
                r.footprint().peakRss(),
                r.footprint().stackTraceLines()));
      }
      Cli.writeFile(dir.resolve("benchmark.md"), md.toString());
      Cli.writeJson(dir.resolve("benchmark.json"), rows);
      System.out.print(md);
      return 0;
    }

    static String secs(Double s) {
      return s == null ? "?" : String.format("%.2f s", s);
    }

    static BenchmarkRow row(Path leg) throws IOException {
      var records = new Events.Records(leg.resolve("events")).refresh();
      List<Events.Restart> rs = records.restarts();
      if (rs.isEmpty()) throw new Cli.Fail("no restart records under " + leg.resolve("events"));
      List<Long> ran = new ArrayList<>(), down = new ArrayList<>(), cycle = new ArrayList<>();
      Map<String, Events.Restart> byKey = new java.util.HashMap<>();
      long first = Long.MAX_VALUE, last = 0;
      for (Events.Restart r : rs) {
        ran.add(r.shutdownBeginMs() - r.startMs());
        down.add(r.shutdownEndMs() - r.shutdownBeginMs());
        byKey.put(Loss.pidOf(r.identity()) + "/" + r.worker() + "/" + r.restart(), r);
        first = Math.min(first, r.startMs());
        last = Math.max(last, r.shutdownEndMs());
      }
      // A restart cycle's cost: from one incarnation's shutdown call to the next one's start.
      for (Events.Restart r : rs) {
        Events.Restart next =
            byKey.get(Loss.pidOf(r.identity()) + "/" + r.worker() + "/" + (r.restart() + 1));
        if (next != null) cycle.add(next.startMs() - r.shutdownBeginMs());
      }
      Path sf = leg.resolve("summary.json");
      Loss.Summary s = Files.exists(sf) ? read(sf) : null;
      Path rssFile = leg.resolve("peak-rss-kb"),
          wlog = leg.resolve("activity-worker.log"),
          startMs = leg.resolve("start-process-ms");
      String rssText = Files.exists(rssFile) ? Files.readString(rssFile).trim() : "";
      String rss =
          rssText.matches("\\d+")
              ? String.format("%.0f MB", Long.parseLong(rssText) / 1024.0)
              : "?";
      long traces =
          Files.exists(wlog)
              ? Files.readAllLines(wlog).stream().filter(l -> l.trim().startsWith("at ")).count()
              : 0;
      var cfg = records.configs().isEmpty() ? null : records.configs().get(0);
      Double drain = s == null || s.timing() == null ? null : s.timing().drainSeconds();
      Double startProcess =
          Files.exists(startMs) ? Long.parseLong(Files.readString(startMs).trim()) / 1000.0 : null;
      Path startedFile = leg.resolve("start.json");
      Double startRpcs =
          s != null && s.timing() != null && s.timing().startSeconds() != null
              ? s.timing().startSeconds()
              : Files.exists(startedFile)
                  ? Cli.readJson(startedFile, Loss.Started.class).startSeconds()
                  : null;
      var restarts = s == null ? null : s.restarts();
      return new BenchmarkRow(
          new BenchmarkRow.Leg(
              cfg == null ? 0 : cfg.workers(),
              s == null ? 0 : s.started(),
              cfg == null ? 0 : cfg.interval()),
          new BenchmarkRow.Spread(
              min(ran), ran.stream().mapToLong(x -> x).average().orElse(0), max(ran)),
          BenchmarkRow.Percentiles.of(down),
          BenchmarkRow.Percentiles.of(cycle),
          new BenchmarkRow.Starts(startProcess, startRpcs),
          new BenchmarkRow.Drain(
              drain,
              s == null || drain == null || drain <= 0 ? null : s.started() / drain,
              rs.size() * 60000.0 / Math.max(1, last - first)),
          new BenchmarkRow.Losses(
              restarts == null ? null : restarts.whileWorkQueued(),
              restarts == null ? null : restarts.lostPerRestart()),
          new BenchmarkRow.Footprint(
              s == null || s.timing() == null ? null : s.timing().verdictLatencySeconds(),
              rss,
              traces));
    }
  }

  static long pct(List<Long> xs, double p) {
    if (xs.isEmpty()) return -1;
    List<Long> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get((int) Math.floor((s.size() - 1) * p));
  }

  static long min(List<Long> xs) {
    return xs.stream().mapToLong(x -> x).min().orElse(-1);
  }

  static long max(List<Long> xs) {
    return xs.stream().mapToLong(x -> x).max().orElse(-1);
  }
}

// The Dapr release matrix: one row per requested release, each run on a clean stack by kit/dapr.sh,
// from its build (time, or why it failed) and its summary.json (both verdicts, the counts). Writes
// matrix.md, matrix.csv, matrix.json and matrix.png (orphaned executions and engine reminders per
// minute at the steady rate, the window's last third, by release). A release that did not build or
// run is a row that says why.

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "matrix",
    mixinStandardHelpOptions = true,
    description =
        "One row per release: OUT/matrix.md, matrix.csv, matrix.json and matrix.png from each"
            + " release's folder.")
public class DaprMatrix implements Callable<Integer> {
  @Option(names = "--out", required = true, description = "the matrix's folder")
  Path out;

  @Option(names = "--mode", required = true, description = "the mode every release ran in")
  String mode;

  @Parameters(
      description =
          "VERSION=DIR=BUILD_SECONDS=EXIT for each release, in order (BUILD_SECONDS -1: did not"
              + " build; EXIT: the run's exit code)")
  List<String> legs;

  /**
   * What the build gave: the release asked for and the one built, substitutions, time, or why it
   * failed.
   */
  public record Build(
      String requested,
      String built,
      String source,
      List<String> substitutions,
      Long seconds,
      String error) {}

  /**
   * The run's outcome, from its summary.json (null fields: no summary, or the count was not
   * measured).
   */
  public record Outcome(
      String verdict,
      String engineVerdict,
      Long orphanedExecutions,
      Long orphanedInLastThird,
      Long remindersFired,
      Long remindersFiredInLastThird,
      Long activityExecutions,
      Integer jobsLeft,
      Double observeSeconds,
      String error) {
    Double perMinute(Long lastThird) {
      return lastThird == null || observeSeconds == null || observeSeconds <= 0
          ? null
          : Cli.round(lastThird / (observeSeconds / 3) * 60, 1);
    }
  }

  public record Row(
      Build build, Outcome outcome, Double orphanedPerMinute, Double remindersPerMinute) {}

  public record Matrix(String mode, List<Row> rows) {}

  @Override
  public Integer call() throws IOException {
    List<Row> rows = new ArrayList<>();
    for (String leg : legs) rows.add(row(leg));
    Cli.writeJson(out.resolve("matrix.json"), new Matrix(mode, rows));
    Cli.writeFile(out.resolve("matrix.md"), markdown(rows));
    Cli.writeFile(out.resolve("matrix.csv"), csv(rows));
    chart(out.resolve("matrix.png"), rows);
    System.err.print(markdown(rows));
    System.err.println(
        "matrix: "
            + out.resolve("matrix.md")
            + ", "
            + out.resolve("matrix.csv")
            + ", "
            + out.resolve("matrix.png"));
    return 0;
  }

  Row row(String leg) throws IOException {
    String[] p = leg.split("=", 4);
    if (p.length != 4)
      throw new Cli.Fail("a leg is VERSION=DIR=BUILD_SECONDS=EXIT, got '" + leg + "'");
    Path dir = Path.of(p[1]);
    long secs = Long.parseLong(p[2]);
    int rc = Integer.parseInt(p[3]);
    Path summary = dir.resolve("summary.json");
    DaprReport.Summary s =
        Files.isRegularFile(summary) ? Cli.readJson(summary, DaprReport.Summary.class) : null;
    Build build;
    if (secs < 0)
      build =
          new Build(
              p[0],
              null,
              null,
              List.of(),
              null,
              lastError(dir.resolve("build.err"), "the build failed"));
    else if (s == null) build = new Build(p[0], null, null, List.of(), secs, null);
    else
      build =
          new Build(
              p[0],
              s.versions().daprVersion(),
              s.versions().buildSource(),
              s.versions().substitutedModules().stream()
                  .map(
                      m ->
                          m.module().replace("github.com/", "")
                              + " "
                              + m.used()
                              + " for "
                              + m.wanted())
                  .toList(),
              secs,
              null);
    Outcome o;
    if (secs < 0)
      o =
          new Outcome(
              null, null, null, null, null, null, null, null, null, "not run: " + build.error());
    else if (s == null)
      o =
          new Outcome(
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              lastError(dir.resolve("run.err"), "the run failed (exit " + rc + ")"));
    else {
      Engine.Evidence e = s.engine();
      o =
          new Outcome(
              s.verdict() == null ? null : s.verdict().json(),
              s.engineVerdict() == null ? null : s.engineVerdict().json(),
              s.counts().orphanedExecutions(),
              s.counts().orphanedInLastThird(),
              e.remindersFiredInWindow(),
              e.remindersFiredInLastThird(),
              e.activityExecutionsInWindow(),
              e.jobs().forLostInstances(),
              s.counts().observeSeconds(),
              s.incomplete());
    }
    return new Row(
        build, o, o.perMinute(o.orphanedInLastThird()), o.perMinute(o.remindersFiredInLastThird()));
  }

  /** The last `error:` line of a step's own output, or what is known. */
  static String lastError(Path f, String otherwise) throws IOException {
    if (!Files.isRegularFile(f)) return otherwise;
    return Files.readAllLines(f, java.nio.charset.StandardCharsets.ISO_8859_1).stream()
        .filter(l -> l.startsWith("error: "))
        .reduce((a, b) -> b)
        .map(l -> l.substring(7))
        .orElse(otherwise);
  }

  static String word(Object o, String none) {
    return o == null ? none : String.valueOf(o);
  }

  static String markdown(List<Row> rows) {
    Tables t =
        Tables.of(
            "requested",
            "built",
            "substitutions",
            "build",
            "verdict",
            "engine verdict",
            "orphaned after the loss (last third)",
            "orphaned / min",
            "reminders fired (last third)",
            "reminders / min",
            "activities daprd ran",
            "jobs left",
            "note");
    for (Row r : rows) {
      Build b = r.build();
      Outcome o = r.outcome();
      t.row(
          b.requested(),
          word(b.built(), "-"),
          b.substitutions().isEmpty() ? "-" : String.join("; ", b.substitutions()),
          b.seconds() == null ? "failed" : b.seconds() == 0 ? "cached" : b.seconds() + " s",
          word(o.verdict(), o.error() == null ? "-" : "no verdict"),
          word(o.engineVerdict(), "incomplete"),
          o.orphanedExecutions() == null
              ? "-"
              : o.orphanedExecutions() + " (" + o.orphanedInLastThird() + ")",
          word(r.orphanedPerMinute(), "-"),
          o.remindersFired() == null
              ? "incomplete"
              : o.remindersFired() + " (" + o.remindersFiredInLastThird() + ")",
          word(r.remindersPerMinute(), "-"),
          word(o.activityExecutions(), "-"),
          word(o.jobsLeft(), "incomplete"),
          word(o.error(), "").replace("|", "/"));
    }
    return t.markdown();
  }

  static String csv(List<Row> rows) {
    Tables t =
        Tables.of(
            ("requested,built,build_source,substitutions,build_seconds,verdict,engine_verdict,"
                 + "orphaned_executions,orphaned_in_last_third,orphaned_per_minute,reminders_fired,"
                 + "reminders_fired_in_last_third,reminders_per_minute,activity_executions,jobs_left,"
                 + "observe_seconds,error")
                .split(","));
    for (Row r : rows) {
      Build b = r.build();
      Outcome o = r.outcome();
      t.row(
          b.requested(),
          word(b.built(), ""),
          word(b.source(), ""),
          String.join("; ", b.substitutions()),
          word(b.seconds(), ""),
          word(o.verdict(), ""),
          word(o.engineVerdict(), ""),
          word(o.orphanedExecutions(), ""),
          word(o.orphanedInLastThird(), ""),
          word(r.orphanedPerMinute(), ""),
          word(o.remindersFired(), ""),
          word(o.remindersFiredInLastThird(), ""),
          word(r.remindersPerMinute(), ""),
          word(o.activityExecutions(), ""),
          word(o.jobsLeft(), ""),
          word(o.observeSeconds(), ""),
          word(o.error() == null ? b.error() : o.error(), ""));
    }
    return t.csv();
  }

  /**
   * Grouped bars by release; a release with nothing measured has no bar (0 would claim a
   * measurement).
   */
  static void chart(Path png, List<Row> rows) throws IOException {
    CategoryChart c =
        new CategoryChartBuilder()
            .width(1000)
            .height(500)
            .title("Steady rate after the loss (the window's last third), by Dapr release")
            .xAxisTitle("Dapr release (requested)")
            .yAxisTitle("per minute")
            .build();
    List<String> names =
        rows.stream()
            .map(
                r ->
                    r.build().requested()
                        + (r.build().built() == null
                                || r.build().built().equals(r.build().requested())
                            ? ""
                            : " (" + r.build().built() + ")"))
            .toList();
    List<Double> orphans =
        rows.stream()
            .map(r -> r.orphanedPerMinute() == null ? Double.NaN : r.orphanedPerMinute())
            .toList();
    List<Double> reminders =
        rows.stream()
            .map(r -> r.remindersPerMinute() == null ? Double.NaN : r.remindersPerMinute())
            .toList();
    c.addSeries("orphaned activity executions / min (the app's records)", names, orphans);
    c.addSeries("reminders fired / min (daprd's metrics)", names, reminders);
    c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
    c.getStyler().setXAxisLabelRotation(30);
    BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}

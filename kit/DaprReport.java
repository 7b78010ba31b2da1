///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3
//DEPS org.slf4j:slf4j-simple:2.0.17
//DEPS org.knowm.xchart:xchart:3.8.8
//SOURCES Cli.java Orphans.java Engine.java DaprReportMd.java DaprMatrix.java Charts.java Tables.java

// The Dapr verdict: the app's own execution records and counts, the instances' state after the
// loss, and the sidecar's own words, turned into summary.json, a timeline chart and the printed
// result; and several versions' runs side by side. reproduce_issue.sh starts and stops the
// processes; the figures are made here.

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "DaprReport",
    mixinStandardHelpOptions = true,
    subcommands = {DaprReport.Verdict.class, DaprReport.Compare.class, DaprMatrix.class},
    description =
        "The Dapr reproduction's verdict and side-by-side report (reproduce_issue.sh calls it).")
public class DaprReport implements Callable<Integer> {
  public static void main(String[] args) {
    Cli.quietLogging();
    System.exit(Cli.run(new DaprReport(), args));
  }

  @Override
  public Integer call() {
    throw new Cli.Fail("name a subcommand: verdict or compare (see --help)");
  }

  /**
   * The seed's scale scenario, as the original reported it (its own figures, not measured here).
   */
  public record SeedScale(int workflows, int callsPerHour, int costPerMonth) {}

  static final SeedScale SEED = new SeedScale(50, 18_000, 38_880);

  public record Instance(
      String instanceId, String afterLoss, long executions, long orphaned, long unconfirmed) {}

  public record Phases(
      long createdMs, Long lossMs, Long restoredMs, long observeFromMs, long observeToMs) {}

  public record Substitution(String module, String wanted, String used) {}

  /** build.json, as tools/build-dapr.sh writes it (the fields read here). */
  public record Build(
      String daprVersion,
      String daprVersionRequested,
      String source,
      String buildSource,
      List<Substitution> substitutedModules) {
    /**
     * release, proxy or src; a build.json from before build_source says it through source
     * ("local:DIR" is src).
     */
    String how() {
      return buildSource != null
          ? buildSource
          : source != null && source.startsWith("local:") ? "src" : source;
    }
  }

  /**
   * What ran: the Dapr release built (and the one asked for), how it was built, and the app's SDK
   * as the SDK says.
   */
  public record Versions(
      String daprVersion,
      String daprVersionRequested,
      String buildSource,
      List<Substitution> substitutedModules,
      String daprSdk) {}

  /** The app's own counts, from its records in the observation window (and before the loss). */
  public record Counts(
      long orphanedBeforeLoss,
      long orphanedExecutions,
      long orphanedInLastThird,
      long unconfirmedExecutions,
      long unknownExecutions,
      long totalExecutions,
      double observeSeconds) {}

  /** daprd's log lines in each version's words, counted, and a few of them. */
  public record Evidence(Map<String, Long> sidecarEvidence, List<String> sidecarSamples) {}

  /**
   * One run's summary.json. verdict, verdict_reason and cost are null when the measurement is
   * incomplete (incomplete says what is missing); engine_verdict is null when daprd's metrics could
   * not be read (engine.incomplete says why). Built by measured(..) or incomplete(..), never field
   * by field.
   */
  public record Summary(
      String mode,
      Versions versions,
      int workflows,
      List<Instance> instances,
      Counts counts,
      Orphans.Verdict verdict,
      String verdictReason,
      Orphans.Verdict engineVerdict,
      Orphans.Cost cost,
      SeedScale seedScale,
      Evidence evidence,
      Engine.Evidence engine,
      Phases phases,
      String timeline,
      String incomplete) {

    static Summary measured(
        String mode,
        Versions versions,
        List<Instance> instances,
        Counts counts,
        Orphans.Verdict verdict,
        Orphans.Cost cost,
        Evidence evidence,
        Engine.Evidence engine,
        Phases phases,
        String timeline) {
      return new Summary(
          mode,
          versions,
          instances.size(),
          instances,
          counts,
          verdict,
          reason(verdict, instances.size()),
          engine.verdict(),
          cost,
          SEED,
          evidence,
          engine,
          phases,
          timeline,
          null);
    }

    static Summary incomplete(
        String mode,
        Versions versions,
        List<Instance> instances,
        Counts counts,
        Evidence evidence,
        Engine.Evidence engine,
        Phases phases,
        String timeline,
        String missing) {
      return new Summary(
          mode,
          versions,
          instances.size(),
          instances,
          counts,
          null,
          null,
          engine.verdict(),
          null,
          SEED,
          evidence,
          engine,
          phases,
          timeline,
          missing);
    }

    /**
     * The verdict as the tables write it: its lower-case name, or "no verdict" for an incomplete
     * run.
     */
    String verdictWord() {
      return verdict == null ? "no verdict" : verdict.json();
    }

    String engineVerdictWord() {
      return engineVerdict == null ? "incomplete" : engineVerdict.json();
    }

    /** "1.16.2", or "1.15.4 (for 1.15.8)" when the proxy served another patch. */
    String release() {
      return versions.daprVersion()
          + (versions.daprVersion().equals(versions.daprVersionRequested())
              ? ""
              : " (for " + versions.daprVersionRequested() + ")");
    }
  }

  // -------------------------------------------------------------------------------------- verdict

  @Command(
      name = "verdict",
      mixinStandardHelpOptions = true,
      description =
          "Writes DIR/summary.json, DIR/report.md and DIR/timeline.png from DIR/executions.jsonl,"
              + " the app's /stats, DIR/daprd*.log and DIR/metrics/.")
  static class Verdict implements Callable<Integer> {
    @Option(names = "--dir", required = true, description = "this version's run folder")
    Path dir;

    @Option(
        names = "--app",
        defaultValue = "http://127.0.0.1:8999",
        description = "DaprApp's URL (default: ${DEFAULT-VALUE})")
    String app;

    @Option(
        names = "--instance",
        required = true,
        description = "a workflow instance of this run (repeat for each)")
    List<String> instances;

    @Option(names = "--mode", required = true, description = "kill, ttl or ttl-no-restart")
    String mode;

    @Option(names = "--build-info", description = "the build.json of the Dapr binaries that ran")
    Path buildInfo;

    @Option(
        names = "--version",
        description = "the Dapr version that ran, when there is no build.json")
    String version;

    @Option(names = "--created-ms", required = true)
    long createdMs;

    @Option(
        names = "--loss-ms",
        description =
            "when the state was lost (the kill; in ttl modes when the instance was first not"
                + " found)")
    Long lossMs;

    @Option(
        names = "--restored-ms",
        description = "when the restarted processes were healthy again")
    Long restoredMs;

    @Option(names = "--from-ms", required = true, description = "start of the observation window")
    long fromMs;

    @Option(names = "--to-ms", required = true, description = "end of the observation window")
    long toMs;

    @Option(names = "--cost-per-call", defaultValue = "0.03")
    double costPerCall;

    @Option(names = "--command", description = "the command line of the run, for report.md")
    String command;

    @Option(
        names = "--incomplete",
        description = "why the run could not be completed: write a partial summary and exit 2")
    String incomplete;

    @Override
    public Integer call() throws Exception {
      Cli.nonNegative(costPerCall, "--cost-per-call");
      if (toMs <= fromMs) throw new Cli.Fail("--to-ms must be after --from-ms");
      Problems problems = new Problems(incomplete);
      // /stats first, then the records: the app writes a record before it counts it, so the records
      // read afterwards hold at least every execution counted (and maybe a few that began since).
      Orphans.Stats stats = stats(problems);
      List<Orphans.Execution> all = readRecords(dir.resolve("executions.jsonl"));
      long recordedOrphans = all.stream().filter(r -> r.kind() == Orphans.Kind.ORPHANED).count();
      if (stats != null && stats.total().orphaned() > recordedOrphans) {
        problems.add(
            "the app counts "
                + stats.total().orphaned()
                + " orphaned executions but recorded only "
                + recordedOrphans);
      }
      // What ran after the window (while this report starts) is not part of the measurement.
      List<Orphans.Execution> records = all.stream().filter(r -> r.beganMs() <= toMs).toList();
      List<Instance> inst = instances(records, problems);
      List<Long> orphanTimes = orphanTimes(records);
      Counts counts = counts(records, orphanTimes);
      Phases phases = new Phases(createdMs, lossMs, restoredMs, fromMs, toMs);
      Versions versions = versions(stats);
      List<String> sidecar = sidecarLines(dir);
      Evidence evidence = new Evidence(Orphans.countWording(sidecar), Orphans.samples(sidecar, 2));
      Engine.Evidence engine = engineEvidence(dir, lossMs, instances);
      String png = chart(versions, orphanTimes);
      Summary s;
      if (problems.first() == null) {
        Orphans.Verdict v = Orphans.verdict(orphanTimes, fromMs, toMs, instances.size());
        s =
            Summary.measured(
                mode,
                versions,
                inst,
                counts,
                v,
                Orphans.cost(v, orphanTimes, fromMs, toMs, costPerCall),
                evidence,
                engine,
                phases,
                png);
      } else {
        s =
            Summary.incomplete(
                mode, versions, inst, counts, evidence, engine, phases, png, problems.first());
      }
      Cli.writeJson(dir.resolve("summary.json"), s);
      Cli.writeFile(dir.resolve("report.md"), DaprReportMd.render(s, command));
      System.err.print(render(s));
      if (s.incomplete() != null)
        throw new Cli.Fail(s.incomplete() + "; partial results in " + dir.resolve("summary.json"));
      return 0;
    }

    /** The app's own counts must answer: a dead app is an error, never a zero. */
    Orphans.Stats stats(Problems problems) {
      try {
        return Cli.JSON.readValue(get(app + "/stats").body(), Orphans.Stats.class);
      } catch (Exception e) {
        problems.add(
            "DaprApp did not answer GET /stats at the end of the observation ("
                + Cli.firstLine(e.getMessage())
                + "): executions after its last record are unknown");
        return null;
      }
    }

    List<Instance> instances(List<Orphans.Execution> records, Problems problems) {
      List<Instance> out = new ArrayList<>();
      for (String id : instances) {
        String after;
        try {
          int code = get(app + "/workflow/" + id).statusCode();
          after =
              code == 404 ? "not found" : code == 200 ? "found" : "no answer (HTTP " + code + ")";
        } catch (Exception e) {
          after = "no answer";
          problems.add("DaprApp did not answer GET /workflow/" + id);
        }
        List<Orphans.Execution> mine =
            records.stream().filter(r -> r.instanceId().equals(id)).toList();
        out.add(
            new Instance(
                id,
                after,
                mine.size(),
                count(mine, Orphans.Kind.ORPHANED),
                count(mine, Orphans.Kind.UNCONFIRMED)));
      }
      return out;
    }

    Counts counts(List<Orphans.Execution> records, List<Long> orphanTimes) {
      long before =
          orphanTimes.stream().filter(t -> lossMs == null ? t < fromMs : t < lossMs).count();
      long inWindow = orphanTimes.stream().filter(t -> t >= fromMs && t <= toMs).count();
      return new Counts(
          before,
          inWindow,
          Orphans.lastThird(orphanTimes, fromMs, toMs),
          count(records, Orphans.Kind.UNCONFIRMED),
          count(records, Orphans.Kind.UNKNOWN),
          records.size(),
          (toMs - fromMs) / 1000.0);
    }

    /**
     * build.json when there is one; the SDK's version as the app reported it (null: the app did not
     * answer).
     */
    Versions versions(Orphans.Stats stats) {
      Build b =
          buildInfo != null && Files.isRegularFile(buildInfo)
              ? Cli.readJson(buildInfo, Build.class)
              : new Build(version, version, "proxy", "proxy", List.of());
      return new Versions(
          b.daprVersion(),
          b.daprVersionRequested(),
          b.how(),
          b.substitutedModules(),
          stats == null ? null : stats.daprSdk());
    }

    String chart(Versions versions, List<Long> orphanTimes) {
      Path png = dir.resolve("timeline.png");
      var markers = new LinkedHashMap<String, Double>();
      if (lossMs != null) markers.put("state lost", (lossMs - createdMs) / 1000.0);
      if (restoredMs != null) markers.put("restarted", (restoredMs - createdMs) / 1000.0);
      Charts.timeline(
          png,
          "Orphaned activity executions per second, Dapr "
              + versions.daprVersion()
              + " ("
              + mode
              + ")",
          "seconds since the workflow" + (instances.size() == 1 ? " was" : "s were") + " created",
          "orphaned executions / s",
          Map.of("Dapr " + versions.daprVersion(), Orphans.perSecond(orphanTimes, createdMs, toMs)),
          markers);
      return png.getFileName().toString();
    }
  }

  /** The first thing that made the measurement incomplete (the one `error:` line says it). */
  static final class Problems {
    private String first;

    Problems(String given) {
      first = given;
    }

    void add(String problem) {
      if (first == null) first = problem;
    }

    String first() {
      return first;
    }
  }

  static long count(List<Orphans.Execution> records, Orphans.Kind kind) {
    return records.stream().filter(r -> r.kind() == kind).count();
  }

  static List<Long> orphanTimes(List<Orphans.Execution> records) {
    return records.stream()
        .filter(r -> r.kind() == Orphans.Kind.ORPHANED)
        .map(Orphans.Execution::beganMs)
        .toList();
  }

  static String reason(Orphans.Verdict v, int workflows) {
    long a = Orphans.allowance(workflows);
    return switch (v) {
      case LOOPS ->
          "more than "
              + a
              + " orphaned executions (the fix's one more run of each of "
              + Orphans.PARALLEL
              + " parallel activities per workflow), still arriving in the window's last third";
      case STOPS -> "orphaned executions ran, then stopped (none in the window's last third)";
      case INCONCLUSIVE ->
          "no more than "
              + a
              + " orphaned executions (the fix's allowance), but still arriving in the window's"
              + " last third: observe longer";
      case NONE -> "no activity ran without its workflow in the window";
    };
  }

  // ------------------------------------------------------------------------------- engine evidence

  /**
   * DIR/metrics/MS-N-LABEL.prom (a read of daprd incarnation N's /metrics at MS) or
   * MS-N-LABEL.failed (why it could not be read), and DIR/scheduler-jobs.json or .failed, as
   * kit/dapr.sh writes them.
   */
  static Engine.Evidence engineEvidence(Path dir, Long lossMs, List<String> instances)
      throws IOException {
    List<Engine.Reading> readings = new ArrayList<>();
    Path m = dir.resolve("metrics");
    if (Files.isDirectory(m)) {
      try (Stream<Path> files = Files.list(m)) {
        for (Path f : (Iterable<Path>) files.sorted()::iterator) {
          String[] p = f.getFileName().toString().split("[-.]", 3);
          if (p.length < 3 || !p[0].matches("\\d+") || !p[1].matches("\\d+")) continue;
          String label = p[2].replaceFirst("\\.(prom|failed)$", "");
          long at = Long.parseLong(p[0]);
          int n = Integer.parseInt(p[1]);
          String text = Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1);
          readings.add(
              f.toString().endsWith(".failed")
                  ? Engine.failed(
                      label, at, n, Cli.firstLine(text.isBlank() ? "no answer" : text.trim()))
                  : Engine.parse(label, at, n, text));
        }
      }
    }
    readings.sort(java.util.Comparator.comparingLong(Engine.Reading::atMs));
    return Engine.evidence(readings, lossMs, jobs(dir, instances), instances.size());
  }

  static Engine.Jobs jobs(Path dir, List<String> instances) throws IOException {
    Path ok = dir.resolve("scheduler-jobs.json"), failed = dir.resolve("scheduler-jobs.failed");
    if (Files.isRegularFile(ok)) {
      try {
        return Engine.jobs(Cli.JSON.readTree(ok.toFile()), instances);
      } catch (IOException | RuntimeException e) {
        return new Engine.Jobs(
            null,
            null,
            List.of(),
            "the scheduler's answer was not etcd's JSON: "
                + Cli.firstLine(String.valueOf(e.getMessage())));
      }
    }
    if (Files.isRegularFile(failed))
      return new Engine.Jobs(null, null, List.of(), Cli.firstLine(Files.readString(failed).trim()));
    return new Engine.Jobs(null, null, List.of(), "the scheduler's jobs were not read");
  }

  static List<Orphans.Execution> readRecords(Path f) throws IOException {
    List<Orphans.Execution> out = new ArrayList<>();
    if (!Files.exists(f)) return out;
    for (String line : Files.readAllLines(f)) {
      if (line.isBlank()) continue;
      try {
        out.add(Cli.JSON.readValue(line, Orphans.Execution.class));
      } catch (IOException cutShortByAKill) {
        // at most the last line of a killed app
      }
    }
    return out;
  }

  static List<String> sidecarLines(Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f :
          (Iterable<Path>)
              files.filter(p -> p.getFileName().toString().matches("daprd.*\\.log")).sorted()
                  ::iterator) {
        lines.addAll(Files.readAllLines(f, java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return lines;
  }

  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String render(Summary s) {
    StringBuilder sb = new StringBuilder();
    Counts c = s.counts();
    sb.append(
        String.format(
            "verdict for Dapr %s (%s mode): %s; the engine's own counters: %s%n",
            s.versions().daprVersion(),
            s.mode(),
            s.verdict() == null
                ? "no verdict: " + s.incomplete()
                : "orphaned activity executions " + s.verdict().json(),
            s.engineVerdictWord()));
    if (!s.versions().daprVersion().equals(s.versions().daprVersionRequested())) {
      sb.append(
          String.format(
              "  (requested %s; the Go module proxy here does not serve it)%n",
              s.versions().daprVersionRequested()));
    }
    for (Substitution m : s.versions().substitutedModules())
      sb.append(
          String.format(
              "  built with %s %s in place of %s (not served here)%n",
              m.module(), m.used(), m.wanted()));
    sb.append(
        String.format(
            "  orphaned executions in %.0f s after the loss: %d, %d of them in the last third (the"
                + " app's own records)%n",
            c.observeSeconds(), c.orphanedExecutions(), c.orphanedInLastThird()));
    sb.append(
        String.format(
            "  before the loss: %d orphaned; checks that disagreed: %d; no answer from the sidecar:"
                + " %d; all executions: %d%n",
            c.orphanedBeforeLoss(),
            c.unconfirmedExecutions(),
            c.unknownExecutions(),
            c.totalExecutions()));
    if (s.instances().size() <= 10) {
      for (Instance i : s.instances())
        sb.append(
            String.format(
                "  instance %s: %s after the loss; %d executions, %d orphaned%n",
                i.instanceId(), i.afterLoss(), i.executions(), i.orphaned()));
    } else {
      long[] o = s.instances().stream().mapToLong(Instance::orphaned).sorted().toArray();
      sb.append(
          String.format(
              "  %d instances (%d not found after the loss); orphaned executions per instance: min"
                  + " %d, median %d, max %d%n",
              o.length,
              s.instances().stream().filter(i -> i.afterLoss().equals("not found")).count(),
              o[0],
              o[o.length / 2],
              o[o.length - 1]));
    }
    if (s.cost() != null) sb.append(costLines(s));
    sb.append("  sidecar's own words: ");
    s.evidence()
        .sidecarEvidence()
        .forEach((k, n) -> sb.append(k).append('=').append(n).append("  "));
    sb.append('\n');
    for (String l : s.evidence().sidecarSamples())
      sb.append("    | ").append(l.length() > 200 ? l.substring(0, 200) + "..." : l).append('\n');
    sb.append("  engine: ").append(engineLine(s.engine())).append('\n');
    return sb.toString();
  }

  static String costLines(Summary s) {
    Orphans.Cost c = s.cost();
    return switch (s.verdict()) {
      case LOOPS ->
          String.format(
                  "  steady rate %.0f calls an hour: $%,.2f a day, $%,.2f a month at $%s a call%n",
                  c.callsPerHour(), c.perDay(), c.perMonth(), c.perCall())
              + String.format(
                  "  the original's scale scenario (its own figures): %d workflows, %,d LLM calls"
                      + " an hour, $%,d a month%n",
                  s.seedScale().workflows(),
                  s.seedScale().callsPerHour(),
                  s.seedScale().costPerMonth());
      case INCONCLUSIVE ->
          "  projected cost: none (a few orphaned executions, still arriving at the end: observe"
              + " longer with --observe)\n";
      case NONE -> "  projected cost: $0 (no activity ran without its workflow)\n";
      case STOPS -> "  projected cost: $0 (the orphaned executions stopped)\n";
    };
  }

  /**
   * One line of the engine's evidence: reminders fired, activities daprd ran, the scheduler's jobs
   * left.
   */
  static String engineLine(Engine.Evidence e) {
    String jobs =
        e.jobs().error() != null
            ? "scheduler's jobs: incomplete (" + e.jobs().error() + ")"
            : "scheduler's jobs at the end: "
                + e.jobs().forLostInstances()
                + " for the lost instance(s), "
                + e.jobs().total()
                + " in all";
    if (e.verdict() == null) return "incomplete (" + e.incomplete() + "); " + jobs;
    return String.format(
        "daprd fired %d reminders after the loss (%s), %d in the last third; ran %d activities; %s",
        e.remindersFiredInWindow(),
        e.remindersFiredByType().entrySet().stream()
            .map(x -> x.getKey() + " " + x.getValue())
            .reduce((a, b) -> a + ", " + b)
            .orElse("none"),
        e.remindersFiredInLastThird(),
        e.activityExecutionsInWindow(),
        jobs);
  }

  // -------------------------------------------------------------------------------------- compare

  public record SideBySide(List<Summary> runs) {}

  /**
   * The table of several runs, one row each: what the README, side-by-side.md and report.md show.
   */
  static String table(List<Summary> runs) {
    Tables t =
        Tables.of(
            "Dapr",
            "verdict",
            "engine verdict",
            "orphaned after the loss",
            "in the last third",
            "orphaned before",
            "reminders fired after the loss",
            "jobs left for the instance",
            "instance after the loss",
            "sidecar's own words");
    for (Summary s : runs) {
      StringBuilder words = new StringBuilder();
      s.evidence()
          .sidecarEvidence()
          .forEach(
              (k, n) -> {
                if (n > 0)
                  words.append(words.length() == 0 ? "" : "; ").append(k).append(": ").append(n);
              });
      Engine.Evidence e = s.engine();
      t.row(
          s.release(),
          s.verdictWord(),
          s.engineVerdictWord(),
          s.counts().orphanedExecutions(),
          s.counts().orphanedInLastThird(),
          s.counts().orphanedBeforeLoss(),
          e.remindersFiredInWindow() == null
              ? "incomplete"
              : e.remindersFiredInWindow()
                  + " ("
                  + e.remindersFiredInLastThird()
                  + " in the last third)",
          e.jobs().forLostInstances() == null
              ? "incomplete"
              : String.valueOf(e.jobs().forLostInstances()),
          s.instances().stream()
              .map(Instance::afterLoss)
              .distinct()
              .reduce((a, b) -> a + ", " + b)
              .orElse("?"),
          words.length() == 0 ? "-" : words);
    }
    return t.markdown();
  }

  @Command(
      name = "compare",
      mixinStandardHelpOptions = true,
      description =
          "Several versions' summaries side by side: OUT/summary.json, OUT/timeline.png and a"
              + " table.")
  static class Compare implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "the side-by-side run's folder")
    Path out;

    @Parameters(description = "each version's run folder, in order")
    List<Path> dirs;

    @Override
    public Integer call() throws IOException {
      List<Summary> runs = new ArrayList<>();
      Map<String, double[][]> lines = new LinkedHashMap<>();
      for (Path d : dirs) {
        Summary s = Cli.readJson(d.resolve("summary.json"), Summary.class);
        runs.add(s);
        // Aligned on the loss, so versions run one after the other share one time axis.
        long zero = s.phases().lossMs() != null ? s.phases().lossMs() : s.phases().observeFromMs();
        lines.put(
            "Dapr " + s.release(),
            Orphans.perSecond(
                orphanTimes(readRecords(d.resolve("executions.jsonl"))),
                zero,
                s.phases().observeToMs()));
      }
      Charts.timeline(
          out.resolve("timeline.png"),
          "Orphaned activity executions per second, each version on a clean stack",
          "seconds since the state was lost",
          "orphaned executions / s",
          lines,
          Map.of("state lost", 0.0));
      String md = table(runs);
      Cli.writeJson(out.resolve("summary.json"), new SideBySide(runs));
      Cli.writeFile(out.resolve("side-by-side.md"), md);
      System.err.print(md);
      System.err.println("chart: " + out.resolve("timeline.png"));
      return 0;
    }
  }
}

///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES Cli.java Orphans.java Charts.java Loss.java Events.java

// The Dapr verdict: the app's own execution records and counts, the instances' state after the loss, and
// the sidecar's own words, turned into summary.json, a timeline chart and the printed result; and several
// versions' runs side by side. reproduce_issue.sh starts and stops the processes; the figures are made here.

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
    subcommands = {DaprReport.Verdict.class, DaprReport.Compare.class},
    description = "The Dapr reproduction's verdict and side-by-side report (reproduce_issue.sh calls it).")
public class DaprReport implements Callable<Integer> {
  public static void main(String[] args) {
    Cli.quietLogging();
    System.exit(Cli.run(new DaprReport(), args));
  }

  @Override
  public Integer call() {
    throw new Cli.Fail("name a subcommand: verdict or compare (see --help)");
  }

  /** The seed's scale scenario, as the original reported it (its own figures, not measured here). */
  public record SeedScale(int workflows, int callsPerHour, int costPerMonth) {}

  static final SeedScale SEED = new SeedScale(50, 18_000, 38_880);

  public record Instance(String instanceId, String afterLoss, long executions, long orphaned, long unconfirmed) {}

  public record Phases(long createdMs, Long lossMs, Long restoredMs, long observeFromMs, long observeToMs) {}

  public record Substitution(String module, String wanted, String used) {}

  public record Build(String daprVersion, String daprVersionRequested, String source, String buildSource, List<Substitution> substitutedModules) {
    /** release, proxy or src; a build.json from before build_source says it through source ("local:DIR" is src). */
    String how() { return buildSource != null ? buildSource : source != null && source.startsWith("local:") ? "src" : source; }
  }

  public record Summary(String mode, String daprVersion, String daprVersionRequested, String buildSource, List<Substitution> substitutedModules,
      String daprSdk, int workflows, List<Instance> instances, boolean instanceFoundAfterLoss, long orphanedBeforeLoss,
      long orphanedExecutions, long orphanedInLastThird, long unconfirmedExecutions, long unknownExecutions, long totalExecutions,
      double observeSeconds, Orphans.Verdict verdict, String verdictReason, Orphans.Cost cost, SeedScale seedScale,
      Map<String, Long> sidecarEvidence, List<String> sidecarSamples, Phases phases, String timeline, String incomplete) {}

  // -------------------------------------------------------------------------------------- verdict

  @Command(name = "verdict", mixinStandardHelpOptions = true, description = "Writes DIR/summary.json and DIR/timeline.png from DIR/executions.jsonl, the app's /stats and DIR/daprd*.log.")
  static class Verdict implements Callable<Integer> {
    @Option(names = "--dir", required = true, description = "this version's run folder") Path dir;
    @Option(names = "--app", defaultValue = "http://127.0.0.1:8999", description = "DaprApp's URL (default: ${DEFAULT-VALUE})") String app;
    @Option(names = "--instance", required = true, description = "a workflow instance of this run (repeat for each)") List<String> instances;
    @Option(names = "--mode", required = true, description = "kill, ttl or ttl-no-restart") String mode;
    @Option(names = "--build-info", description = "the build.json of the Dapr binaries that ran") Path buildInfo;
    @Option(names = "--version", description = "the Dapr version that ran, when there is no build.json") String version;
    @Option(names = "--created-ms", required = true) long createdMs;
    @Option(names = "--loss-ms", description = "when the state was lost (the kill; in ttl modes when the instance was first not found)") Long lossMs;
    @Option(names = "--restored-ms", description = "when the restarted processes were healthy again") Long restoredMs;
    @Option(names = "--from-ms", required = true, description = "start of the observation window") long fromMs;
    @Option(names = "--to-ms", required = true, description = "end of the observation window") long toMs;
    @Option(names = "--cost-per-call", defaultValue = "0.03") double costPerCall;
    @Option(names = "--incomplete", description = "why the run could not be completed: write a partial summary and exit 2") String incomplete;

    @Override
    public Integer call() throws Exception {
      Cli.nonNegative(costPerCall, "--cost-per-call");
      if (toMs <= fromMs) throw new Cli.Fail("--to-ms must be after --from-ms");
      String problem = incomplete;
      // The app's own counts must answer and agree with its records: a dead app is an error, never a zero.
      // /stats first, then the records: the app writes a record before it counts it, so the records read
      // afterwards hold at least every execution counted (and maybe a few that began since).
      Orphans.Stats stats = null;
      try {
        stats = Cli.JSON.readValue(get(app + "/stats").body(), Orphans.Stats.class);
      } catch (Exception e) {
        if (problem == null) problem = "DaprApp did not answer GET /stats at the end of the observation (" + Cli.firstLine(e.getMessage())
            + "): executions after its last record are unknown";
      }
      List<Orphans.Execution> all = readRecords(dir.resolve("executions.jsonl"));
      // What ran after the window (while this report starts) is not part of the measurement.
      List<Orphans.Execution> records = all.stream().filter(r -> r.beganMs() <= toMs).toList();
      long recordedOrphans = all.stream().filter(r -> r.kind() == Orphans.Kind.ORPHANED).count();
      if (problem == null && stats.total().orphaned() > recordedOrphans) {
        problem = "the app counts " + stats.total().orphaned() + " orphaned executions but recorded only " + recordedOrphans;
      }
      List<Instance> inst = new ArrayList<>();
      boolean anyFound = false;
      for (String id : instances) {
        String after;
        try {
          int code = get(app + "/workflow/" + id).statusCode();
          after = code == 404 ? "not found" : code == 200 ? "found" : "no answer (HTTP " + code + ")";
        } catch (Exception e) {
          after = "no answer";
          if (problem == null) problem = "DaprApp did not answer GET /workflow/" + id;
        }
        anyFound |= after.equals("found");
        long ex = 0, or = 0, un = 0;
        for (Orphans.Execution r : records) {
          if (!r.instanceId().equals(id)) continue;
          ex++;
          if (r.kind() == Orphans.Kind.ORPHANED) or++;
          if (r.kind() == Orphans.Kind.UNCONFIRMED) un++;
        }
        inst.add(new Instance(id, after, ex, or, un));
      }
      List<Long> orphanTimes = records.stream().filter(r -> r.kind() == Orphans.Kind.ORPHANED).map(Orphans.Execution::beganMs).toList();
      long before = orphanTimes.stream().filter(t -> lossMs == null ? t < fromMs : t < lossMs).count();
      long inWindow = orphanTimes.stream().filter(t -> t >= fromMs && t <= toMs).count();
      Orphans.Verdict v = Orphans.verdict(orphanTimes, fromMs, toMs, instances.size());
      Orphans.Cost cost = Orphans.cost(v, orphanTimes, fromMs, toMs, costPerCall);
      List<String> sidecar = sidecarLines(dir);
      Build build = buildInfo != null && Files.isRegularFile(buildInfo) ? Cli.readJson(buildInfo, Build.class) : new Build(version, version, "proxy", "proxy", List.of());
      Path png = dir.resolve("timeline.png");
      var markers = new LinkedHashMap<String, Double>();
      if (lossMs != null) markers.put("state lost", (lossMs - createdMs) / 1000.0);
      if (restoredMs != null) markers.put("restarted", (restoredMs - createdMs) / 1000.0);
      Charts.timeline(png, "Orphaned activity executions per second, Dapr " + build.daprVersion() + " (" + mode + ")",
          "seconds since the workflow" + (instances.size() == 1 ? " was" : "s were") + " created", "orphaned executions / s",
          Map.of("Dapr " + build.daprVersion(), Orphans.perSecond(orphanTimes, createdMs, toMs)), markers);
      Summary s = new Summary(mode, build.daprVersion(), build.daprVersionRequested(), build.how(), build.substitutedModules(),
          "io.dapr:dapr-sdk-workflows:1.16.1", instances.size(), inst, anyFound, before, inWindow, Orphans.lastThird(orphanTimes, fromMs, toMs),
          records.stream().filter(r -> r.kind() == Orphans.Kind.UNCONFIRMED).count(), records.stream().filter(r -> r.kind() == Orphans.Kind.UNKNOWN).count(),
          records.size(), (toMs - fromMs) / 1000.0, problem == null ? v : null, problem == null ? reason(v, instances.size()) : null,
          problem == null ? cost : null, SEED, Orphans.countWording(sidecar), Orphans.samples(sidecar, 2),
          new Phases(createdMs, lossMs, restoredMs, fromMs, toMs), png.getFileName().toString(), problem);
      Cli.writeJson(dir.resolve("summary.json"), s);
      System.err.print(render(s));
      if (problem != null) throw new Cli.Fail(problem + "; partial results in " + dir.resolve("summary.json"));
      return 0;
    }
  }

  static String reason(Orphans.Verdict v, int workflows) {
    return switch (v) {
      case LOOPS -> "more than " + 3 * workflows + " orphaned executions (the fix's one more run of each of 3 parallel activities per workflow), still arriving in the window's last third";
      case STOPS -> "orphaned executions ran, then stopped (none in the window's last third)";
      case INCONCLUSIVE -> "no more than " + 3 * workflows + " orphaned executions (the fix's allowance), but still arriving in the window's last third: observe longer";
      case NONE -> "no activity ran without its workflow in the window";
    };
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
      for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().matches("daprd.*\\.log")).sorted()::iterator) {
        lines.addAll(Files.readAllLines(f, java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return lines;
  }

  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static String render(Summary s) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("verdict for Dapr %s (%s mode): %s%n", s.daprVersion(), s.mode(),
        s.verdict() == null ? "NONE: the measurement is incomplete" : "orphaned activity executions " + s.verdict().name().toLowerCase()));
    if (!s.daprVersion().equals(s.daprVersionRequested())) sb.append(String.format("  (requested %s; the Go module proxy here does not serve it)%n", s.daprVersionRequested()));
    for (Substitution m : s.substitutedModules()) sb.append(String.format("  built with %s %s in place of %s (not served here)%n", m.module(), m.used(), m.wanted()));
    sb.append(String.format("  orphaned executions in %.0f s after the loss: %d, %d of them in the last third (the app's own records)%n",
        s.observeSeconds(), s.orphanedExecutions(), s.orphanedInLastThird()));
    sb.append(String.format("  before the loss: %d orphaned; checks that disagreed: %d; no answer from the sidecar: %d; all executions: %d%n",
        s.orphanedBeforeLoss(), s.unconfirmedExecutions(), s.unknownExecutions(), s.totalExecutions()));
    for (Instance i : s.instances()) {
      if (s.instances().size() <= 10) sb.append(String.format("  instance %s: %s after the loss; %d executions, %d orphaned%n", i.instanceId(), i.afterLoss(), i.executions(), i.orphaned()));
    }
    if (s.cost() != null) {
      if (s.verdict() == Orphans.Verdict.LOOPS) {
        sb.append(String.format("  steady rate %.0f calls an hour: $%,.2f a day, $%,.2f a month at $%s a call%n", s.cost().callsPerHour(), s.cost().perDay(),
            s.cost().perMonth(), s.cost().perCall()));
        sb.append(String.format("  the original's scale scenario (its own figures): %d workflows, %,d LLM calls an hour, $%,d a month%n",
            s.seedScale().workflows(), s.seedScale().callsPerHour(), s.seedScale().costPerMonth()));
      } else if (s.verdict() == Orphans.Verdict.INCONCLUSIVE) {
        sb.append("  projected cost: none (a few orphaned executions, still arriving at the end: observe longer with --observe)\n");
      } else {
        sb.append("  projected cost: $0 (the orphaned executions stopped)\n");
      }
    }
    sb.append("  sidecar's own words: ");
    s.sidecarEvidence().forEach((k, n) -> sb.append(k).append('=').append(n).append("  "));
    sb.append('\n');
    for (String l : s.sidecarSamples()) sb.append("    | ").append(l.length() > 200 ? l.substring(0, 200) + "..." : l).append('\n');
    if (s.incomplete() != null) sb.append("  INCOMPLETE: ").append(s.incomplete()).append('\n');
    return sb.toString();
  }

  // -------------------------------------------------------------------------------------- compare

  public record SideBySide(List<Summary> runs) {}

  @Command(name = "compare", mixinStandardHelpOptions = true, description = "Several versions' summaries side by side: OUT/summary.json, OUT/timeline.png and a table.")
  static class Compare implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "the side-by-side run's folder") Path out;
    @Parameters(description = "each version's run folder, in order") List<Path> dirs;

    @Override
    public Integer call() throws IOException {
      List<Summary> runs = new ArrayList<>();
      Map<String, double[][]> lines = new LinkedHashMap<>();
      StringBuilder md = new StringBuilder("| Dapr | verdict | orphaned after the loss | in the last third | orphaned before | instance after the loss | sidecar's own words |\n|---|---|---|---|---|---|---|\n");
      for (Path d : dirs) {
        Summary s = Cli.readJson(d.resolve("summary.json"), Summary.class);
        runs.add(s);
        List<Long> t = readRecords(d.resolve("executions.jsonl")).stream().filter(r -> r.kind() == Orphans.Kind.ORPHANED).map(Orphans.Execution::beganMs).toList();
        // Aligned on the loss, so versions run one after the other share one time axis.
        long zero = s.phases().lossMs() != null ? s.phases().lossMs() : s.phases().observeFromMs();
        double[][] xy = Orphans.perSecond(t, zero, s.phases().observeToMs());
        lines.put("Dapr " + s.daprVersion() + (s.daprVersion().equals(s.daprVersionRequested()) ? "" : " (for " + s.daprVersionRequested() + ")"), xy);
        StringBuilder words = new StringBuilder();
        s.sidecarEvidence().forEach((k, n) -> { if (n > 0) words.append(words.length() == 0 ? "" : "; ").append(k).append(": ").append(n); });
        md.append(String.format("| %s%s | %s | %d | %d | %d | %s | %s |%n", s.daprVersion(), s.daprVersion().equals(s.daprVersionRequested()) ? "" : " (for " + s.daprVersionRequested() + ")",
            s.verdict() == null ? "incomplete" : s.verdict().name().toLowerCase(), s.orphanedExecutions(), s.orphanedInLastThird(), s.orphanedBeforeLoss(),
            s.instances().stream().map(Instance::afterLoss).distinct().reduce((a, b) -> a + ", " + b).orElse("?"), words.length() == 0 ? "-" : words));
      }
      Charts.timeline(out.resolve("timeline.png"), "Orphaned activity executions per second, each version on a clean stack",
          "seconds since the state was lost", "orphaned executions / s", lines, Map.of("state lost", 0.0));
      Cli.writeJson(out.resolve("summary.json"), new SideBySide(runs));
      Cli.writeFile(out.resolve("side-by-side.md"), md.toString());
      System.err.print(md);
      System.err.println("chart: " + out.resolve("timeline.png"));
      return 0;
    }
  }
}

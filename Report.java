///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES Workflows.java Accounting.java

// Turns the summary.json files of several runs into what the seed printed by hand: the bug next to the
// fix, and the loss-rate tables by restart interval with a 95% interval for each rate.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "Report",
    mixinStandardHelpOptions = true,
    subcommands = {Report.Compare.class, Report.Sweep.class},
    description = "Summaries of several runs side by side (used by reproduce_issue.sh).")
public class Report implements Callable<Integer> {
  public static void main(String[] args) {
    System.exit(Workflows.run(new Report(), args));
  }

  @Override
  public Integer call() {
    throw new Workflows.Fail("name a subcommand: compare or sweep (see --help)");
  }

  /** The seed's figures (1,000 workflows, Python SDK), for the tables' last column. */
  static final Map<Integer, Map<Double, String>> SEED = Map.of(
      1, Map.of(0.1, "2.6%", 0.25, "1.3%", 0.5, "1.0%", 1.0, "0.8%", 2.0, "0.1%", 4.0, "0.1%", 8.0, "0.1%"),
      10, Map.of(0.1, "4.2%", 0.25, "1.5%", 0.5, "0.9%", 1.0, "0.6%", 2.0, "0.1%", 4.0, "0.2%", 8.0, "0.1%"));

  static JsonNode read(Path p) {
    try {
      return Workflows.JSON.readTree(p.toFile());
    } catch (IOException e) {
      throw new Workflows.Fail("cannot read " + p + ": " + e.getMessage());
    }
  }

  static String rate(JsonNode s) {
    return String.format("%.2f%% (%.2f-%.2f)", s.path("lost_pct").asDouble(), s.path("lost_pct_ci95").get(0).asDouble(), s.path("lost_pct_ci95").get(1).asDouble());
  }

  @Command(name = "compare", mixinStandardHelpOptions = true, description = "Writes OUT: the bug run's summary with the fix run's beside it under \"fix\", and prints both.")
  static class Compare implements Callable<Integer> {
    @Option(names = "--bug", required = true, description = "summary.json with graceful poll shutdown off") Path bug;
    @Option(names = "--fix", description = "summary.json with it on") Path fix;
    @Option(names = "--out", required = true, description = "combined summary.json to write") Path out;

    @Override
    public Integer call() throws IOException {
      ObjectNode combined = (ObjectNode) read(bug);
      combined.put("mode", label(combined));
      System.out.printf("%-34s %-8s %-9s %-6s %-12s %-7s %s%n", "", "started", "completed", "lost", "failed other", "running", "lost % (95% CI)");
      line(label(combined) + ": graceful poll shutdown " + (label(combined).equals("fix") ? "on" : "off"), combined);
      if (fix != null) {
        JsonNode f = read(fix);
        combined.set("fix", f);
        line("fix: graceful poll shutdown on", f);
      }
      Files.writeString(out, Workflows.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(combined) + "\n");
      return 0;
    }

    static String label(JsonNode s) {
      return s.path("poll_complete_on_shutdown").asBoolean() ? "fix" : "bug";
    }

    static void line(String label, JsonNode s) {
      System.out.printf("%-34s %-8d %-9d %-6d %-12d %-7d %s%n", label, s.path("started").asInt(), s.path("completed").asInt(), s.path("lost").asInt(),
          s.path("failed_other").asInt(), s.path("running").asInt(), rate(s));
    }
  }

  @Command(name = "sweep", mixinStandardHelpOptions = true, description = "Reads DIR/*/summary.json and writes DIR/sweep.md and DIR/sweep.csv: the seed's tables, bug and fix, with 95% intervals.")
  static class Sweep implements Callable<Integer> {
    @Parameters(index = "0", description = "folder holding one sub-folder per run") Path dir;

    @Override
    public Integer call() throws IOException {
      // workers -> interval -> mode -> summary
      Map<Integer, Map<Double, Map<String, JsonNode>>> runs = new TreeMap<>();
      List<String> csv = new ArrayList<>(List.of("mode,workers,interval,started,completed,lost,failed_other,running,lost_pct,ci95_low,ci95_high,restarts,seed_lost_pct"));
      try (Stream<Path> subs = Files.list(dir)) {
        for (Path sub : (Iterable<Path>) subs.sorted()::iterator) {
          Path f = sub.resolve("summary.json");
          if (!Files.isRegularFile(f)) continue;
          JsonNode s = read(f);
          String mode = s.path("poll_complete_on_shutdown").asBoolean() ? "fix" : "bug";
          int w = s.path("workers").asInt();
          double i = s.path("interval").asDouble();
          runs.computeIfAbsent(w, k -> new TreeMap<>()).computeIfAbsent(i, k -> new TreeMap<>()).put(mode, s);
          csv.add(String.join(",", mode, "" + w, "" + i, s.path("started").asText(), s.path("completed").asText(), s.path("lost").asText(),
              s.path("failed_other").asText(), s.path("running").asText(), s.path("lost_pct").asText(),
              s.path("lost_pct_ci95").get(0).asText(), s.path("lost_pct_ci95").get(1).asText(), s.path("restarts").asText(),
              SEED.getOrDefault(w, Map.of()).getOrDefault(i, "")));
        }
      }
      if (runs.isEmpty()) throw new Workflows.Fail("no */summary.json under " + dir);
      StringBuilder md = new StringBuilder();
      runs.forEach((w, byInterval) -> {
        md.append(String.format("%n### %d worker%s%n%n", w, w == 1 ? "" : "s"));
        md.append("| Restart Interval (s) | Lost, bug (95% CI) | Lost, fix (95% CI) | Seed (Python) |\n|---|---|---|---|\n");
        byInterval.forEach((i, byMode) -> md.append(String.format("| %s | %s | %s | %s |%n", i,
            byMode.containsKey("bug") ? rate(byMode.get("bug")) : "-", byMode.containsKey("fix") ? rate(byMode.get("fix")) : "-",
            SEED.getOrDefault(w, Map.of()).getOrDefault(i, "-"))));
      });
      Files.writeString(dir.resolve("sweep.md"), md.toString().trim() + "\n");
      Files.write(dir.resolve("sweep.csv"), csv);
      System.out.print(md);
      System.out.println("\nTables: " + dir.resolve("sweep.md") + " and " + dir.resolve("sweep.csv"));
      return 0;
    }
  }
}

// report.md of one Dapr run, ready to paste into an upstream issue: what ran, the exact command,
// the table, the sidecar's and the engine's own evidence, the chart, and the machine it ran on.

import java.nio.file.Files;
import java.nio.file.Path;

public final class DaprReportMd {
  private DaprReportMd() {}

  public static String render(DaprReport.Summary s, String command) {
    StringBuilder md = new StringBuilder();
    md.append("# Dapr ")
        .append(s.release())
        .append(", ")
        .append(s.mode())
        .append(" mode: ")
        .append(s.verdictWord())
        .append(" (engine: ")
        .append(s.engineVerdictWord())
        .append(")\n\n");
    if (s.incomplete() != null)
      md.append("**No verdict: ").append(s.incomplete()).append(".**\n\n");
    DaprReport.Versions v = s.versions();
    md.append("- Dapr: ")
        .append(v.daprVersion())
        .append(" (requested ")
        .append(v.daprVersionRequested())
        .append(", built from ")
        .append(v.buildSource())
        .append(")\n");
    for (DaprReport.Substitution m : v.substitutedModules()) {
      md.append("- built with ")
          .append(m.module())
          .append(' ')
          .append(m.used())
          .append(" in place of ")
          .append(m.wanted())
          .append('\n');
    }
    md.append("- app SDK: ")
        .append(v.daprSdk() == null ? "unknown (the app did not answer)" : v.daprSdk())
        .append('\n');
    md.append("- workflows: ")
        .append(s.workflows())
        .append(", observed ")
        .append(String.format("%.0f", s.counts().observeSeconds()))
        .append(" s after the loss\n\n");
    md.append("```\n")
        .append(command == null ? "(command not recorded)" : command)
        .append("\n```\n\n");
    md.append(DaprReport.table(java.util.List.of(s))).append('\n');
    if (s.verdictReason() != null)
      md.append("App verdict: ").append(s.verdictReason()).append(".\n\n");
    if (s.engine().verdictReason() != null)
      md.append("Engine verdict: ").append(s.engine().verdictReason()).append(".\n\n");
    md.append("Engine evidence: ").append(DaprReport.engineLine(s.engine())).append(".\n\n");
    md.append("Sidecar's own words:\n\n```\n");
    s.evidence()
        .sidecarEvidence()
        .forEach((k, n) -> md.append(k).append(": ").append(n).append('\n'));
    for (String l : s.evidence().sidecarSamples())
      md.append("| ").append(l.length() > 300 ? l.substring(0, 300) + "..." : l).append('\n');
    md.append("```\n\n");
    if (s.cost() != null)
      md.append("Cost: ")
          .append(s.cost().basis())
          .append(
              String.format(
                  ": %.0f calls an hour, $%,.2f a month at $%s a call.%n%n",
                  s.cost().callsPerHour(), s.cost().perMonth(), s.cost().perCall()));
    md.append("![orphaned executions per second](").append(s.timeline()).append(")\n\n");
    md.append("Environment: ").append(environment()).append('\n');
    return md.toString();
  }

  /** OS, cores, Java: enough to place a figure. */
  static String environment() {
    String os = System.getProperty("os.name") + " " + System.getProperty("os.version");
    try {
      for (String l : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (l.startsWith("PRETTY_NAME="))
          os = l.substring(12).replace("\"", "") + " (" + System.getProperty("os.version") + ")";
      }
    } catch (java.io.IOException notLinux) {
      // keep os.name
    }
    return os
        + ", "
        + Runtime.getRuntime().availableProcessors()
        + " cores, Java "
        + System.getProperty("java.version")
        + " ("
        + System.getProperty("java.vendor")
        + ")";
  }
}

// The engine's own evidence, beside the app's: daprd's Prometheus counters read at named moments of
// a run (before the loss, after the restart, at the start of the window's last third, at the end)
// and the scheduler's jobs left for the lost instances at the end. Pure: text in, typed records and
// a verdict out; DaprReport reads the files the orchestration wrote. Dapr's own test of the fix
// (tests/integration/suite/daprd/workflow/delstate.go) asserts on the same two counters, and its
// test of #10332 (crossapp/resultreminder/orphan.go) counts the scheduler's jobs under "dapr/jobs".

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class Engine {
  private Engine() {}

  public static final String REMINDERS_FIRED = "dapr_runtime_actor_reminders_fired_total";
  public static final String ACTIVITY_EXECUTIONS = "dapr_runtime_workflow_activity_execution_count";

  /**
   * The engine's allowance: with the fix each orphaned activity's reminder fires once more
   * (run-activity), and its result is offered once to the workflow actor, which drops it: two per
   * parallel activity.
   */
  public static long allowance(int workflows) {
    return 2 * Orphans.allowance(workflows);
  }

  /**
   * One read of daprd's /metrics. label: before-loss, after-restart, last-third or end; daprd:
   * which incarnation of the sidecar (1, then 2 after a restart). error: why it could not be read
   * (then the maps are empty). remindersFired: by actor type (the workflow's or the activity's
   * reminders); activityExecutions: by status.
   */
  public record Reading(
      String label,
      long atMs,
      int daprd,
      String error,
      Map<String, Long> remindersFired,
      Map<String, Long> activityExecutions) {
    public long reminders() {
      return remindersFired.values().stream().mapToLong(Long::longValue).sum();
    }

    public long activities() {
      return activityExecutions.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)");
  static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * Prometheus text format, the two counters summed by one label each. A counter with no sample is
   * 0: the exporter writes a series only once something was counted, and the read itself answered.
   */
  public static Reading parse(String label, long atMs, int daprd, String text) {
    Map<String, Long> fired = new TreeMap<>(), activities = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("#")) continue;
      Matcher m = SAMPLE.matcher(line);
      if (!m.find()) continue;
      String name = m.group(1);
      Map<String, String> labels = labels(m.group(3));
      long v = (long) Double.parseDouble(m.group(4));
      if (name.equals(REMINDERS_FIRED))
        fired.merge(shortType(labels.getOrDefault("actor_type", "?")), v, Long::sum);
      if (name.equals(ACTIVITY_EXECUTIONS))
        activities.merge(labels.getOrDefault("status", "?"), v, Long::sum);
    }
    return new Reading(label, atMs, daprd, null, fired, activities);
  }

  public static Reading failed(String label, long atMs, int daprd, String error) {
    return new Reading(label, atMs, daprd, error, Map.of(), Map.of());
  }

  static Map<String, String> labels(String s) {
    Map<String, String> out = new TreeMap<>();
    if (s == null) return out;
    Matcher m = LABEL.matcher(s);
    while (m.find()) out.put(m.group(1), m.group(2));
    return out;
  }

  /** dapr.internal.default.hello-app.activity -> activity; any other actor type as it is. */
  static String shortType(String actorType) {
    return actorType.startsWith("dapr.internal.")
        ? actorType.substring(actorType.lastIndexOf('.') + 1)
        : actorType;
  }

  /**
   * The scheduler's jobs at the end: how many, how many name a lost instance, a few of those keys;
   * or why not read.
   */
  public record Jobs(Integer total, Integer forLostInstances, List<String> sample, String error) {}

  /** The etcd v3 JSON gateway's answer to a keys-only range over "dapr/jobs/" (keys in base64). */
  public static Jobs jobs(
      com.fasterxml.jackson.databind.JsonNode range, List<String> lostInstances) {
    List<String> keys = new ArrayList<>();
    for (var kv : range.path("kvs"))
      keys.add(
          new String(
              Base64.getDecoder().decode(kv.path("key").asText()),
              java.nio.charset.StandardCharsets.UTF_8));
    List<String> lost =
        keys.stream().filter(k -> lostInstances.stream().anyMatch(k::contains)).toList();
    return new Jobs(keys.size(), lost.size(), lost.stream().limit(5).toList(), null);
  }

  /**
   * The engine's side of a run: the readings, the counts in the observation window, the verdict or
   * why there is none.
   */
  public record Evidence(
      Orphans.Verdict verdict,
      String verdictReason,
      String incomplete,
      Long remindersFiredInWindow,
      Long remindersFiredInLastThird,
      Long activityExecutionsInWindow,
      Map<String, Long> remindersFiredByType,
      Jobs jobs,
      List<Reading> readings) {}

  /**
   * The counts inside the window, from the readings alone. The window's counter is the sidecar's
   * that runs at the end: from 0 when it was started after the loss (a fresh process counts only
   * what came after), else from its reading after the restart; its last third from the "last-third"
   * reading. A reading that is missing or failed means no engine verdict, never a zero.
   */
  public static Evidence evidence(List<Reading> readings, Long lossMs, Jobs jobs, int workflows) {
    Reading end = find(readings, "end");
    Reading cut = find(readings, "last-third");
    String missing =
        end == null
            ? "no reading of daprd's metrics at the end"
            : end.error() != null
                ? "daprd's metrics could not be read at the end (" + end.error() + ")"
                : cut == null
                    ? "no reading of daprd's metrics at the start of the window's last third"
                    : cut.error() != null
                        ? "daprd's metrics could not be read at the start of the window's last"
                            + " third ("
                            + cut.error()
                            + ")"
                        : cut.daprd() != end.daprd()
                            ? "the sidecar restarted inside the window (incarnation "
                                + cut.daprd()
                                + " then "
                                + end.daprd()
                                + ")"
                            : null;
    Reading base = null;
    if (missing == null) {
      boolean startedAfterLoss =
          lossMs != null
              && readings.stream().noneMatch(r -> r.daprd() == end.daprd() && r.atMs() < lossMs);
      if (!startedAfterLoss) {
        base = find(readings, "after-restart");
        if (base == null || base.error() != null || base.daprd() != end.daprd())
          missing = "no reading of daprd's metrics at the start of the window";
      }
    }
    if (missing != null)
      return new Evidence(null, null, missing, null, null, null, Map.of(), jobs, readings);
    long window = end.reminders() - (base == null ? 0 : base.reminders());
    long late = end.reminders() - cut.reminders();
    long activities = end.activities() - (base == null ? 0 : base.activities());
    Map<String, Long> byType = new TreeMap<>();
    final Reading from = base;
    end.remindersFired()
        .forEach(
            (k, v) ->
                byType.put(k, v - (from == null ? 0 : from.remindersFired().getOrDefault(k, 0L))));
    Orphans.Verdict v = Orphans.decide(window, late, allowance(workflows));
    return new Evidence(
        v, reason(v, workflows), null, window, late, activities, byType, jobs, readings);
  }

  static Reading find(List<Reading> readings, String label) {
    return readings.stream().filter(r -> r.label().equals(label)).reduce((a, b) -> b).orElse(null);
  }

  public static String reason(Orphans.Verdict v, int workflows) {
    long a = allowance(workflows);
    return switch (v) {
      case LOOPS ->
          "daprd fired more than "
              + a
              + " reminders after the loss (the fix's one more run-activity and one result per"
              + " activity), still firing in the window's last third";
      case STOPS ->
          "daprd fired reminders after the loss, then stopped (none in the window's last third)";
      case INCONCLUSIVE ->
          "daprd fired no more than "
              + a
              + " reminders after the loss, but still fired in the window's last third: observe"
              + " longer";
      case NONE -> "daprd fired no reminder after the loss";
    };
  }
}

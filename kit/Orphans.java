// The Dapr evidence, as typed records and pure decisions (no I/O), shared by DaprApp, which records
// every activity execution, and DaprReport, which turns the records into a verdict.
//
// An execution is orphaned only when its workflow instance is really gone: the sidecar says so
// twice, in the exact words that mean "no such instance" (not any error that happens to contain
// "not found"), and the state store no longer holds a key of the instance. Anything less is
// recorded, with why, and not counted.

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public final class Orphans {
  private Orphans() {}

  /**
   * The seed's Hello World workflow: ROUNDS rounds of PARALLEL activities at once (DaprApp runs it,
   * the verdict allows for it).
   */
  public static final int ROUNDS = 10, PARALLEL = 3;

  /** The fix lets each orphaned activity run once more: PARALLEL per workflow, and no more. */
  public static long allowance(int workflows) {
    return (long) PARALLEL * workflows;
  }

  /**
   * One spelling for every enum the kit writes: lower case, as the README, the printout and the
   * Temporal summary have it. Each enum's own of() still reads the upper case of older files.
   */
  public interface LowerCase {
    String name();

    @JsonValue
    default String json() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One answer of the sidecar to "what is the state of instance X?". */
  public enum Answer implements LowerCase {
    FOUND,
    /** The instance does not exist: 1.15's "no such instance exists", or 1.16+'s empty reply. */
    MISSING,
    /** No usable answer (sidecar down, timeout, another error): tells nothing either way. */
    ERROR;

    @JsonCreator
    public static Answer of(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }

  public enum Kind implements LowerCase {
    /** The workflow instance was there. */
    ALIVE,
    /** Gone by every check: the bug's evidence. */
    ORPHANED,
    /**
     * The checks disagreed (a transient "missing", or the state store still holds the instance).
     */
    UNCONFIRMED,
    /** The sidecar gave no usable answer. */
    UNKNOWN;

    @JsonCreator
    public static Kind of(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /**
   * One activity execution, written by DaprApp as it begins: when, for which instance, and why it
   * was classified as it was. stateKeys is the number of the instance's keys in the state store
   * (null: not checked).
   */
  public record Execution(
      String instanceId,
      long beganMs,
      Kind kind,
      String reason,
      Answer first,
      Answer second,
      Integer stateKeys,
      String detail) {}

  /**
   * The decision, from the answers alone. storeKeys: null when no state store is configured, -1
   * when it could not be read.
   */
  public static Execution classify(
      String id, long beganMs, Answer first, Answer second, Integer storeKeys, String detail) {
    Kind kind;
    String reason;
    if (first == Answer.FOUND) {
      kind = Kind.ALIVE;
      reason = "the sidecar found the instance";
    } else if (first == Answer.ERROR) {
      kind = Kind.UNKNOWN;
      reason = "the sidecar gave no usable answer";
    } else if (second != Answer.MISSING) {
      kind = Kind.UNCONFIRMED;
      reason =
          "the sidecar said missing, then "
              + (second == Answer.FOUND ? "found it" : "gave no usable answer")
              + " on the second look";
    } else if (storeKeys == null) {
      kind = Kind.ORPHANED;
      reason = "the sidecar said missing twice (no state store given to check)";
    } else if (storeKeys < 0) {
      kind = Kind.UNCONFIRMED;
      reason = "the sidecar said missing twice, but the state store could not be read";
    } else if (storeKeys > 0) {
      kind = Kind.UNCONFIRMED;
      reason =
          "the sidecar said missing twice, but the state store still holds "
              + storeKeys
              + " keys of the instance";
    } else {
      kind = Kind.ORPHANED;
      reason = "the sidecar said missing twice and the state store holds no key of the instance";
    }
    return new Execution(id, beganMs, kind, reason, first, second, storeKeys, detail);
  }

  /** What GET /stats answers: the app's own counts, per instance too. */
  public record Counts(long executions, long alive, long orphaned, long unconfirmed, long unknown) {
    public Counts plus(Kind k) {
      return new Counts(
          executions + 1,
          alive + (k == Kind.ALIVE ? 1 : 0),
          orphaned + (k == Kind.ORPHANED ? 1 : 0),
          unconfirmed + (k == Kind.UNCONFIRMED ? 1 : 0),
          unknown + (k == Kind.UNKNOWN ? 1 : 0));
    }

    public static final Counts ZERO = new Counts(0, 0, 0, 0, 0);
  }

  /**
   * daprSdk: the io.dapr SDK version the app runs, as the SDK itself says (null: the app could not
   * tell).
   */
  public record Stats(
      Counts total, Map<String, Counts> perInstance, Long lastOrphanedMs, String daprSdk) {}

  // ------------------------------------------------------------------------------------ verdict

  public enum Verdict implements LowerCase {
    /** Orphaned executions beyond the fix's one more run, still arriving at the end: the bug. */
    LOOPS,
    /** Orphaned executions ran, then stopped: the upstream fix ("runs once more, then stops"). */
    STOPS,
    /**
     * No more than the fix's one more run, but still arriving at the end of the window: neither a
     * loop shown nor a stop seen. Observe longer (a long activity or a short window gives this).
     */
    INCONCLUSIVE,
    /** No orphaned execution at all after the loss. */
    NONE;

    @JsonCreator
    public static Verdict of(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /**
   * The rule, from the orphaned executions' times in the observation window [fromMs, toMs]. The fix
   * lets each orphaned activity run once more (PARALLEL run at once per workflow), so more than the
   * allowance, still arriving in the window's last third, is a loop; none in the last third is a
   * stop; and no more than the allowance, still arriving, could be either.
   */
  public static Verdict verdict(List<Long> orphanedMs, long fromMs, long toMs, int workflows) {
    long inWindow = orphanedMs.stream().filter(t -> t >= fromMs && t <= toMs).count();
    return decide(inWindow, lastThird(orphanedMs, fromMs, toMs), allowance(workflows));
  }

  /**
   * The one rule behind both verdicts (the app's executions, the engine's reminders): counts in,
   * verdict out.
   */
  public static Verdict decide(long inWindow, long inLastThird, long allowance) {
    if (inWindow == 0) return Verdict.NONE;
    if (inLastThird == 0) return Verdict.STOPS;
    return inWindow > allowance ? Verdict.LOOPS : Verdict.INCONCLUSIVE;
  }

  public static long lastThird(List<Long> orphanedMs, long fromMs, long toMs) {
    long cut = toMs - (toMs - fromMs) / 3;
    return orphanedMs.stream().filter(t -> t > cut && t <= toMs).count();
  }

  /**
   * Cost from the steady rate (the window's last third), and only for a loop: a run that stopped
   * costs nothing more.
   */
  public record Cost(
      double perCall, double callsPerHour, double perDay, double perMonth, String basis) {}

  public static Cost cost(
      Verdict v, List<Long> orphanedMs, long fromMs, long toMs, double perCall) {
    if (v == Verdict.INCONCLUSIVE)
      return new Cost(
          perCall,
          0,
          0,
          0,
          "not projected: the window did not show whether the orphaned executions loop");
    if (v != Verdict.LOOPS)
      return new Cost(perCall, 0, 0, 0, "the orphaned executions stopped: nothing more to pay");
    double thirdSeconds = (toMs - fromMs) / 3 / 1000.0;
    double perHour = lastThird(orphanedMs, fromMs, toMs) / thirdSeconds * 3600;
    return new Cost(
        perCall,
        Cli.round(perHour, 1),
        Cli.round(perHour * 24 * perCall, 2),
        Cli.round(perHour * 24 * 30 * perCall, 2),
        "steady rate: orphaned executions in the observation window's last third");
  }

  /** Orphaned executions per second since `zeroMs`, for the timeline chart. */
  public static double[][] perSecond(List<Long> orphanedMs, long zeroMs, long endMs) {
    int n = (int) Math.max(1, (endMs - zeroMs) / 1000 + 1);
    double[] xs = new double[n], ys = new double[n];
    for (int i = 0; i < n; i++) xs[i] = i;
    for (long t : orphanedMs) {
      int i = (int) ((t - zeroMs) / 1000);
      if (i >= 0 && i < n) ys[i]++;
    }
    return new double[][] {xs, ys};
  }

  /** The sidecar's own words for an orphaned activity, by version: each counted on its own. */
  public static final Map<String, String> SIDECAR_WORDING =
      new TreeMap<>(
          Map.of(
              "run_activity_no_such_instance", "(?=.*run-activity)(?=.*no such instance exists)",
              "actor_not_found_reporting_result",
                  "workflow actor instance not found when reporting activity result",
              "state_purged_ignoring_event",
                  "cannot add event to workflow as state has been purged",
              // 1.18.0-1.18.2's cross-app path (dapr/dapr#10332): a queued activity result fired at
              // a
              // purged workflow
              "activity_result_no_such_instance",
                  "(?=.*activity-result)(?=.*no such instance exists)"));

  public static Map<String, Long> countWording(List<String> lines) {
    Map<String, Long> counts = new TreeMap<>();
    SIDECAR_WORDING.forEach(
        (key, regex) -> {
          var p = java.util.regex.Pattern.compile(regex);
          counts.put(key, lines.stream().filter(l -> p.matcher(l).find()).count());
        });
    return counts;
  }

  public static List<String> samples(List<String> lines, int max) {
    List<String> out = new ArrayList<>();
    for (String regex : SIDECAR_WORDING.values()) {
      var p = java.util.regex.Pattern.compile(regex);
      lines.stream()
          .filter(l -> p.matcher(l).find())
          .limit(max)
          .forEach(l -> out.add(l.length() > 300 ? l.substring(0, 300) : l));
    }
    return out;
  }
}

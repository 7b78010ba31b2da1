// The orphan checks an activity makes before it runs: ask the sidecar (twice) and the state store
// whether its workflow instance still exists, classify with Orphans.classify, write the record,
// keep the app's own counts. Used by DaprApp's activity and routes; the Dapr SDK comes from
// DaprApp's //DEPS.

import io.dapr.workflows.client.DaprWorkflowClient;
import io.dapr.workflows.client.WorkflowInstanceStatus;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

public final class InstanceChecks {
  final DaprWorkflowClient client;
  final StateStore store;
  final Cli.JsonLines records;
  final String sdkVersion;
  final Map<String, Orphans.Counts> perInstance = new ConcurrentHashMap<>();
  volatile Orphans.Counts total = Orphans.Counts.ZERO;
  volatile Long lastOrphanedMs;

  /** store and records may be null: not checked, not written. */
  public InstanceChecks(DaprWorkflowClient client, StateStore store, Cli.JsonLines records) {
    this.client = client;
    this.store = store;
    this.records = records;
    this.sdkVersion = sdkVersion();
  }

  /**
   * The SDK's own word for its version ("dapr-sdk-java/v1.16.1"), so the summary never repeats a
   * //DEPS line by hand.
   */
  public static String sdkVersion() {
    String v = io.dapr.utils.Version.getSdkVersion();
    return v == null ? null : "io.dapr:dapr-sdk-workflows:" + v.replaceFirst("^.*/v", "");
  }

  public record Look(Orphans.Answer answer, WorkflowInstanceStatus status, String detail) {}

  /**
   * One look. A missing instance has two shapes by version: 1.15 throws "no such instance exists";
   * 1.16 and later answer with an empty name and id. Any other error is no answer at all.
   */
  public Look look(String id) {
    try {
      WorkflowInstanceStatus s = client.getInstanceState(id, false);
      if (s == null || blank(s.getName()) || blank(s.getInstanceId()))
        return new Look(Orphans.Answer.MISSING, null, "empty reply");
      return new Look(Orphans.Answer.FOUND, s, String.valueOf(s.getRuntimeStatus()));
    } catch (RuntimeException e) {
      String m = Cli.firstLine(String.valueOf(e.getMessage()));
      if (m.contains("no such instance exists")) return new Look(Orphans.Answer.MISSING, null, m);
      return new Look(Orphans.Answer.ERROR, null, m);
    }
  }

  public Orphans.Execution record(String id) {
    long began = System.currentTimeMillis();
    Look first = look(id), second = null;
    Integer keys = null;
    if (first.answer() == Orphans.Answer.MISSING) {
      sleep(200); // a second look, a moment later: a transient answer does not make an orphan
      second = look(id);
      if (second.answer() == Orphans.Answer.MISSING && store != null) keys = store.keysOf(id);
    }
    String detail = first.detail() + (second == null ? "" : " / " + second.detail());
    Orphans.Execution e =
        Orphans.classify(
            id, began, first.answer(), second == null ? null : second.answer(), keys, detail);
    count(e);
    return e;
  }

  /**
   * The record is written before the count moves, under one lock: whoever reads /stats and then the
   * records finds at least as many records as counted.
   */
  synchronized void count(Orphans.Execution e) {
    if (records != null) {
      try {
        records.append(e);
      } catch (Cli.Fail f) {
        System.out.println(
            "error: " + f.getMessage()); // the verdict sees the records and /stats disagree
      }
    }
    total = total.plus(e.kind());
    perInstance.merge(
        e.instanceId(), Orphans.Counts.ZERO.plus(e.kind()), (a, b) -> a.plus(e.kind()));
    if (e.kind() == Orphans.Kind.ORPHANED) lastOrphanedMs = e.beganMs();
  }

  public synchronized Orphans.Stats stats() {
    return new Orphans.Stats(total, new TreeMap<>(perInstance), lastOrphanedMs, sdkVersion);
  }

  static boolean blank(String s) {
    return s == null || s.isEmpty();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

//SOURCES Events.java Loss.java

// On which side of the connection each lost task died, and what ShutdownWorker did, as pure
// functions of the records: the server's hand-over (history) and the chaos worker's own record of
// every PollActivityTaskQueue and ShutdownWorker call (Events.Poll, Events.ShutdownCall, written by
// kit/WireTap.java). No RPC in here, so every branch has a fast test.
//
//   never_received    the server recorded the hand-over, but no poll of that incarnation returned
// the task:
//                     the poll open at the hand-over is named, with its status and how many ms
// before the
//                     hand-over the worker ended it (negative: it ended after).
//   received_not_run  a poll of that incarnation returned the task, and no execution began: that
// poll is named.
//   incomplete        the records needed to tell are missing: no side is guessed.

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

public final class Wire {
  private Wire() {}

  public enum Where {
    NEVER_RECEIVED,
    RECEIVED_NOT_RUN,
    INCOMPLETE;

    @JsonValue
    public String key() {
      return name().toLowerCase();
    }
  }

  /** A lost task's side of the wire: the verdict, in words, and the poll record it rests on. */
  public record Side(
      Where where,
      String why,
      Events.Poll poll,
      Long pollEndedMsBeforeHandover,
      Events.ShutdownCall shutdownWorker) {
    static Side incomplete(String why) {
      return new Side(Where.INCOMPLETE, why, null, null, null);
    }

    /** One line for the printout and report.md. */
    public String describe() {
      return where.key() + ": " + why;
    }
  }

  public static Side side(
      Loss.Handover handover, String workflowId, String runId, Events.Records records) {
    if (handover == null) return Side.incomplete("the history records no hand-over");
    if (!records.haveWireRecords())
      return Side.incomplete("no wire records: the chaos worker did not record its polls");
    List<Events.Poll> polls = records.polls(handover.identity());
    if (polls.isEmpty()) return Side.incomplete("no poll record of " + handover.identity());
    Events.ShutdownCall call = records.shutdownCall(handover.identity());
    for (Events.Poll p : polls) {
      var t = p.task();
      if (t != null && workflowId.equals(t.workflowId()) && runId.equals(t.runId())) {
        return new Side(
            Where.RECEIVED_NOT_RUN,
            "a poll of "
                + handover.identity()
                + " returned it (closed "
                + p.status()
                + " "
                + signedMs(p.closedMs() - handover.handedMs())
                + " the hand-over) and no execution began",
            p,
            handover.handedMs() - p.closedMs(),
            call);
      }
    }
    Events.Poll open = null;
    for (Events.Poll p : polls)
      if (p.sentMs() <= handover.handedMs() && (open == null || p.sentMs() > open.sentMs()))
        open = p;
    if (open == null)
      return Side.incomplete(
          "no poll of " + handover.identity() + " was sent before the hand-over");
    long endedBefore = handover.handedMs() - open.closedMs();
    return new Side(
        Where.NEVER_RECEIVED,
        "no poll of "
            + handover.identity()
            + " returned it; the poll open then (sent "
            + (handover.handedMs() - open.sentMs())
            + " ms before the hand-over) closed "
            + open.status()
            + " "
            + signedMs(-endedBefore)
            + " the hand-over",
        open,
        endedBefore,
        call);
  }

  static String signedMs(long ms) {
    return ms < 0 ? (-ms) + " ms before" : ms + " ms after";
  }

  /** The lost tasks split by side: the three always add up to `lost`. */
  public record LostWhere(int neverReceived, int receivedNotRun, int incomplete) {
    public static LostWhere of(List<Loss.Explained> lost) {
      int never = 0, received = 0, unknown = 0;
      for (Loss.Explained e : lost) {
        Where w = e.wire() == null ? Where.INCOMPLETE : e.wire().where();
        if (w == Where.NEVER_RECEIVED) never++;
        else if (w == Where.RECEIVED_NOT_RUN) received++;
        else unknown++;
      }
      return new LostWhere(never, received, unknown);
    }
  }

  /**
   * ShutdownWorker, measured over one run's incarnations: how many restarts sent it, how long its
   * answers took, and what they were. An SDK that never sends it gains nothing from the server's
   * fix.
   */
  public record ShutdownWorker(
      int restarts,
      int restartsThatSentIt,
      int calls,
      Long msP50,
      Long msMax,
      Map<String, Integer> answers) {}

  /**
   * Whether incarnations share a worker instance key: the key is what the server ties a poll to a
   * shutdown by.
   */
  public record InstanceKeys(
      int incarnationsPolling,
      int distinctKeys,
      int incarnationsSharingKeys,
      int pollsWithoutKey,
      int shutdownCallsMatchingTheirPolls,
      int shutdownCallsWithOtherKey) {}

  /** The run's wire figures, for the summary. */
  public record Evidence(ShutdownWorker shutdownWorker, InstanceKeys instanceKeys, int polls) {}

  /**
   * Figures over the incarnations whose identity ends in one of these worker pids (this run's
   * workers).
   */
  public static Evidence evidence(Events.Records records, Set<Long> pids) {
    if (!records.haveWireRecords()) return null;
    Map<String, List<Events.Poll>> polls = new HashMap<>();
    records
        .pollsByIdentity()
        .forEach(
            (id, ps) -> {
              if (pids.contains(Loss.pidOf(id))) polls.put(id, ps);
            });
    List<Events.ShutdownCall> calls = new ArrayList<>();
    for (Events.ShutdownCall c : records.shutdownCalls())
      if (pids.contains(Loss.pidOf(c.identity()))) calls.add(c);
    List<String> restarted = new ArrayList<>();
    for (Events.Restart r : records.restarts())
      if (pids.contains(Loss.pidOf(r.identity()))) restarted.add(r.identity());
    int pollCount = polls.values().stream().mapToInt(List::size).sum();
    return new Evidence(shutdownWorker(restarted, calls), instanceKeys(polls, calls), pollCount);
  }

  /**
   * Over the restarts that have a record (an incarnation still shutting down when the records were
   * read is not one).
   */
  static ShutdownWorker shutdownWorker(List<String> restarted, List<Events.ShutdownCall> calls) {
    Set<String> senders = new HashSet<>();
    List<Long> took = new ArrayList<>();
    Map<String, Integer> answers = new TreeMap<>();
    Set<String> restartedSet = new HashSet<>(restarted);
    for (Events.ShutdownCall c : calls) {
      if (restartedSet.contains(c.identity())) senders.add(c.identity());
      took.add(c.answeredMs() - c.sentMs());
      answers.merge(c.status(), 1, Integer::sum);
    }
    took.sort(null);
    Long p50 = took.isEmpty() ? null : took.get((took.size() - 1) / 2),
        max = took.isEmpty() ? null : took.get(took.size() - 1);
    return new ShutdownWorker(restarted.size(), senders.size(), calls.size(), p50, max, answers);
  }

  static InstanceKeys instanceKeys(
      Map<String, List<Events.Poll>> polls, List<Events.ShutdownCall> calls) {
    Map<String, Set<String>> identitiesByKey = new HashMap<>();
    Map<String, Set<String>> keysByIdentity = new HashMap<>();
    int withoutKey = 0;
    for (var e : polls.entrySet()) {
      for (Events.Poll p : e.getValue()) {
        if (p.workerInstanceKey() == null || p.workerInstanceKey().isEmpty()) {
          withoutKey++;
          continue;
        }
        identitiesByKey
            .computeIfAbsent(p.workerInstanceKey(), k -> new HashSet<>())
            .add(e.getKey());
        keysByIdentity.computeIfAbsent(e.getKey(), k -> new HashSet<>()).add(p.workerInstanceKey());
      }
    }
    Set<String> sharing = new HashSet<>();
    identitiesByKey
        .values()
        .forEach(
            ids -> {
              if (ids.size() > 1) sharing.addAll(ids);
            });
    int matching = 0, other = 0;
    for (Events.ShutdownCall c : calls) {
      if (keysByIdentity.getOrDefault(c.identity(), Set.of()).contains(c.workerInstanceKey()))
        matching++;
      else other++;
    }
    return new InstanceKeys(
        polls.size(), identitiesByKey.size(), sharing.size(), withoutKey, matching, other);
  }
}

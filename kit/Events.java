//SOURCES Cli.java

// What the chaos workers write down, as typed records: one JSON line each, in
// <events>/restarts-<pid>.jsonl, <events>/executions-<pid>.jsonl and <events>/wire-<pid>.jsonl
// (every PollActivityTaskQueue and ShutdownWorker call, as the worker saw it on the wire). The
// accounting reads them back (incrementally: only the lines added since its last look) to tell a
// lost task from one that ran, and on which side of the connection it died.

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

public final class Events {
  private Events() {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = WorkerConfig.class, name = "config"),
    @JsonSubTypes.Type(value = Restart.class, name = "restart"),
    @JsonSubTypes.Type(value = Execution.class, name = "execution"),
    @JsonSubTypes.Type(value = Poll.class, name = "poll"),
    @JsonSubTypes.Type(value = ShutdownCall.class, name = "shutdown_worker")
  })
  public sealed interface Event permits WorkerConfig, Restart, Execution, Poll, ShutdownCall {}

  /**
   * Written once when a chaos worker process starts: what it was started with, and the SDK it runs.
   */
  public record WorkerConfig(
      long pid,
      String taskQueue,
      double interval,
      int workers,
      double gracefulTimeout,
      double shutdownCheckInterval,
      String sdkVersion,
      long startedMs)
      implements Event {}

  /** One incarnation of one chaos worker, written after its shutdown returned. */
  public record Restart(
      String identity,
      int worker,
      int restart,
      long startMs,
      long shutdownBeginMs,
      long shutdownEndMs,
      boolean graceful,
      boolean hung)
      implements Event {}

  /**
   * Written by the activity as its first act: this worker began executing this activity of this
   * workflow execution. The run id makes the record exact even where a workflow id is reused.
   */
  public record Execution(
      String workflowId,
      String runId,
      String activityId,
      int attempt,
      String identity,
      long beganMs)
      implements Event {}

  /**
   * One PollActivityTaskQueue call of one incarnation, written when it closed. The status is the
   * gRPC code in lower case ("ok", "cancelled", ...); the worker instance key is the one the
   * request carried (null when the SDK sets none); the task is what the answer carried, or null for
   * an empty answer.
   */
  public record Poll(
      String identity,
      String workerInstanceKey,
      long sentMs,
      long closedMs,
      String status,
      Task task)
      implements Event {}

  /** The activity task a poll returned, with its times as the server sent them (epoch ms). */
  public record Task(
      String workflowId,
      String runId,
      String activityId,
      int attempt,
      Long scheduledMs,
      Long startedMs) {}

  /**
   * One ShutdownWorker call: when it was sent, when its answer came, and the answer's gRPC status
   * in lower case.
   */
  public record ShutdownCall(
      String identity,
      String workerInstanceKey,
      String taskQueue,
      long sentMs,
      long answeredMs,
      String status)
      implements Event {}

  /**
   * JSON lines written through a buffer, for records too many to flush one by one (one per poll):
   * the owner flushes it on a timer and at close. A write that fails voids the measurement, as in
   * Cli.JsonLines.
   */
  public static final class BufferedLines implements AutoCloseable {
    private final Path file;
    private final java.io.Writer out;
    private volatile String failure;

    public BufferedLines(Path file) {
      this.file = file;
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        out =
            Files.newBufferedWriter(
                file,
                StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new Cli.Fail("cannot write event log " + file + ": " + e.getMessage());
      }
    }

    /** Never throws (it runs on gRPC's threads): a failure is kept, and the owner stops on it. */
    public synchronized void append(Event record) {
      if (failure != null) return;
      try {
        out.write(Cli.JSON.writeValueAsString(record));
        out.write('\n');
      } catch (IOException e) {
        failure = "cannot write event log " + file + ": " + e.getMessage();
      }
    }

    public synchronized void flush() {
      if (failure != null) return;
      try {
        out.flush();
      } catch (IOException e) {
        failure = "cannot write event log " + file + ": " + e.getMessage();
      }
    }

    public String failure() {
      return failure;
    }

    @Override
    public synchronized void close() {
      flush();
      try {
        out.close();
      } catch (IOException ignored) {
        // flushed above; a failure there is kept in failure()
      }
    }
  }

  /**
   * Everything the workers wrote so far, read incrementally: each call reads only what was added.
   */
  public static final class Records {
    private final Path dir;
    private final Map<Path, Long> offsets = new HashMap<>();
    private final Map<String, List<Restart>> restartsByIdentity = new HashMap<>();
    private final List<Restart> restarts = new ArrayList<>();
    private final Set<String> executed = new HashSet<>();
    private final List<WorkerConfig> configs = new ArrayList<>();
    private final Map<String, List<Poll>> pollsByIdentity = new HashMap<>();
    private final List<ShutdownCall> shutdownCalls = new ArrayList<>();
    private int executionFiles, wireFiles;

    public Records(Path dir) {
      this.dir = dir;
    }

    /** Records built in memory (tests). */
    public static Records of(List<? extends Event> events, boolean executionFilesSeen) {
      Records r = new Records(null);
      events.forEach(r::add);
      if (executionFilesSeen) r.executionFiles = 1;
      if (events.stream().anyMatch(e -> e instanceof Poll || e instanceof ShutdownCall))
        r.wireFiles = 1;
      return r;
    }

    public synchronized Records refresh() {
      if (dir == null || !Files.isDirectory(dir)) return this;
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files.sorted()::iterator) {
          String name = f.getFileName().toString();
          if (!name.endsWith(".jsonl")) continue;
          if (!offsets.containsKey(f) && name.startsWith("executions-")) executionFiles++;
          if (!offsets.containsKey(f) && name.startsWith("wire-")) wireFiles++;
          readNew(f);
        }
      } catch (IOException e) {
        throw new Cli.Fail("cannot read worker event logs in " + dir + ": " + e.getMessage());
      }
      return this;
    }

    private void readNew(Path f) throws IOException {
      long from = offsets.getOrDefault(f, 0L);
      try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
        long size = raf.length();
        if (size <= from) return;
        byte[] buf = new byte[(int) (size - from)];
        raf.seek(from);
        raf.readFully(buf);
        int lineStart = 0;
        for (int i = 0; i < buf.length; i++) {
          if (buf[i] != '\n') continue;
          parse(new String(buf, lineStart, i - lineStart, StandardCharsets.UTF_8));
          lineStart = i + 1;
        }
        // A line still being written (no newline yet) is read next time, whole.
        offsets.put(f, from + lineStart);
      }
    }

    private void parse(String line) {
      if (line.isBlank()) return;
      try {
        add(Cli.JSON.readValue(line, Event.class));
      } catch (IOException cutShortByAKill) {
        // a process killed mid-write leaves at most one broken line; nothing in it was a whole
        // record
      }
    }

    private void add(Event e) {
      if (e instanceof Restart r) {
        restarts.add(r);
        restartsByIdentity.computeIfAbsent(r.identity(), k -> new ArrayList<>()).add(r);
      } else if (e instanceof Execution x) {
        executed.add(key(x.workflowId(), x.runId()));
      } else if (e instanceof WorkerConfig c) {
        configs.add(c);
      } else if (e instanceof Poll p) {
        pollsByIdentity.computeIfAbsent(p.identity(), k -> new ArrayList<>()).add(p);
      } else if (e instanceof ShutdownCall c) {
        shutdownCalls.add(c);
      }
    }

    static String key(String workflowId, String runId) {
      return workflowId + "\u0000" + runId;
    }

    public synchronized boolean executed(String workflowId, String runId) {
      return executed.contains(key(workflowId, runId));
    }

    /**
     * Whether any worker wrote execution records at all: without them, "never began" cannot be
     * told.
     */
    public synchronized boolean haveExecutionRecords() {
      return executionFiles > 0;
    }

    /**
     * The incarnation with this identity that was alive when the task was handed over (identities
     * repeat only if a pid is reused, so the one nearest in time is the one meant).
     */
    public synchronized Restart incarnation(String identity, long atMs) {
      Restart best = null;
      long bestDistance = Long.MAX_VALUE;
      for (Restart r : restartsByIdentity.getOrDefault(identity, List.of())) {
        long d =
            atMs < r.startMs()
                ? r.startMs() - atMs
                : atMs > r.shutdownEndMs() ? atMs - r.shutdownEndMs() : 0;
        if (d < bestDistance) {
          best = r;
          bestDistance = d;
        }
      }
      return best;
    }

    public synchronized List<Restart> restarts() {
      return List.copyOf(restarts);
    }

    public synchronized List<WorkerConfig> configs() {
      return List.copyOf(configs);
    }

    /**
     * Whether any worker recorded its side of the wire at all: without that, no side can be told.
     */
    public synchronized boolean haveWireRecords() {
      return wireFiles > 0;
    }

    /** Every poll this incarnation (identity) made, in the order they closed. */
    public synchronized List<Poll> polls(String identity) {
      return List.copyOf(pollsByIdentity.getOrDefault(identity, List.of()));
    }

    public synchronized Map<String, List<Poll>> pollsByIdentity() {
      Map<String, List<Poll>> copy = new HashMap<>();
      pollsByIdentity.forEach((k, v) -> copy.put(k, List.copyOf(v)));
      return copy;
    }

    /** The ShutdownWorker call this incarnation made, or null if it made none. */
    public synchronized ShutdownCall shutdownCall(String identity) {
      for (ShutdownCall c : shutdownCalls) if (c.identity().equals(identity)) return c;
      return null;
    }

    public synchronized List<ShutdownCall> shutdownCalls() {
      return List.copyOf(shutdownCalls);
    }
  }
}

//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3
//DEPS org.slf4j:slf4j-simple:2.0.17

// What every script of the kit shares, with no engine dependency (DaprApp uses it as the Temporal
// scripts do): the picocli runner whose errors are one line and exit 2, strict number checks, the
// JSON mapper for our typed records, and file writes that never claim what was not written.

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine;

public final class Cli {
  private Cli() {}

  /**
   * snake_case on disk, records in code; unknown fields are tolerated so older files still read.
   */
  public static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(SerializationFeature.INDENT_OUTPUT, false);

  /** A one-line error for the user: exit code 2, no stack trace. */
  public static class Fail extends RuntimeException {
    public Fail(String message) {
      super(message);
    }
  }

  /**
   * Runs a picocli command: bad input and Fail give one `error:` line on stderr and exit code 2.
   */
  public static int run(Callable<Integer> command, String[] args) {
    CommandLine cl = new CommandLine(command);
    cl.setCaseInsensitiveEnumValuesAllowed(
        true); // `--kind dev` for enum Kind.DEV, as the scripts write it
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          errorSaid = true;
          System.err.println("error: " + firstLine(ex.getMessage()) + " (see --help)");
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          errorSaid = true;
          if (ex instanceof Fail) {
            System.err.println("error: " + firstLine(ex.getMessage()));
          } else {
            // Not a condition we foresaw: still one line, but say what it was so it can be
            // reported.
            System.err.println(
                "error: " + ex.getClass().getSimpleName() + ": " + firstLine(ex.getMessage()));
          }
          return 2;
        });
    return cl.execute(args);
  }

  public static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * HOST:PORT with a port from 1 to 65535, or one error line naming the option: a port beyond that
   * range is a typo, and left to the libraries it is a stack trace (gRPC) or a wait for something
   * that cannot exist.
   */
  public static String hostPort(String value, String name) {
    int colon = value == null ? -1 : value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1)
      throw new Fail(name + " takes HOST:PORT, got '" + value + "'");
    String port = value.substring(colon + 1);
    if (!port.matches("[0-9]{1,9}")
        || Integer.parseInt(port) < 1
        || Integer.parseInt(port) > 65535) {
      throw new Fail(name + ": the port must be from 1 to 65535, got '" + value + "'");
    }
    return value;
  }

  /** An option that takes HOST:PORT (port 1-65535): `@Option(converter = Cli.HostPort.class)`. */
  public static final class HostPort implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        return hostPort(value, "HOST:PORT");
      } catch (Fail e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * Set once an error line has been printed: a shutdown hook that fails after it adds no second
   * one.
   */
  private static volatile boolean errorSaid;

  /**
   * A shutdown hook whose failure is one `error:` line (never a stack trace from the hook's
   * thread), and none at all when the run already said its error: a partial summary that cannot be
   * written on a full disk is said once.
   */
  public static void onShutdown(Runnable hook) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> runHook(hook), "shutdown-hook"));
  }

  static void runHook(Runnable hook) {
    try {
      hook.run();
    } catch (RuntimeException e) {
      if (!errorSaid)
        System.err.println(
            "error: "
                + (e instanceof Fail ? "" : e.getClass().getSimpleName() + ": ")
                + firstLine(e.getMessage()));
      errorSaid = true;
    }
  }

  /**
   * A finite number > 0 (NaN and Infinity are refused: a wrapped or undefined figure is worse than
   * none).
   */
  public static double positive(double value, String name) {
    if (!(value > 0) || Double.isInfinite(value))
      throw new Fail(name + " must be a positive number, got " + value);
    return value;
  }

  /** A finite number >= 0. */
  public static double nonNegative(double value, String name) {
    if (!(value >= 0) || Double.isInfinite(value))
      throw new Fail(name + " must be a finite number of at least 0, got " + value);
    return value;
  }

  /**
   * Writes the whole file or fails with one line: the target is replaced only once every byte is on
   * disk.
   */
  public static void writeFile(Path file, String text) {
    Path tmp = null;
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      // Not createTempFile: that makes the file 0600, and every file the kit writes is made the
      // same way, with the permissions the user's umask gives (0644 as a rule), summaries included.
      tmp =
          dir.resolve(
              "."
                  + file.getFileName()
                  + "."
                  + ProcessHandle.current().pid()
                  + "-"
                  + System.nanoTime()
                  + ".tmp");
      Files.writeString(tmp, text, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write already failed; that is the error to report
        }
      }
      throw new Fail("cannot write " + file + ": " + e.getMessage());
    }
  }

  public static void writeJson(Path file, Object value) {
    try {
      writeFile(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new Fail("cannot encode " + file + ": " + e.getOriginalMessage());
    }
  }

  public static <T> T readJson(Path file, Class<T> type) {
    try {
      return JSON.readValue(file.toFile(), type);
    } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
      throw new Fail("no such file: " + file);
    } catch (IOException e) {
      throw new Fail("cannot read " + file + ": " + firstLine(e.getMessage()));
    }
  }

  // gRPC logs through java.util.logging: an unreachable host is a multi-line stack trace on stderr.
  // The caller says it in one line instead. (A strong reference: JUL keeps loggers weakly.)
  private static final java.util.logging.Logger GRPC_LOG =
      java.util.logging.Logger.getLogger("io.grpc");

  /**
   * Keeps library logging to warnings and gives slf4j-simple a time stamp; the kit's own loggers
   * (named in `ours`) speak at info. Call before any logger.
   */
  public static void quietLogging(String... ours) {
    for (String name : ours) System.setProperty("org.slf4j.simpleLogger.log." + name, "info");
    GRPC_LOG.setLevel(java.util.logging.Level.OFF);
    // Temporal SDK 1.38's worker heartbeat logs a WARN with a stack trace whenever a restart
    // interrupts its RPC.
    System.setProperty(
        "org.slf4j.simpleLogger.log.io.temporal.internal.worker.HeartbeatManager", "error");
    System.setProperty(
        "org.slf4j.simpleLogger.defaultLogLevel",
        System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
  }

  public static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /** Append-only JSON lines, flushed per line so a killed process loses nothing it wrote. */
  public static final class JsonLines implements AutoCloseable {
    private final Path file;
    private final Writer out;
    private volatile String failure;

    public JsonLines(Path file) {
      this.file = file;
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        out =
            Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new Fail("cannot write event log " + file + ": " + e.getMessage());
      }
    }

    /** A record that cannot be written makes the whole measurement void: the caller must stop. */
    public synchronized void append(Object record) {
      if (failure != null) throw new Fail(failure);
      try {
        out.write(JSON.writeValueAsString(record));
        out.write('\n');
        out.flush();
      } catch (IOException e) {
        failure = "cannot write event log " + file + ": " + e.getMessage();
        throw new Fail(failure);
      }
    }

    /** Why the log stopped taking records, or null while it works. */
    public String failure() {
      return failure;
    }

    @Override
    public synchronized void close() {
      try {
        out.close();
      } catch (IOException ignored) {
        // every line was flushed as it was written
      }
    }
  }
}

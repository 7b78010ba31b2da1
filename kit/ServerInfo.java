///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3
//DEPS com.fasterxml.jackson.dataformat:jackson-dataformat-yaml:2.18.3
//DEPS org.slf4j:slf4j-simple:2.0.17
//DEPS io.temporal:temporal-sdk:${temporal.sdk.version:1.38.0}
//DEPS io.temporal:temporal-envconfig:${temporal.sdk.version:1.38.0}
//SOURCES Cli.java Events.java Loss.java Temporal.java Server.java

// What a Temporal server is, measured rather than assumed: its version (GetSystemInfo), whether its
// namespace advertises graceful poll shutdown, and which of the configured fix flags are in force
// (a cluster's dynamic config file, checked by the release's own `temporal-server
// validate-dynamic-config`). Prints key=value lines (the matrix reads them); with --out, writes the
// typed server.json there too.

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "ServerInfo",
    mixinStandardHelpOptions = true,
    description =
        "Prints server_version=..., poll_complete_on_shutdown=true|false, flag.KEY=VALUE for each"
            + " fix flag in force and not_registered=KEY,... ; with --out DIR also writes"
            + " DIR/server.json.")
public class ServerInfo implements Callable<Integer> {
  @Mixin Temporal.Connection connection;

  @Option(
      names = "--kind",
      description =
          "dev (the CLI's dev server) or cluster (the official server's separate services); unset:"
              + " unknown")
  String kind;

  @Option(
      names = "--persistence",
      description =
          "what the server stores in, as the orchestration started it (e.g. \"postgresql 15.18\")")
  String persistence;

  @Option(
      names = "--dynamic-config",
      description = "the cluster's dynamic config file: its keys are the flags configured")
  Path dynamicConfig;

  @Option(
      names = "--server-binary",
      description =
          "the cluster's temporal-server: says which configured keys its release does not register")
  Path serverBinary;

  @Option(
      names = "--flag",
      description = "KEY=VALUE a dev server was started with (--dynamic-config-value); repeatable")
  List<String> devFlags = new ArrayList<>();

  @Option(
      names = "--service",
      description =
          "a server process of the cluster (frontend, history, matching, worker); repeatable")
  List<String> services = new ArrayList<>();

  @Option(names = "--out", description = "folder to write server.json into")
  Path out;

  public static void main(String[] args) {
    Cli.quietLogging();
    System.exit(Cli.run(new ServerInfo(), args));
  }

  @Override
  public Integer call() throws Exception {
    if (kind != null && !kind.equals("dev") && !kind.equals("cluster"))
      throw new Cli.Fail("--kind takes dev or cluster, got '" + kind + "'");
    Map<String, Object> configured = new LinkedHashMap<>();
    for (String f : devFlags) {
      int eq = f.indexOf('=');
      if (eq <= 0) throw new Cli.Fail("--flag takes KEY=VALUE, got '" + f + "'");
      String v = f.substring(eq + 1);
      configured.put(
          f.substring(0, eq), v.equals("true") || v.equals("false") ? Boolean.valueOf(v) : v);
    }
    List<String> notRegistered = null;
    if (dynamicConfig != null) {
      configured.putAll(Server.configured(readYaml(dynamicConfig)));
      if (serverBinary != null)
        notRegistered = new ArrayList<>(Server.unregistered(validate(serverBinary, dynamicConfig)));
    }
    Map<String, Object> flags =
        notRegistered == null ? configured : Server.inForce(configured, notRegistered);
    try (var c =
        connection) { // closed before exit, as the starter's: else the JVM waits 300 ms for its
      // thread
      connectWithin(c, 30);
      Loss.Versions v = c.versions(null);
      if (v.serverVersion() == null)
        throw new Cli.Fail("the server at " + c.target() + " did not say what it is");
      var server =
          new Server(
              kind,
              v.serverVersion(),
              persistence,
              v.pollCompleteOnShutdown(),
              flags,
              notRegistered,
              services.isEmpty() ? null : services);
      System.out.println("server_version=" + server.serverVersion());
      System.out.println("poll_complete_on_shutdown=" + server.pollCompleteOnShutdown());
      flags.forEach((k, val) -> System.out.println("flag." + k + "=" + val));
      if (notRegistered != null)
        System.out.println("not_registered=" + String.join(",", notRegistered));
      if (out != null) server.write(out);
      return 0;
    }
  }

  /**
   * A server just started on a busy machine can miss a connect (refused until it listens): asked
   * once per experiment, right after a start, so it tries again until SECONDS have passed, then
   * fails with the connection's own line.
   */
  static void connectWithin(Temporal.Connection c, int seconds) throws InterruptedException {
    long until = System.currentTimeMillis() + seconds * 1000L;
    while (true) {
      try {
        c.connect();
        return;
      } catch (Cli.Fail e) {
        if (!e.getMessage().startsWith("cannot reach") || System.currentTimeMillis() > until)
          throw e;
        Thread.sleep(1_000);
      }
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> readYaml(Path file) {
    try {
      Object parsed = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Object.class);
      if (parsed == null) return Map.of();
      if (!(parsed instanceof Map<?, ?>))
        throw new Cli.Fail(file + " is not a dynamic config file (a map of keys at the top)");
      return (Map<String, Object>) parsed;
    } catch (java.io.IOException e) {
      throw new Cli.Fail(
          "cannot read the dynamic config " + file + ": " + Cli.firstLine(e.getMessage()));
    }
  }

  /**
   * The release's own check of a dynamic config file: its warnings name the keys it does not
   * register.
   */
  static String validate(Path binary, Path file) throws Exception {
    if (!Files.isExecutable(binary))
      throw new Cli.Fail(binary + " is not an executable temporal-server");
    Process p =
        new ProcessBuilder(binary.toString(), "validate-dynamic-config", file.toString())
            .redirectErrorStream(true)
            .start();
    String text = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new Cli.Fail(binary + " validate-dynamic-config did not finish within 60 s");
    }
    if (p.exitValue() != 0)
      throw new Cli.Fail(binary + " rejects " + file + ": " + Cli.firstLine(text.strip()));
    return text;
  }
}

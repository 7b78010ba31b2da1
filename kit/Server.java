//DEPS com.fasterxml.jackson.core:jackson-databind:2.18.3

// server.json: what ran, as measured, in one experiment's folder. kit/ServerInfo.java writes it (it
// asks the server and the server binary); the accounting copies it under the summary's `versions`.
// The pure decisions about the fix flags live here, with fast tests: which configured flags are in
// force, given what the release's own `temporal-server validate-dynamic-config` says it does not
// register.

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * @param serverKind dev (the CLI's dev server) or cluster (the official server, one process per
 *     service)
 * @param serverVersion GetSystemInfo's server version
 * @param persistence what the server stores in, e.g. "postgresql 15.18" or "sqlite (in memory)"
 * @param pollCompleteOnShutdown the namespace capability workerPollCompleteOnShutdown, as
 *     advertised
 * @param flags the dynamic config keys in force and their values (configured and registered by the
 *     server)
 * @param flagsNotRegistered configured keys the release does not know (so not in force); null where
 *     unchecked
 * @param services the server processes, e.g. [frontend, history, matching, matching, worker]
 */
public record Server(
    String serverKind,
    String serverVersion,
    String persistence,
    Boolean pollCompleteOnShutdown,
    Map<String, Object> flags,
    List<String> flagsNotRegistered,
    List<String> services) {
  public static final String FILE = "server.json";
  public static final String CANCEL_POLLS = "frontend.enableCancelWorkerPollsOnShutdown";
  public static final String FAN_OUT = "frontend.enableMatchingFanOutForPollCancellation";

  /** DIR/server.json, or null where the orchestration wrote none (an older run, or --address). */
  public static Server read(Path dir) {
    Path f = dir.resolve(FILE);
    if (!Files.isRegularFile(f)) return null;
    try {
      return Cli.JSON.readValue(f.toFile(), Server.class);
    } catch (java.io.IOException e) {
      throw new Cli.Fail("cannot read " + f + ": " + Cli.firstLine(e.getMessage()));
    }
  }

  public void write(Path dir) {
    try {
      Cli.writeFile(
          dir.resolve(FILE),
          Cli.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new Cli.Fail("cannot write " + FILE + ": " + e.getMessage());
    }
  }

  /**
   * The accounting's own measurement (version, capability) with what server.json adds: the kind,
   * the persistence and the flags in force. Without a server.json the versions are as measured.
   */
  public static Loss.Versions into(Loss.Versions measured, Server s) {
    if (s == null) return measured;
    return new Loss.Versions(
        measured.serverVersion() != null ? measured.serverVersion() : s.serverVersion(),
        measured.sdkVersion(),
        measured.workerSdkVersion(),
        measured.pollCompleteOnShutdown() != null
            ? measured.pollCompleteOnShutdown()
            : s.pollCompleteOnShutdown(),
        measured.cliVersion(),
        s.serverKind(),
        s.persistence(),
        s.flags());
  }

  /**
   * The value of each key of a dynamic config file (parsed YAML): the entry without constraints,
   * else the first.
   */
  public static Map<String, Object> configured(Map<String, ?> dynamicConfig) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (dynamicConfig == null) return out;
    dynamicConfig.forEach(
        (key, entries) -> {
          if (!(entries instanceof List<?> list) || list.isEmpty()) return;
          Object chosen = null;
          for (Object e : list) {
            if (!(e instanceof Map<?, ?> m)) continue;
            Object c = m.get("constraints");
            boolean unconstrained = c == null || (c instanceof Map<?, ?> cm && cm.isEmpty());
            if (chosen == null || unconstrained) chosen = m.get("value");
            if (unconstrained) break;
          }
          if (chosen != null) out.put(key, chosen);
        });
    return out;
  }

  static final Pattern UNREGISTERED = Pattern.compile("unregistered key \"([^\"]+)\"");

  /**
   * The keys `temporal-server validate-dynamic-config FILE` warns about: "warning: unregistered key
   * \"k\"".
   */
  public static Set<String> unregistered(String validateOutput) {
    Set<String> keys = new TreeSet<>();
    Matcher m = UNREGISTERED.matcher(validateOutput == null ? "" : validateOutput);
    while (m.find()) keys.add(m.group(1));
    return keys;
  }

  /**
   * The configured flags the server registers: an unknown key is ignored by the server, so not in
   * force.
   */
  public static Map<String, Object> inForce(
      Map<String, Object> configured, Collection<String> unregistered) {
    Map<String, Object> out = new LinkedHashMap<>(configured);
    out.keySet().removeAll(unregistered);
    return out;
  }
}

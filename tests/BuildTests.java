// The Dapr build: tools/build-dapr.sh and its Go helper tools/daprbuild. "fast": the helper's own
// Go tests, and the script's decisions (substitution, --src, the release download, every error)
// against a stand-in go and a loopback release server, in seconds. "e2e": binaries the kit built,
// packed in the official release's layout and served from loopback, downloaded and verified by the
// script (and refused when an archive does not match its checksum); a local checkout built with
// --src.

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

public class BuildTests {
  /** One run of tools/build-dapr.sh: exit code, stdout lines, stderr lines. */
  record Run(int code, List<String> out, List<String> err) {
    List<String> errorLines() {
      return err.stream().filter(l -> l.startsWith("error: ")).toList();
    }

    String all() {
      return String.join("\n", out) + "\n" + String.join("\n", err);
    }
  }

  static Run buildDapr(Map<String, String> env, String... args) throws Exception {
    var cmd = new ArrayList<String>(List.of("tools/build-dapr.sh"));
    cmd.addAll(List.of(args));
    var pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Process p = pb.start();
    var err = new ByteArrayOutputStream();
    Thread drain =
        new Thread(
            () -> {
              try {
                p.getErrorStream().transferTo(err);
              } catch (IOException ignored) {
                // the process is gone; what it wrote is what there is
              }
            });
    drain.start();
    String out = new String(p.getInputStream().readAllBytes());
    int code = p.waitFor();
    drain.join();
    return new Run(code, out.lines().toList(), err.toString().lines().toList());
  }

  static String run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }

  // ------------------------------------------------------------------------------------------ fast

  /**
   * tools/build-dapr.sh's decisions (substitution, --src, release download, errors) against a
   * stand-in go and a loopback release server.
   */
  @Test
  @Tag("fast")
  void theDaprBuildsDecisionsHoldAgainstAStandInProxyAndARelease() throws Exception {
    Process p = new ProcessBuilder("tests/build-dapr-checks.sh").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("all checks passed") && !out.contains("FAIL"), out);
    assertTrue(
        out.contains("ok   release with a checksum mismatch"), "the release checks ran: " + out);
  }

  /**
   * The helper's pure decisions (neighbour order, reading go logs, checksum files, go.mod writing),
   * by its own go test.
   */
  @Test
  @Tag("fast")
  void theBuildHelpersGoTestsPass() throws Exception {
    String out = run(Path.of("tools/daprbuild"), "go", "test", "-count=1", "./...");
    assertTrue(out.contains("ok"), out);
  }

  /**
   * Every summary's build_source comes from build.json: release, proxy or src, also for records
   * from before the field.
   */
  @Test
  @Tag("fast")
  void theSummarysBuildSourceIsReadFromBuildJsonOldOrNew() throws Exception {
    Path dir = Files.createTempDirectory("build-json");
    Map<String, String> files =
        Map.of(
            "old-src.json",
                "{\"dapr_version\": \"local\", \"source\": \"local:/src/dapr\","
                    + " \"substituted_modules\": []}",
            "old-proxy.json",
                "{\"dapr_version\": \"1.15.4\", \"source\": \"proxy\", \"substituted_modules\":"
                    + " []}",
            "release.json",
                "{\"dapr_version\": \"1.16.2\", \"source\": \"release\", \"build_source\":"
                    + " \"release\", \"release\": {\"url\": \"x\", \"archives\": []}}",
            "src.json",
                "{\"dapr_version\": \"local\", \"source\": \"local:/src/dapr\", \"build_source\":"
                    + " \"src\"}");
    Map<String, String> want =
        Map.of(
            "old-src.json",
            "src",
            "old-proxy.json",
            "proxy",
            "release.json",
            "release",
            "src.json",
            "src");
    for (var f : files.entrySet()) {
      Files.writeString(dir.resolve(f.getKey()), f.getValue());
      assertEquals(
          want.get(f.getKey()),
          Cli.readJson(dir.resolve(f.getKey()), DaprReport.Build.class).how(),
          f.getKey());
    }
  }

  // ------------------------------------------------------------------------------------------- e2e

  static String sha256(Path f) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  /**
   * Packs BIN's three binaries as the release does: DIR/vVERSION/NAME_linux_amd64.tar.gz and its
   * .sha256.
   */
  static void publish(Path bin, Path dir, String version, String osArch) throws Exception {
    Path v = Files.createDirectories(dir.resolve("v" + version));
    for (String b : List.of("daprd", "placement", "scheduler")) {
      String asset = b + "_" + osArch + ".tar.gz";
      run(bin, "tar", "-czf", v.resolve(asset).toString(), b);
      Files.writeString(
          v.resolve(asset + ".sha256"), sha256(v.resolve(asset)) + " *" + asset + "\n");
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (var all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList())
        Files.deleteIfExists(p);
    }
  }

  /** A loopback server over DIR, as GitHub's release downloads are laid out. */
  static HttpServer serve(Path dir) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          Path f = dir.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
          if (!f.startsWith(dir) || !Files.isRegularFile(f)) {
            ex.sendResponseHeaders(404, -1);
          } else {
            ex.sendResponseHeaders(200, Files.size(f));
            try (var body = ex.getResponseBody()) {
              Files.copy(f, body);
            }
          }
          ex.close();
        });
    server.start();
    return server;
  }

  /**
   * The release path end to end, with binaries the kit built: served from loopback in the official
   * layout they are downloaded, verified, installed as release-VERSION and recorded as build_source
   * "release"; an archive that does not match its checksum is one error line and nothing installed;
   * a release location with nothing listening falls back to the proxy build in one line.
   */
  @Test
  @Tag("e2e")
  void anOfficialReleaseIsDownloadedAndVerifiedOrRefused() throws Exception {
    String version = "1.16.2";
    Run built =
        buildDapr(
            Map.of(),
            version); // what tests/run.sh got: here the proxy build, elsewhere the release
    assertEquals(0, built.code(), built.all());
    Path kitBin = Path.of(built.out().get(built.out().size() - 1));
    String osArch =
        run(Path.of("."), "go", "env", "GOOS").trim()
            + "_"
            + run(Path.of("."), "go", "env", "GOARCH").trim();

    Path release = Files.createTempDirectory("dapr-release");
    publish(kitBin, release.resolve("good"), version, osArch);
    Files.createDirectories(release.resolve("bad/v" + version));
    try (var files = Files.list(release.resolve("good/v" + version))) {
      for (Path f : files.toList())
        Files.copy(f, release.resolve("bad/v" + version).resolve(f.getFileName()));
    }
    Path daprd = release.resolve("bad/v" + version + "/daprd_" + osArch + ".tar.gz");
    byte[] bytes = Files.readAllBytes(daprd);
    bytes[bytes.length / 2] ^=
        0x5a; // one byte of the archive changed; its published checksum is the original's
    Files.write(daprd, bytes);

    Path cache = Files.createTempDirectory("dapr-release-cache");
    HttpServer server = serve(release);
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      Run bad =
          buildDapr(
              Map.of("DURABLE_KIT_CACHE", cache.toString()),
              "--release-url",
              base + "/bad",
              version);
      assertEquals(2, bad.code(), bad.all());
      assertEquals(1, bad.errorLines().size(), bad.all());
      assertTrue(bad.errorLines().get(0).contains("checksum mismatch"), bad.all());
      assertTrue(bad.out().isEmpty(), bad.all());
      assertFalse(
          Files.exists(cache.resolve("dapr/release-" + version + "/bin")), "nothing installed");

      Run good =
          buildDapr(
              Map.of("DURABLE_KIT_CACHE", cache.toString()),
              "--release-url",
              base + "/good",
              version);
      assertEquals(0, good.code(), good.all());
      assertEquals(1, good.out().size(), good.all());
      Path bin = Path.of(good.out().get(0));
      assertEquals(cache.resolve("dapr/release-" + version + "/bin"), bin);
      assertEquals(version, run(bin, "./daprd", "--version").trim());
      var build = Cli.readJson(bin.getParent().resolve("build.json"), DaprReport.Build.class);
      assertEquals("release", build.source());
      assertEquals(version, build.daprVersion());
      assertTrue(
          Files.readString(bin.getParent().resolve("build.json"))
              .contains("\"build_source\": \"release\""));
      assertEquals(
          sha256(release.resolve("good/v" + version + "/scheduler_" + osArch + ".tar.gz")).length(),
          64);
    } finally {
      server.stop(0);
      deleteTree(release);
      deleteTree(cache);
    }

    Assumptions.assumeTrue(
        kitBin.getParent().getFileName().toString().equals(version),
        "the fallback is checked where the kit's binaries are a proxy build (here they are "
            + kitBin
            + ")");
    int closed;
    try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Run fallback = buildDapr(Map.of(), "--release-url", "http://127.0.0.1:" + closed, version);
    assertEquals(0, fallback.code(), fallback.all());
    assertEquals(
        kitBin, Path.of(fallback.out().get(fallback.out().size() - 1)), "the proxy build, cached");
    assertEquals(
        1,
        fallback.err().stream()
            .filter(l -> l.contains("no official Dapr " + version + " release download"))
            .count(),
        fallback.all());
  }

  /**
   * A maintainer's checkout: --src builds from a local dapr/dapr tree (here the module cache's copy
   * of a served version).
   */
  @Test
  @Tag("e2e")
  void aLocalDaprCheckoutBuildsAndRecordsWhereItCameFrom() throws Exception {
    Process gomod = new ProcessBuilder("go", "env", "GOMODCACHE").start();
    String cache = new String(gomod.getInputStream().readAllBytes()).trim();
    assertEquals(0, gomod.waitFor());
    Path src = Path.of(cache, "github.com", "dapr", "dapr@v1.15.4");
    Assumptions.assumeTrue(
        Files.isDirectory(src),
        "the module cache has no dapr@v1.15.4 (tests/run.sh builds it first)");
    Process p =
        new ProcessBuilder("tools/build-dapr.sh", "--src", src.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
    assertEquals(0, p.waitFor());
    Path bin = Path.of(out.get(out.size() - 1));
    assertTrue(
        Files.isExecutable(bin.resolve("daprd"))
            && Files.isExecutable(bin.resolve("placement"))
            && Files.isExecutable(bin.resolve("scheduler")));
    var build = Cli.readJson(bin.getParent().resolve("build.json"), DaprReport.Build.class);
    assertTrue(build.source().startsWith("local:"), build.source());
    assertTrue(
        Files.readString(bin.getParent().resolve("build.json"))
            .contains("\"build_source\": \"src\""));

    Process bad =
        new ProcessBuilder(
                "tools/build-dapr.sh", "--src", Files.createTempDirectory("not-dapr").toString())
            .start();
    String err = new String(bad.getErrorStream().readAllBytes()).trim();
    assertEquals(2, bad.waitFor(), err);
    assertTrue(err.lines().reduce((a, b) -> b).orElse("").startsWith("error: "), err);
  }
}

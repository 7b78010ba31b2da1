// tools/jbang keeps the java command line jbang works out and skips jbang's JVM on the next start.
// These tests hold it to what makes that safe: the arguments arrive exactly as given, and an edit
// to the script or to a file it names in //SOURCES, or another -D option, is never answered with
// the command line of before.

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

public class LauncherTests {
  record Ran(int exit, String out) {}

  static Ran jbang(Path dir, String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ComposeTests.KIT.resolve("tools/jbang").toString()));
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    p.getOutputStream().write(stdin.getBytes());
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    return new Ran(p.waitFor(), out);
  }

  static void write(Path dir, String dep) throws Exception {
    Files.writeString(
        dir.resolve("Echo.java"),
        """
        //SOURCES lib/Dep.java
        public class Echo {
          public static void main(String[] a) throws Exception {
            for (String s : a) System.out.println("[" + s + "]");
            System.out.println("p=" + System.getProperty("p") + " dep=" + Dep.V + " stdin=" + new String(System.in.readAllBytes()).trim());
            System.exit(a.length);
          }
        }
        """);
    Files.createDirectories(dir.resolve("lib"));
    Files.writeString(
        dir.resolve("lib/Dep.java"), "class Dep { static final String V = \"" + dep + "\"; }\n");
  }

  @Test
  @Tag("fast")
  void aKeptCommandLinePassesArgumentsIntactAndNeverOutlivesAnEdit() throws Exception {
    Path dir = Files.createTempDirectory("launcher");
    write(dir, "one");
    String[] args = {"-Dp=x", "Echo.java", "a b", "it's", "$HOME", "*", "", "--help"};
    String expected = "[a b]\n[it's]\n[$HOME]\n[*]\n[]\n[--help]\np=x dep=one stdin=hi\n";
    Ran first = jbang(dir, "hi", args);
    assertEquals(expected, first.out(), "first start (jbang works the command line out)");
    assertEquals(6, first.exit(), "the script's own exit status");
    Ran second = jbang(dir, "hi", args);
    assertEquals(expected, second.out(), "second start (the kept command line)");
    assertEquals(6, second.exit());

    write(dir, "two"); // a file the script names in //SOURCES changes
    assertEquals("p=x dep=two stdin=\n", jbang(dir, "", "-Dp=x", "Echo.java").out());
    assertEquals(
        "p=y dep=two stdin=\n", jbang(dir, "", "-Dp=y", "Echo.java").out(), "another -D option");
    assertEquals("p=null dep=two stdin=\n", jbang(dir, "", "Echo.java").out());

    Files.writeString(
        dir.resolve("lib/Dep.java"), "class Dep { static final String V = broken; }\n");
    Ran broken = jbang(dir, "", "Echo.java");
    assertNotEquals(
        0, broken.exit(), "a compile error is not hidden behind the command line of before");
    assertEquals("", broken.out());
  }
}

// One Java style for every file: google-java-format, run by tools/format as it is for a
// contributor. The test runs `tools/format --check` and fails with the list of files that differ
// (fix: tools/format).

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

public class FormatTests {
  @Test
  @Tag("fast")
  void everyJavaFileIsFormatted() throws Exception {
    Process p =
        new ProcessBuilder(ComposeTests.KIT.resolve("tools/format").toString(), "--check")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(300, TimeUnit.SECONDS)) p.destroyForcibly();
    assertEquals(0, p.exitValue(), out);
  }
}

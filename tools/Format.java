///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.google.googlejavaformat:google-java-format:1.28.0
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.code=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
//JAVA_OPTIONS --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED

// The kit's one Java style, google-java-format (as temporalio/samples-java enforces it with
// spotless), run the same way for every Java file the repository holds: `tools/format` rewrites
// them, `tools/format --check` only lists the ones that differ (tests/FormatTests.java runs that).
// 1.28.0 is the newest release that runs on JDK 17.

import com.google.googlejavaformat.java.Formatter;
import com.google.googlejavaformat.java.FormatterException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

public class Format {
  public static void main(String[] args) throws Exception {
    boolean check = false;
    List<Path> files = new ArrayList<>();
    for (String a : args) {
      switch (a) {
        case "-h", "--help" -> {
          System.out.println(
              "Usage: tools/format [--check] [FILE.java...]\n\n"
                  + "Formats every Java file of the repository (or the files named) with"
                  + " google-java-format\n"
                  + "1.28.0, imports fixed. --check changes nothing: it lists the files that differ"
                  + " and exits 1.");
          return;
        }
        case "--check" -> check = true;
        default -> {
          if (a.startsWith("-")) fail("unknown option: " + a + " (see tools/format --help)");
          Path p = Path.of(a);
          if (!Files.isRegularFile(p) || !a.endsWith(".java")) fail("not a Java file: " + a);
          files.add(p);
        }
      }
    }
    if (files.isEmpty()) files = repositoryJavaFiles();
    Formatter formatter = new Formatter();
    List<String> differ = new ArrayList<>();
    for (Path f : files) {
      String before = Files.readString(f);
      String after;
      try {
        List<String> hidden = new ArrayList<>();
        after =
            restoreDirectives(
                formatter.formatSourceAndFixImports(
                    refillLongComments(hideDirectives(before, hidden))),
                hidden);
      } catch (FormatterException e) {
        fail(f + ": " + e.getMessage().lines().findFirst().orElse("does not parse"));
        return;
      }
      if (after.equals(before)) continue;
      differ.add(root().relativize(f.toAbsolutePath().normalize()).toString());
      if (!check) Files.writeString(f, after);
    }
    if (check && !differ.isEmpty()) {
      System.out.println(
          differ.size()
              + " of "
              + files.size()
              + " Java files are not formatted (run tools/format):");
      differ.forEach(d -> System.out.println("  " + d));
      System.exit(1);
    }
    System.out.println(
        (check
            ? "all " + files.size() + " Java files are formatted"
            : "formatted " + differ.size() + " of " + files.size() + " Java files"));
  }

  /**
   * google-java-format writes `//DEPS x` as `// DEPS x` and breaks a long `//SOURCES` line in two;
   * jbang reads neither. Every jbang directive (`//DEPS`, `//SOURCES`, `//JAVA_OPTIONS`, the
   * `///usr/bin/env jbang` line, ...) is swapped for a short placeholder comment before formatting
   * and given back, as it was, after it.
   */
  static final java.util.regex.Pattern DIRECTIVE =
      java.util.regex.Pattern.compile("//[A-Z_]+(\\s.*)?|///usr/bin/env .*");

  static final String PLACEHOLDER = "//jbang-directive-";

  static String hideDirectives(String src, List<String> hidden) {
    StringBuilder out = new StringBuilder();
    for (String line : src.split("\n", -1)) {
      if (DIRECTIVE.matcher(line).matches()) {
        hidden.add(line);
        line = PLACEHOLDER + (hidden.size() - 1);
      }
      out.append(line).append('\n');
    }
    return out.substring(0, out.length() - 1);
  }

  static String restoreDirectives(String formatted, List<String> hidden) {
    StringBuilder out = new StringBuilder();
    java.util.regex.Pattern placeholder =
        java.util.regex.Pattern.compile("// ?jbang-directive-(\\d+)");
    for (String line : formatted.split("\n", -1)) {
      var m = placeholder.matcher(line);
      out.append(m.matches() ? hidden.get(Integer.parseInt(m.group(1))) : line).append('\n');
    }
    return out.substring(0, out.length() - 1);
  }

  /**
   * Formatted until a pass changes nothing more: google-java-format's breaking of long strings can
   * move a piece once more on a second pass (seen on a nested ternary), and --check must agree with
   * a format run.
   */
  static String formatted(Formatter formatter, String src) throws FormatterException {
    String current = src;
    for (int pass = 0; pass < 5; pass++) {
      List<String> hidden = new ArrayList<>();
      String next =
          restoreDirectives(
              formatter.formatSourceAndFixImports(
                  refillLongComments(hideDirectives(current, hidden))),
              hidden);
      if (next.equals(current)) return current;
      current = next;
    }
    return current;
  }

  static final int WIDTH = 100;

  /**
   * google-java-format breaks a line comment longer than 100 columns in two and leaves the rest of
   * its paragraph as it was; a block of `//` lines with one such line is refilled to 100 columns
   * first, so the comment stays a paragraph. Blocks with indented lines (examples, tables) are left
   * alone.
   */
  static String refillLongComments(String src) {
    String[] lines = src.split("\n", -1);
    List<String> out = new ArrayList<>();
    java.util.regex.Pattern comment = java.util.regex.Pattern.compile("^(\\s*)// (\\S.*)$");
    for (int i = 0; i < lines.length; ) {
      var m = comment.matcher(lines[i]);
      if (!m.matches()) {
        out.add(lines[i++]);
        continue;
      }
      String indent = m.group(1);
      int j = i;
      boolean tooLong = false;
      StringBuilder text = new StringBuilder();
      while (j < lines.length) {
        var mj = comment.matcher(lines[j]);
        if (!mj.matches() || !mj.group(1).equals(indent)) break;
        tooLong |= lines[j].length() > WIDTH;
        text.append(text.length() == 0 ? "" : " ").append(mj.group(2).strip());
        j++;
      }
      if (!tooLong) {
        for (int k = i; k < j; k++) out.add(lines[k]);
      } else {
        StringBuilder line = new StringBuilder();
        for (String word : text.toString().split(" +")) {
          if (line.length() > 0
              && indent.length() + 3 + line.length() + 1 + word.length() > WIDTH) {
            out.add(indent + "// " + line);
            line.setLength(0);
          }
          line.append(line.length() == 0 ? "" : " ").append(word);
        }
        if (line.length() > 0) out.add(indent + "// " + line);
      }
      i = j;
    }
    return String.join("\n", out);
  }

  static Path root() {
    return Path.of(System.getProperty("kit.root", ".")).toAbsolutePath().normalize();
  }

  /**
   * The Java files under the repository root (this script's folder's parent), outside build and
   * result folders.
   */
  static List<Path> repositoryJavaFiles() throws IOException {
    Path root = root();
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.toString().endsWith(".java") && Files.isRegularFile(p))
          .filter(
              p -> {
                Path rel = root.relativize(p);
                String first = rel.getName(0).toString();
                return !(first.equals("results")
                    || first.equals("build")
                    || first.equals("target")
                    || first.startsWith("."));
              })
          .sorted()
          .toList();
    }
  }

  static void fail(String message) {
    System.err.println("error: " + message);
    System.exit(2);
  }
}

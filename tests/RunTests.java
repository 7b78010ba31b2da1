///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS org.junit:junit-bom:5.11.4@pom
//DEPS org.junit.jupiter:junit-jupiter
//DEPS org.junit.platform:junit-platform-launcher
//DEPS io.temporal:temporal-testing:1.38.0
//DEPS org.yaml:snakeyaml:2.3
//SOURCES ../Workflows.java ../StartWorkflows.java ../ActivityWorker.java ../WorkflowWorker.java
//SOURCES ../kit/Report.java ../kit/Charts.java ../kit/Orphans.java ../kit/DaprReport.java ../DaprApp.java
//SOURCES ../kit/Original.java ../kit/Benchmark.java
//SOURCES Reproduce.java Fakes.java
//SOURCES TemporalTests.java
//SOURCES DaprTests.java
//SOURCES ComposeTests.java
//SOURCES LauncherTests.java
//SOURCES BuildTests.java
//SOURCES BenchmarkTests.java
//SOURCES ProcsTests.java
//SOURCES OrchestratorTests.java
//SOURCES ClusterTests.java
//SOURCES FormatTests.java

// jbang has no test command: this runs the JUnit Platform over the kit's test classes and ends with
// the plain "N passed, N failed, N skipped" line. A test that cannot run here (an assumption that
// does not hold) is reported as skipped, never as passed. Exit 1 on any failure or when no test
// ran. Usually started by tests/run.sh, which brings up the real servers the end-to-end tests need.
// The //SOURCES lines above are the one list of test classes: every class there whose name ends in
// "Tests" is run (found in the jar jbang built from them), so a new class is added in one place.

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClasspathRoots;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

public class RunTests {
  public static void main(String[] args) {
    Cli.quietLogging();
    var builder =
        LauncherDiscoveryRequestBuilder.request()
            .selectors(selectClasspathRoots(Set.of(builtFrom())))
            .filters(ClassNameFilter.includeClassNamePatterns(".*Tests"));
    if (args.length > 0) builder.filters(org.junit.platform.launcher.TagFilter.includeTags(args));
    // TESTS_MATCHING=text runs only the tests whose name holds it (while working on one);
    // TESTS_MATCHING='a|b' those whose name holds either, in their usual order.
    String only = System.getenv("TESTS_MATCHING");
    if (only != null && !only.isBlank()) {
      builder.filters(
          (org.junit.platform.launcher.PostDiscoveryFilter)
              d ->
                  org.junit.platform.engine.FilterResult.includedIf(
                      !d.isTest()
                          || java.util.Arrays.stream(only.split("\\|"))
                              .anyMatch(d.getDisplayName()::contains)));
    }
    LauncherDiscoveryRequest request = builder.build();
    var summary = new SummaryGeneratingListener();
    var progress =
        new TestExecutionListener() {
          @Override
          public void executionStarted(TestIdentifier id) {
            if (id.isTest()) System.out.println("RUN  " + id.getDisplayName());
          }

          @Override
          public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (!id.isTest()) return;
            String word =
                switch (result.getStatus()) {
                  case SUCCESSFUL -> "PASS ";
                  case ABORTED -> "SKIP ";
                  case FAILED -> "FAIL ";
                };
            System.out.println(
                word
                    + id.getDisplayName()
                    + result
                        .getThrowable()
                        .map(t -> "\n     " + Cli.firstLine(String.valueOf(t)))
                        .orElse(""));
          }

          @Override
          public void executionSkipped(TestIdentifier id, String reason) {
            if (id.isTest()) System.out.println("SKIP " + id.getDisplayName() + ": " + reason);
          }
        };
    LauncherFactory.create().execute(request, summary, progress);
    var s = summary.getSummary();
    s.printFailuresTo(new PrintWriter(System.out), 15);
    long passed = s.getTestsSucceededCount(),
        failed = s.getTestsFailedCount(),
        skipped = s.getTestsAbortedCount() + s.getTestsSkippedCount();
    System.out.printf("%d passed, %d failed, %d skipped%n", passed, failed, skipped);
    System.exit(failed > 0 || passed == 0 ? 1 : 0);
  }

  /** The jar (or folder) this runner and the test classes of its //SOURCES were compiled into. */
  static Path builtFrom() {
    try {
      return Path.of(RunTests.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}

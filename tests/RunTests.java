///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS org.junit:junit-bom:5.11.4@pom
//DEPS org.junit.jupiter:junit-jupiter
//DEPS org.junit.platform:junit-platform-launcher
//DEPS io.temporal:temporal-testing:1.38.0
//DEPS org.yaml:snakeyaml:2.3
//SOURCES ../Workflows.java ../Accounting.java ../StartWorkflows.java ../ActivityWorker.java ../WorkflowWorker.java ../Report.java
//SOURCES ../DaprApp.java
//SOURCES TemporalTests.java DaprTests.java ComposeTests.java

// jbang has no test command: this runs the JUnit Platform over the kit's test classes and ends with
// the plain "N passed, N failed" line. Exit 1 on any failure or when no test ran.
// Usually started by tests/run.sh, which brings up the real servers the end-to-end tests need.

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.engine.TestExecutionResult;

public class RunTests {
  public static void main(String[] args) {
    Workflows.quietLogging();
    var builder = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(TemporalTests.class), selectClass(DaprTests.class), selectClass(ComposeTests.class));
    if (args.length > 0) builder.filters(org.junit.platform.launcher.TagFilter.includeTags(args));
    LauncherDiscoveryRequest request = builder.build();
    var summary = new SummaryGeneratingListener();
    var progress = new TestExecutionListener() {
      @Override
      public void executionStarted(TestIdentifier id) {
        if (id.isTest()) System.out.println("RUN  " + id.getDisplayName());
      }

      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (!id.isTest()) return;
        System.out.println((result.getStatus() == TestExecutionResult.Status.SUCCESSFUL ? "PASS " : "FAIL ") + id.getDisplayName()
            + result.getThrowable().map(t -> "\n     " + t).orElse(""));
      }
    };
    LauncherFactory.create().execute(request, summary, progress);
    var s = summary.getSummary();
    s.printFailuresTo(new PrintWriter(System.out), 15);
    long passed = s.getTestsSucceededCount(), failed = s.getTestsFailedCount() + s.getTestsAbortedCount();
    System.out.printf("%d passed, %d failed%n", passed, failed);
    System.exit(failed > 0 || passed == 0 ? 1 : 0);
  }
}

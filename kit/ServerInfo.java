///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//SOURCES ../Workflows.java

// What a Temporal server is, measured rather than assumed: its version and whether its namespace
// advertises graceful poll shutdown. Prints key=value lines (the matrix reads the capability).

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "ServerInfo", mixinStandardHelpOptions = true, description = "Prints server_version=... and poll_complete_on_shutdown=true|false.")
public class ServerInfo implements Callable<Integer> {
  @Mixin Temporal.Connection connection;

  public static void main(String[] args) {
    Cli.quietLogging();
    System.exit(Cli.run(new ServerInfo(), args));
  }

  @Override
  public Integer call() {
    try (var c = connection) { // closed before exit, as the starter's: else the JVM waits 300 ms for its thread
      c.connect();
      Loss.Versions v = c.versions(null);
      if (v.serverVersion() == null) throw new Cli.Fail("the server at " + c.target() + " did not say what it is");
      System.out.println("server_version=" + v.serverVersion());
      System.out.println("poll_complete_on_shutdown=" + v.pollCompleteOnShutdown());
      return 0;
    }
  }
}

//DEPS io.temporal:temporal-sdk:${temporal.sdk.version:1.38.0}
//DEPS io.temporal:temporal-envconfig:${temporal.sdk.version:1.38.0}
//SOURCES Cli.java Loss.java

// The Temporal side of the machinery: the connection (the SDK's own ClientConfigProfile, then
// --address/--namespace), and the reads the accounting makes of the server: visibility queries
// scoped to one run's task queue, one workflow's history reduced to facts, and what the server is.

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

public final class Temporal {
  private Temporal() {}

  public static final String SDK_VERSION = io.temporal.serviceclient.Version.LIBRARY_VERSION;

  /**
   * --address / --namespace, falling back to the SDK's own environment settings (TEMPORAL_ADDRESS,
   * ...).
   */
  public static class Connection implements AutoCloseable {
    @Option(
        names = "--address",
        description =
            "Temporal frontend host:port (default: TEMPORAL_ADDRESS, the client config file, or"
                + " localhost:7233)")
    public String address;

    @Option(
        names = "--namespace",
        description =
            "Temporal namespace (default: TEMPORAL_NAMESPACE, the client config file, or default)")
    public String namespace;

    @Option(
        names = "--grpc-compression",
        defaultValue = "none",
        description =
            "gzip or none: compress each request (Java SDK 1.38's own default is gzip) (default:"
                + " ${DEFAULT-VALUE})")
    public String grpcCompression = "none"; // also when made without picocli (the tests)

    private WorkflowServiceStubs stubs;
    private WorkflowClient client;
    private WorkflowClientOptions clientOptions;
    private NioEventLoopGroup eventLoop;
    private String resolvedNamespace;

    /**
     * Interceptors for every call on the connection (the chaos worker's WireTap); set before
     * connecting.
     */
    private final List<io.grpc.ClientInterceptor> interceptors = new ArrayList<>();

    public synchronized void intercept(io.grpc.ClientInterceptor interceptor) {
      if (stubs != null)
        throw new IllegalStateException("interceptors go on before the connection is made");
      interceptors.add(interceptor);
    }

    /**
     * For the chaos worker: SDK 1.38's worker heartbeats send RPCs at every worker start and
     * shutdown, which a worker restarting ten times a second pays each time. They are telemetry,
     * not part of a restart.
     */
    public static final java.util.function.UnaryOperator<WorkflowClientOptions.Builder>
        NO_WORKER_HEARTBEATS =
            b -> {
              try { // reflection: SDKs before 1.37 have no worker heartbeats, and the version
                // matrix runs those too
                b.getClass()
                    .getMethod("setWorkerHeartbeatInterval", Duration.class)
                    .invoke(b, Duration.ofMillis(-1));
              } catch (ReflectiveOperationException noSuchSetting) {
                // nothing to turn off
              }
              return b;
            };

    /** How long a server that accepted the connection has to answer its first calls. */
    static final int CONNECT_SECONDS = 30;

    /**
     * A TCP connection to HOST:PORT within 3 s, or the one-line failure of an unreachable server.
     */
    static void listening(String target) {
      int colon = target.lastIndexOf(':');
      String host = target.substring(0, colon);
      if (host.contains("///")) host = host.substring(host.lastIndexOf('/') + 1); // dns:///host
      host = host.replaceAll("^\\[|\\]$", ""); // [::1]
      int port = Integer.parseInt(target.substring(colon + 1));
      try (var socket = new java.net.Socket()) {
        socket.connect(new java.net.InetSocketAddress(host, port), 3000);
      } catch (IOException | IllegalArgumentException e) {
        throw cannotReach(target);
      }
    }

    /** The one line for a server that is not there. */
    static Cli.Fail cannotReach(String target) {
      return new Cli.Fail(
          "cannot reach the Temporal server at "
              + target
              + " (is it running? try ./reproduce_issue.sh temporal, or --address)");
    }

    /**
     * Request compression, off by default. The original kit's SDK (temporalio 1.18.1) sends its
     * requests uncompressed; the Java SDK gzips every one since sdk-java #2911 (2026-06; in 1.36.1,
     * not in 1.35.0), and on loopback that buys nothing and costs both sides CPU: the kit's starter
     * spent 3.4% of its connection thread's samples inflating answers. Off, every SDK of the
     * version matrix puts the same bytes on the wire. Set by reflection: SDKs before it have no
     * such setting (and compress nothing).
     */
    static WorkflowServiceStubsOptions.Builder compression(
        WorkflowServiceStubsOptions.Builder b, String name) {
      if (!name.equals("none") && !name.equals("gzip"))
        throw new Cli.Fail("--grpc-compression takes gzip or none, got '" + name + "'");
      try {
        Class<?> type = Class.forName("io.temporal.serviceclient.GrpcCompression");
        Object value =
            type.getMethod("valueOf", String.class).invoke(null, name.toUpperCase(Locale.ROOT));
        b.getClass().getMethod("setGrpcCompression", type).invoke(b, value);
      } catch (ClassNotFoundException | NoSuchMethodException olderSdk) {
        if (name.equals("gzip"))
          throw new Cli.Fail("this Temporal SDK (" + SDK_VERSION + ") cannot compress requests");
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      return b;
    }

    /** Connects (connect()) and checks the namespace, or fails with one line. */
    public synchronized WorkflowClient client(String identity) {
      return client(identity, b -> b);
    }

    public synchronized WorkflowClient client(
        String identity, java.util.function.UnaryOperator<WorkflowClientOptions.Builder> options) {
      if (client != null) return client;
      connect();
      var builder = WorkflowClientOptions.newBuilder(clientOptions).setNamespace(resolvedNamespace);
      if (identity != null) builder.setIdentity(identity);
      client = WorkflowClient.newInstance(stubs, options.apply(builder).build());
      return client;
    }

    /**
     * The service stubs alone, connected (30 s for a server that is listening), with the namespace
     * checked, or one line of failure: all the starter and the accounting need (a WorkflowClient
     * costs a few hundred ms of class loading per process).
     */
    public synchronized WorkflowServiceStubs connect() {
      if (stubs != null) return stubs;
      ClientConfigProfile profile;
      try {
        profile = ClientConfigProfile.load();
      } catch (IOException | RuntimeException e) {
        throw new Cli.Fail(
            "cannot read the Temporal client configuration: " + Cli.firstLine(e.getMessage()));
      }
      WorkflowServiceStubsOptions fromProfile = profile.toWorkflowServiceStubsOptions();
      String target = address != null ? address : fromProfile.getTarget();
      if (target == null || target.isBlank()) target = "localhost:7233";
      Cli.hostPort(target, address != null ? "--address" : "the Temporal address");
      clientOptions = profile.toWorkflowClientOptions();
      resolvedNamespace = namespace != null ? namespace : clientOptions.getNamespace();
      if (resolvedNamespace == null || resolvedNamespace.isBlank()) resolvedNamespace = "default";
      // Nothing listening is an answer at once (a refused connection, an unknown host); a server
      // that is there but slow gets CONNECT_SECONDS. One deadline for both was either slow to say
      // "not running" or short for a loaded machine, where a just-started server could miss 5 s
      // (kit/ServerInfo.java retries for that).
      listening(target);
      // The connection's own event loop, so that close() can stop it: a netty thread left waiting
      // in epoll makes the JVM's exit wait 300 ms for it (measured: a 0.7 s starter took 1.05 s to
      // end).
      var prior = fromProfile.getChannelInitializer();
      eventLoop =
          new NioEventLoopGroup(
              1,
              r -> {
                Thread t = new Thread(r, "temporal-connection");
                t.setDaemon(true);
                return t;
              });
      List<io.grpc.ClientInterceptor> all = new ArrayList<>();
      if (fromProfile.getGrpcClientInterceptors() != null)
        all.addAll(fromProfile.getGrpcClientInterceptors());
      all.addAll(interceptors);
      // Built outside the try below: a fault of ours in the options is not "cannot reach".
      WorkflowServiceStubsOptions options =
          compression(WorkflowServiceStubsOptions.newBuilder(fromProfile), grpcCompression)
              .setTarget(target)
              .setGrpcClientInterceptors(all)
              .setChannelInitializer(
                  b -> {
                    if (prior != null) prior.accept(b);
                    if (b instanceof NettyChannelBuilder netty)
                      netty.eventLoopGroup(eventLoop).channelType(NioSocketChannel.class);
                  })
              .build();
      try {
        stubs =
            WorkflowServiceStubs.newConnectedServiceStubs(
                options, Duration.ofSeconds(CONNECT_SECONDS));
      } catch (RuntimeException e) {
        throw cannotReach(target);
      }
      try {
        rpc(CONNECT_SECONDS)
            .describeNamespace(
                DescribeNamespaceRequest.newBuilder().setNamespace(resolvedNamespace).build());
      } catch (RuntimeException e) {
        throw new Cli.Fail(
            "namespace '"
                + resolvedNamespace
                + "' is not usable on "
                + target
                + ": "
                + Cli.firstLine(e.getMessage()));
      }
      return stubs;
    }

    /** Closes the channel and stops its event loop, so the process ends at once. */
    @Override
    public synchronized void close() {
      if (stubs != null) {
        stubs.shutdownNow();
        stubs.awaitTermination(2, TimeUnit.SECONDS);
      }
      if (eventLoop != null)
        eventLoop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(2_000);
    }

    public WorkflowServiceStubs stubs() {
      return stubs;
    }

    public String namespace() {
      return resolvedNamespace;
    }

    public String target() {
      return stubs == null ? address : stubs.getOptions().getTarget();
    }

    public WorkflowServiceGrpc.WorkflowServiceBlockingStub rpc(int seconds) {
      return stubs.blockingStub().withDeadlineAfter(seconds, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ reads the accounting makes

    /** How many executions match a visibility query (e.g. one run's queue and a status). */
    public long count(String query) {
      return rpc(10)
          .countWorkflowExecutions(
              CountWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(resolvedNamespace)
                  .setQuery(query)
                  .build())
          .getCount();
    }

    /** Every execution matching a visibility query, page by page. */
    public List<WorkflowExecutionInfo> list(String query) {
      List<WorkflowExecutionInfo> all = new ArrayList<>();
      com.google.protobuf.ByteString token = com.google.protobuf.ByteString.EMPTY;
      do {
        ListWorkflowExecutionsResponse page =
            rpc(30)
                .listWorkflowExecutions(
                    ListWorkflowExecutionsRequest.newBuilder()
                        .setNamespace(resolvedNamespace)
                        .setQuery(query)
                        .setPageSize(1000)
                        .setNextPageToken(token)
                        .build());
        all.addAll(page.getExecutionsList());
        token = page.getNextPageToken();
      } while (!token.isEmpty());
      return all;
    }

    /** One closed workflow's history, reduced to what the classification needs. */
    public Loss.History history(String workflowId, String runId, WorkflowExecutionStatus status) {
      String handedTo = null, timeoutType = null;
      Long handedMs = null, timedOutMs = null;
      com.google.protobuf.ByteString token = com.google.protobuf.ByteString.EMPTY;
      do {
        GetWorkflowExecutionHistoryResponse page =
            rpc(30)
                .getWorkflowExecutionHistory(
                    GetWorkflowExecutionHistoryRequest.newBuilder()
                        .setNamespace(resolvedNamespace)
                        .setExecution(
                            WorkflowExecution.newBuilder()
                                .setWorkflowId(workflowId)
                                .setRunId(runId))
                        .setNextPageToken(token)
                        .build());
        for (HistoryEvent e : page.getHistory().getEventsList()) {
          if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
            handedTo = e.getActivityTaskStartedEventAttributes().getIdentity();
            handedMs = millis(e.getEventTime());
          } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) {
            timeoutType =
                e.getActivityTaskTimedOutEventAttributes()
                    .getFailure()
                    .getTimeoutFailureInfo()
                    .getTimeoutType()
                    .name()
                    .replace("TIMEOUT_TYPE_", "")
                    .toLowerCase();
            timedOutMs = millis(e.getEventTime());
          }
        }
        token = page.getNextPageToken();
      } while (!token.isEmpty());
      return new Loss.History(
          workflowId, runId, statusName(status), handedTo, handedMs, timeoutType, timedOutMs);
    }

    /**
     * The server's version and whether the namespace advertises graceful poll shutdown (the fix).
     */
    public Loss.Versions versions(String workerSdkVersion) {
      try {
        String server =
            rpc(5).getSystemInfo(GetSystemInfoRequest.getDefaultInstance()).getServerVersion();
        boolean fix =
            rpc(5)
                .describeNamespace(
                    DescribeNamespaceRequest.newBuilder().setNamespace(resolvedNamespace).build())
                .getNamespaceInfo()
                .getCapabilities()
                .getWorkerPollCompleteOnShutdown();
        return new Loss.Versions(server, SDK_VERSION, workerSdkVersion, fix);
      } catch (RuntimeException e) {
        return new Loss.Versions(null, SDK_VERSION, workerSdkVersion, null);
      }
    }
  }

  /** Whether an RPC failed because the server is not there (as opposed to refusing the request). */
  public static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        Status.Code c = s.getStatus().getCode();
        return c == Status.Code.UNAVAILABLE || c == Status.Code.DEADLINE_EXCEEDED;
      }
    }
    return false;
  }

  public static String statusName(WorkflowExecutionStatus s) {
    return s.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase();
  }

  public static long millis(com.google.protobuf.Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  /** Visibility query literal: single quotes, with backslashes and quotes in the value escaped. */
  public static String quote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}

//DEPS io.temporal:temporal-sdk:${temporal.sdk.version:1.38.0}
//SOURCES Temporal.java

// The starter's rehearsal: its whole send path (the SDK's stubs and interceptors, grpc-java,
// netty's HTTP/2 codec, the protobuf messages both ways) run against an in-process stand-in for the
// frontend before the first real start. A fresh JVM runs that path interpreted and compiles it
// while it sends, and on 2 cores that CPU is the server's: 1,000 starts took the starter 0.96-1.10
// s of CPU from its first send to its last answer (its compiler 0.44-0.52 s of it), rehearsed
// 0.44-0.52 s (docs/measurements.md, 2026-12-02). Nothing of it reaches the server, and no figure
// comes from the stand-in: it only answers.

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

public final class Rehearsal {
  private Rehearsal() {}

  /** How a rehearsal went: starts answered by the stand-in, and its wall time. */
  public record Result(int answered, double seconds) {}

  /**
   * Sends {@code rounds} x {@code perRound} copies of {@code template} (each with its own workflow
   * and request id) to a stand-in on a loopback port of its own, each round all in flight at once
   * as the real starts are, then waits up to 1 s for the compiler to go quiet. {@code compression}
   * is the real connection's (Temporal.Connection), so that the path rehearsed is the one taken.
   */
  public static Result run(
      StartWorkflowExecutionRequest template, int rounds, int perRound, String compression)
      throws Exception {
    long t0 = System.nanoTime();
    Server standIn =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(new StandIn())
            .build()
            .start();
    WorkflowServiceStubs stubs = null;
    AtomicInteger answered = new AtomicInteger();
    try {
      stubs =
          WorkflowServiceStubs.newServiceStubs(
              Temporal.Connection.compression(WorkflowServiceStubsOptions.newBuilder(), compression)
                  .setTarget("127.0.0.1:" + standIn.getPort())
                  .build());
      // Answers on the connection's thread, as the real starts' are (StartWorkflows.start).
      var async = stubs.futureStub().withExecutor(Runnable::run);
      for (int round = 0; round < rounds; round++) {
        var all = new CountDownLatch(perRound);
        for (int i = 0; i < perRound; i++) {
          var f =
              async
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .startWorkflowExecution(
                      template.toBuilder()
                          .setWorkflowId("rehearsal-" + round + "-" + i)
                          .setRequestId(UUID.randomUUID().toString())
                          .build());
          f.addListener(
              () -> {
                try {
                  f.get();
                  answered.incrementAndGet();
                } catch (Exception e) {
                  // counted as not answered
                } finally {
                  all.countDown();
                }
              },
              Runnable::run);
        }
        all.await(10, TimeUnit.SECONDS);
      }
      // Compilation runs beside the code it compiles: what is still queued would be compiled
      // during the real starts.
      var compiler = ManagementFactory.getCompilationMXBean();
      long last = -1;
      for (int i = 0; i < 50 && compiler.isCompilationTimeMonitoringSupported(); i++) {
        long now = compiler.getTotalCompilationTime();
        if (now == last) break;
        last = now;
        Thread.sleep(20);
      }
    } finally {
      if (stubs != null) stubs.shutdownNow();
      standIn.shutdownNow();
    }
    return new Result(answered.get(), (System.nanoTime() - t0) / 1e9);
  }

  /** Answers every start at once; GetSystemInfo too, which the SDK's stubs ask first. */
  static final class StandIn extends WorkflowServiceGrpc.WorkflowServiceImplBase {
    @Override
    public void getSystemInfo(GetSystemInfoRequest r, StreamObserver<GetSystemInfoResponse> o) {
      o.onNext(GetSystemInfoResponse.getDefaultInstance());
      o.onCompleted();
    }

    @Override
    public void startWorkflowExecution(
        StartWorkflowExecutionRequest r, StreamObserver<StartWorkflowExecutionResponse> o) {
      o.onNext(
          StartWorkflowExecutionResponse.newBuilder()
              .setRunId(UUID.randomUUID().toString())
              .setStarted(true)
              .build());
      o.onCompleted();
    }
  }
}

//SOURCES Events.java

// The chaos worker's side of the wire, recorded: a gRPC client interceptor on the worker's service
// stubs that writes one Events.Poll for every PollActivityTaskQueue call (identity, worker instance
// key, sent, closed, gRPC status, and the task it carried) and one Events.ShutdownCall for every
// ShutdownWorker call. Methods are matched by their full gRPC name and fields read through the
// protobuf descriptor, so SDKs whose API has no ShutdownWorker or no worker_instance_key run it too
// (the version matrix does).

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;

public final class WireTap implements ClientInterceptor {
  static final String POLL =
      "temporal.api.workflowservice.v1.WorkflowService/PollActivityTaskQueue";
  static final String SHUTDOWN = "temporal.api.workflowservice.v1.WorkflowService/ShutdownWorker";

  private final Events.BufferedLines log;

  public WireTap(Events.BufferedLines log) {
    this.log = log;
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    String name = method.getFullMethodName();
    if (!POLL.equals(name) && !SHUTDOWN.equals(name)) return next.newCall(method, options);
    return new Tapped<>(next.newCall(method, options), POLL.equals(name));
  }

  /**
   * One call: the request's fields when it is sent, the answer's task, and the record when it
   * closes.
   */
  private final class Tapped<Q, A> extends ForwardingClientCall.SimpleForwardingClientCall<Q, A> {
    private final boolean poll;
    private volatile long sentMs;
    private volatile String identity, key, queue;
    private volatile Events.Task task;

    Tapped(ClientCall<Q, A> call, boolean poll) {
      super(call);
      this.poll = poll;
    }

    @Override
    public void start(Listener<A> listener, Metadata headers) {
      sentMs = System.currentTimeMillis();
      super.start(
          new ForwardingClientCallListener.SimpleForwardingClientCallListener<A>(listener) {
            @Override
            public void onMessage(A message) {
              if (poll && message instanceof PollActivityTaskQueueResponse r) task = taskOf(r);
              super.onMessage(message);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              record(status); // before the SDK sees the answer, so the record never trails the
              // execution it leads to
              super.onClose(status, trailers);
            }
          },
          headers);
    }

    @Override
    public void sendMessage(Q message) {
      if (message instanceof Message m) {
        identity = field(m, "identity");
        key = field(m, "worker_instance_key");
        queue = field(m, "task_queue");
      }
      super.sendMessage(message);
    }

    private void record(Status status) {
      if (identity == null) return; // closed before anything was sent: no call of any incarnation
      long closed = System.currentTimeMillis();
      String code = status.getCode().name().toLowerCase();
      log.append(
          poll
              ? new Events.Poll(identity, key, sentMs, closed, code, task)
              : new Events.ShutdownCall(identity, key, queue, sentMs, closed, code));
    }
  }

  static Events.Task taskOf(PollActivityTaskQueueResponse r) {
    if (r.getTaskToken().isEmpty())
      return null; // the empty answer a long poll gives when nothing came
    return new Events.Task(
        r.getWorkflowExecution().getWorkflowId(),
        r.getWorkflowExecution().getRunId(),
        r.getActivityId(),
        r.getAttempt(),
        r.hasScheduledTime() ? millis(r.getScheduledTime()) : null,
        r.hasStartedTime() ? millis(r.getStartedTime()) : null);
  }

  /**
   * A string field by name (a message field such as TaskQueue gives its name), or null where this
   * API has none.
   */
  static String field(Message m, String name) {
    Descriptors.FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
    if (f == null) return null;
    Object v = m.getField(f);
    if (v instanceof Message inner) return field(inner, "name");
    return v == null ? null : v.toString();
  }

  private static long millis(com.google.protobuf.Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }
}

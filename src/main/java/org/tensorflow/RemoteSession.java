package org.tensorflow;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetTarget;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

/**
 * Opens a {@link Session} on a target such as {@code grpc://localhost:2222}. TensorFlow Java's public
 * constructors always create an in-process session; the C API can point the session at a gRPC
 * master (the local {@link Server}), which is what distributed graphs with collective ops need.
 * This class lives in {@code org.tensorflow} only to reach the package-private wrapping constructor.
 */
public final class RemoteSession {
  private RemoteSession() {}

  /**
   * @param graph the graph the session runs (its ops may be placed on any task of the cluster)
   * @param target a session target, e.g. {@code grpc://localhost:2222}
   * @param config session options, or null for the defaults
   * @return a session that does not auto-run initializers (run them explicitly)
   */
  public static Session open(Graph graph, String target, ConfigProto config) {
    Graph.Reference ref = graph.ref();
    try (PointerScope scope = new PointerScope()) {
      TF_Status status = TF_Status.newStatus();
      TF_SessionOptions opts = TF_SessionOptions.newSessionOptions();
      TF_SetTarget(opts, target);
      if (config != null) {
        BytePointer bytes = new BytePointer(config.toByteArray());
        TF_SetConfig(opts, bytes, bytes.capacity(), status);
        status.throwExceptionIfNotOK();
      }
      TF_Session handle = TF_Session.newSession(ref.nativeHandle(), opts, status);
      status.throwExceptionIfNotOK();
      // The session outlives this scope: keep the native handle referenced past PointerScope.close.
      return new Session(graph, handle.retainReference());
    } finally {
      ref.close();
    }
  }
}

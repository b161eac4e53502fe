package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * BYOL projector / predictor: Linear(in, hidden, bias) -> BatchNorm1d(hidden) -> ReLU ->
 * Linear(hidden, out, no bias), with the original's names {@code net.0.weight}, {@code net.0.bias},
 * {@code net.1.*}, {@code net.3.weight}.
 */
public final class MlpHead {
  private final String scope;
  private final ParamStore.Param w0;
  private final ParamStore.Param b0;
  private final ParamStore.BatchNormParams bn;
  private final ParamStore.Param w3;
  private final long in;
  private final long hidden;
  private final long out;

  private MlpHead(ParamStore store, String scope, long in, long hidden, long out) {
    this.scope = scope;
    this.in = in;
    this.hidden = hidden;
    this.out = out;
    w0 = store.linearWeight(scope, "net.0.weight", in, hidden);
    b0 = store.linearBias(scope, "net.0.bias", in, hidden);
    bn = store.batchNorm(scope, "net.1", hidden);
    w3 = store.linearWeight(scope, "net.3.weight", hidden, out);
  }

  /** Creates the head's variables under {@code scope} (e.g. "online/projector"). */
  public static MlpHead create(ParamStore store, String scope, long in, long hidden, long out) {
    return new MlpHead(store, scope, in, hidden, out);
  }

  /** [N, in] -> [N, out]. Logs the two linear layers in ctx. */
  public Operand<TFloat32> apply(ForwardContext ctx, Operand<TFloat32> x) {
    Ops tf = ctx.tf();
    Operand<TFloat32> h = tf.nn.biasAdd(tf.linalg.matMul(x, w0.value()), b0.value());
    h = Relu.apply(tf, BatchNorm.apply(ctx, h, bn));
    ctx.log("net.0+net.1+relu", h, w0.size() + b0.size() + 2 * hidden);
    Operand<TFloat32> y = tf.linalg.matMul(h, w3.value());
    ctx.log("net.3", y, w3.size());
    return y;
  }

  public String scope() {
    return scope;
  }

  public long inDim() {
    return in;
  }

  public long hiddenDim() {
    return hidden;
  }

  public long outDim() {
    return out;
  }
}

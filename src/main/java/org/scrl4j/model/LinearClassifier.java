package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Linear(features, classes) with bias, named {@code linear.weight} / {@code linear.bias} as the
 * original's SingleLayerLinearHead: the online evaluator and the offline linear-eval head.
 */
public final class LinearClassifier {
  private final String scope;
  private final ParamStore.Param weight;
  private final ParamStore.Param bias;

  private LinearClassifier(ParamStore store, String scope, long features, long classes) {
    this.scope = scope;
    weight = store.linearWeight(scope, "linear.weight", features, classes);
    bias = store.linearBias(scope, "linear.bias", features, classes);
  }

  /** Creates the classifier's variables under {@code scope} (e.g. "online/evaluator"). */
  public static LinearClassifier create(ParamStore store, String scope, long features, long classes) {
    return new LinearClassifier(store, scope, features, classes);
  }

  /** Logits [N, classes] of features [N, C]. */
  public Operand<TFloat32> apply(ForwardContext ctx, Operand<TFloat32> features) {
    Ops tf = ctx.tf();
    Operand<TFloat32> logits = tf.nn.biasAdd(tf.linalg.matMul(features, weight.value()), bias.value());
    ctx.log("linear", logits, weight.size() + bias.size());
    return logits;
  }

  public String scope() {
    return scope;
  }

  public ParamStore.Param weight() {
    return weight;
  }

  public ParamStore.Param bias() {
    return bias;
  }
}

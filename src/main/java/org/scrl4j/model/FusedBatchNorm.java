package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Training-mode batch norm as one TensorFlow kernel, FusedBatchNormV3 (oneDNN's under
 * TF_ENABLE_ONEDNN_OPTS=1), with its registered gradient FusedBatchNormGradV3: what mixed precision
 * trains with. Same semantics as {@link BatchNorm} (eps 1e-5, biased variance to normalise, the
 * unbiased one, which the kernel returns as batch_variance, for the running variance, momentum 0.1
 * applied in float64); BN1d inputs [N, C] run as [N, 1, 1, C].
 *
 * <p>Why in mixed precision: grappler's bfloat16 rewrite runs the plain-op batch norm's
 * elementwise ops (centre, scale, shift and their gradients, about ten passes over every
 * activation) in bfloat16, rounding at each, and even its per-channel gradient sums. The fused
 * kernel takes and returns bfloat16 activations but keeps its statistics and its arithmetic in
 * float32, as torch autocast's CPU batch norm does, in two passes forward and two backward.
 * Measured on ResNet-50 (batch 8, 224 px, SCRL): step 2.90 -> 2.07 s in mixed_bfloat16, and on the
 * r50w4 golden the gradients' cosine to float64 0.42 -> 0.48 (torch autocast: 0.45).
 *
 * <p>Not for float32 certification: its moments are float32 sums (the plain-op form accumulates
 * them in float64 as torch's CPU kernel does) and it cannot synchronise moments across replicas.
 */
public final class FusedBatchNorm {
  private FusedBatchNorm() {}

  /** Normalises {@code x} with its batch moments and registers the running-stat updates in {@code ctx}. */
  public static Operand<TFloat32> apply(ForwardContext ctx, Operand<TFloat32> x, ParamStore.BatchNormParams p) {
    Ops tf = ctx.tf();
    boolean flat = x.shape().numDimensions() == 2;
    Operand<TFloat32> nhwc = flat ? tf.reshape(x, tf.constant(new long[] {-1, 1, 1, x.shape().get(1)})) : x;
    // empty mean/variance inputs: training mode takes no population statistics
    org.tensorflow.op.nn.FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(nhwc,
        p.gamma().value(), p.beta().value(), tf.constant(new float[0]), tf.constant(new float[0]),
        org.tensorflow.op.nn.FusedBatchNorm.epsilon(BatchNorm.EPS),
        org.tensorflow.op.nn.FusedBatchNorm.isTraining(true),
        org.tensorflow.op.nn.FusedBatchNorm.dataFormat("NHWC"));
    ctx.addUpdate(tf.assign(p.runningMean().variable(),
        BatchNorm.movingAverage(tf, p.runningMean().value(), BatchNorm.wide(tf, bn.batchMean()))));
    ctx.addUpdate(tf.assign(p.runningVar().variable(),
        BatchNorm.movingAverage(tf, p.runningVar().value(), BatchNorm.wide(tf, bn.batchVariance()))));
    return flat ? tf.reshape(bn.y(), tf.shape(x)) : bn.y();
  }
}

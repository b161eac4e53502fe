package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * torch BatchNorm1d/2d from plain ops (not FusedBatchNorm, so the moments can be synchronised
 * across replicas and the gradient flows through them). Channels are the last axis: BN2d on NHWC
 * reduces over N*H*W, BN1d on [N,C] over N. eps 1e-5, running stats momentum 0.1, running variance
 * unbiased (n/(n-1)), normalisation with the biased variance. Moments and running-stat updates are
 * accumulated in float64 like torch's CPU kernel. In mixed precision, training-mode batch norm is
 * {@link FusedBatchNorm} instead.
 */
public final class BatchNorm {
  public static final float EPS = 1e-5f;
  public static final double MOMENTUM = 0.1;

  private BatchNorm() {}

  /** Normalises {@code x}; in training mode also registers the running-stat updates in {@code ctx}. */
  public static Operand<TFloat32> apply(ForwardContext ctx, Operand<TFloat32> x, ParamStore.BatchNormParams p) {
    if (ctx.training() && ctx.fusedBatchNorm()) {
      return FusedBatchNorm.apply(ctx, x, p);
    }
    Ops tf = ctx.tf();
    Operand<TFloat32> centred;
    Operand<TFloat32> variance;
    if (ctx.training()) {
      // x has two consumers (the mean and the centring) and the centred tensor two (the square
      // and the scale), so each gradient is a 2-input sum. A 3-input AddN's CPU kernel adds in an
      // order chosen at run time (it starts from whichever input buffer it can reuse), which made
      // training differ run to run: see DeterministicGraphTest.
      BatchMoments.Moments m = ctx.moments().compute(tf, x);
      Operand<TFloat32> mean = m.mean();
      centred = m.centred();
      variance = m.variance();
      Operand<TFloat64> n = wide(tf, m.count());
      Operand<TFloat64> unbiased = tf.math.mul(wide(tf, variance), tf.math.div(n, tf.math.sub(n, tf.constant(1.0))));
      ctx.addUpdate(tf.assign(p.runningMean().variable(), movingAverage(tf, p.runningMean().value(), wide(tf, mean))));
      ctx.addUpdate(tf.assign(p.runningVar().variable(), movingAverage(tf, p.runningVar().value(), unbiased)));
    } else {
      centred = tf.math.sub(x, p.runningMean().value());
      variance = p.runningVar().value();
    }
    // y = (x - mean) * gamma / sqrt(var + eps) + beta, centred before the multiply as torch's kernel
    // does. The folded form x*scale + (beta - mean*scale) saves one pass but its gradients cancel:
    // d/dgamma = (sum dy*x - mean*sum dy) / sigma loses float32 digits as |mean|/sigma grows, which
    // made dgamma up to 3x further from float64 than torch (BatchNormTest).
    Operand<TFloat32> scale = tf.math.mul(p.gamma().value(), tf.math.rsqrt(tf.math.add(variance, tf.constant(EPS))));
    return tf.math.add(tf.math.mul(centred, scale), p.beta().value());
  }

  /** The running-stat update in float64, rounded once (torch updates them in double, with momentum 0.1 not 0.1f). */
  static Operand<TFloat32> movingAverage(Ops tf, Operand<TFloat32> running, Operand<TFloat64> batch) {
    Operand<TFloat64> updated = tf.math.add(
        tf.math.mul(wide(tf, running), tf.constant(1 - MOMENTUM)), tf.math.mul(batch, tf.constant(MOMENTUM)));
    return tf.dtypes.cast(updated, TFloat32.class);
  }

  static Operand<TFloat64> wide(Ops tf, Operand<TFloat32> x) {
    return tf.dtypes.cast(tf.stopGradient(x), TFloat64.class);
  }
}

package org.scrl4j.model;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * How training-mode batch norm gets its per-channel statistics. The default {@link #LOCAL}
 * computes them over this replica's batch; a synchronised batch norm plugs in
 * {@link #crossReplica(CrossReplicaSum)} (or its own implementation) so every BN layer sees the
 * statistics of the global batch. The gradient flows through whatever ops are used here.
 */
@FunctionalInterface
public interface BatchMoments {

  /**
   * Per-channel mean and biased variance over all axes but the last, the number of values per
   * channel (scalar), and x centred on the mean, {@code x - mean}, from which the variance was
   * taken and which batch norm scales: one tensor the size of x serves both.
   */
  record Moments(Operand<TFloat32> mean, Operand<TFloat32> variance, Operand<TFloat32> count,
      Operand<TFloat32> centred) {}

  /** Sums a tensor over all replicas (e.g. a CollectiveReduceV2 with merge "Add"); identity on one. */
  @FunctionalInterface
  interface CrossReplicaSum {
    Operand<TFloat32> sum(Ops tf, Operand<TFloat32> local);
  }

  /** Moments of {@code x} ([..., C], channels last) over every axis but the last. */
  Moments compute(Ops tf, Operand<TFloat32> x);

  /**
   * Two-pass moments of the local batch (like torch: mean, then mean squared deviation), each
   * accumulated in float64 as torch's CPU batch norm does.
   *
   * <p>The variance is taken from the same centred tensor batch norm then scales, so the backward
   * pass keeps only that tensor per layer (for the gradients of the square and of the scale),
   * and not x besides: x's only consumers are the mean and the centring, whose gradients need no
   * activations. Taking the squared deviations from x again (x - stopGradient(mean)) kept x alive
   * until the backward pass, an extra activation per batch-norm layer (ResNet-50 SCRL step, batch
   * 8 at 224 px: peak RSS 4.2 GiB, see the commit that changed it). The variance's gradient now
   * also reaches the mean, through the centring; that term is 2 mean(x - mean) = 0 in exact
   * arithmetic, as torch's formula assumes.
   */
  BatchMoments LOCAL = local(true);

  /** {@link #LOCAL}, or with {@code float64} false the same two passes summed by TF in float32. */
  static BatchMoments local(boolean float64) {
    return (tf, x) -> {
      Operand<TFloat32> mean = float64 ? Float64Reduction.mean(tf, x) : Float64Reduction.mean32(tf, x);
      Operand<TFloat32> centred = tf.math.sub(x, mean);
      Operand<TFloat32> deviations = squared(tf, centred);
      Operand<TFloat32> variance = doubledGradient(tf, float64 ? Float64Reduction.mean(tf, deviations)
          : Float64Reduction.mean32(tf, deviations));
      return new Moments(mean, variance, valuesPerChannel(tf, x), centred);
    };
  }

  /**
   * Moments of the global batch from a cross-replica sum, computed in two exact passes (two
   * reductions of C+1 and C floats per BN layer): the global mean, then the global sum of squared
   * deviations from it. No E[x^2]-E[x]^2 cancellation. The local sums are accumulated in float64,
   * the collectives stay float32.
   */
  static BatchMoments crossReplica(CrossReplicaSum allSum) {
    return crossReplica(allSum, true);
  }

  /** {@link #crossReplica(CrossReplicaSum)} with the local sums in float32 when {@code float64} is false. */
  static BatchMoments crossReplica(CrossReplicaSum allSum, boolean float64) {
    java.util.function.BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> localSum =
        float64 ? Float64Reduction::sum : Float64Reduction::sum32;
    return (tf, x) -> {
      Operand<TFloat32> localCount = tf.reshape(valuesPerChannel(tf, x), tf.constant(new int[] {1}));
      Operand<TFloat32> sumAndCount = allSum.sum(tf, tf.concat(List.of(localSum.apply(tf, x), localCount), tf.constant(0)));
      long channels = x.shape().get(x.shape().numDimensions() - 1);
      Operand<TFloat32> sum = tf.slice(sumAndCount, tf.constant(new int[] {0}), tf.constant(new int[] {(int) channels}));
      Operand<TFloat32> count = tf.reshape(
          tf.slice(sumAndCount, tf.constant(new int[] {(int) channels}), tf.constant(new int[] {1})), tf.constant(new int[0]));
      Operand<TFloat32> mean = tf.math.div(sum, count);
      Operand<TFloat32> centred = tf.math.sub(x, mean);
      Operand<TFloat32> sq = allSum.sum(tf, doubledGradient(tf, localSum.apply(tf, squared(tf, centred))));
      return new Moments(mean, tf.math.div(sq, count), count, centred);
    };
  }

  /**
   * c * c as the forward value, with a gradient that reads only c, once.
   *
   * <p>Not Square: its gradient is grad * (2 * c), and the executor computes 2 * c as soon as c
   * exists, in the forward pass, so one more tensor the size of the activation per batch-norm
   * layer waited there for the backward pass. Not c * c either: that is two more consumers of c
   * besides the scaling, so c's gradient would be a 3-input AddN (see {@code BatchNorm}). Here the
   * product is c * stopGradient(c), whose gradient is half the square's, and
   * {@link #doubledGradient} restores the factor 2 on the per-channel reduction.
   */
  static Operand<TFloat32> squared(Ops tf, Operand<TFloat32> c) {
    return tf.math.mul(c, tf.stopGradient(c));
  }

  /**
   * v with twice v's gradient: 2v - stopGradient(v). The value is v exactly (2v is exact, and
   * 2v - v is exact by Sterbenz's lemma); used on the per-channel sums of {@link #squared}.
   */
  static Operand<TFloat32> doubledGradient(Ops tf, Operand<TFloat32> v) {
    return tf.math.sub(tf.math.mul(tf.constant(2f), v), tf.stopGradient(v));
  }

  /** Number of values per channel: size(x) / C, as a float scalar (batch size may be dynamic). */
  static Operand<TFloat32> valuesPerChannel(Ops tf, Operand<TFloat32> x) {
    long channels = x.shape().get(x.shape().numDimensions() - 1);
    return tf.math.div(tf.dtypes.cast(tf.size(x), TFloat32.class), tf.constant((float) channels));
  }
}

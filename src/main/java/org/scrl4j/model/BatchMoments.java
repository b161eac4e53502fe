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

  /** Per-channel mean and biased variance over all axes but the last, and the number of values per channel (scalar). */
  record Moments(Operand<TFloat32> mean, Operand<TFloat32> variance, Operand<TFloat32> count) {}

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
   */
  BatchMoments LOCAL = local(true);

  /** {@link #LOCAL}, or with {@code float64} false the same two passes summed by TF in float32. */
  static BatchMoments local(boolean float64) {
    return (tf, x) -> {
      Operand<TFloat32> mean = float64 ? Float64Reduction.mean(tf, x) : Float64Reduction.mean32(tf, x);
      // d var / d mean is 0, so the stop-gradient saves a backward path without changing the gradient
      Operand<TFloat32> deviations = tf.math.squaredDifference(x, tf.stopGradient(mean));
      Operand<TFloat32> variance = float64 ? Float64Reduction.mean(tf, deviations)
          : Float64Reduction.mean32(tf, deviations);
      return new Moments(mean, variance, valuesPerChannel(tf, x));
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
      Operand<TFloat32> sq = allSum.sum(tf, localSum.apply(tf, tf.math.squaredDifference(x, tf.stopGradient(mean))));
      return new Moments(mean, tf.math.div(sq, count), count);
    };
  }

  /** Number of values per channel: size(x) / C, as a float scalar (batch size may be dynamic). */
  static Operand<TFloat32> valuesPerChannel(Ops tf, Operand<TFloat32> x) {
    long channels = x.shape().get(x.shape().numDimensions() - 1);
    return tf.math.div(tf.dtypes.cast(tf.size(x), TFloat32.class), tf.constant((float) channels));
  }
}

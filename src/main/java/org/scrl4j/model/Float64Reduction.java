package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * Per-channel sums and means of a float32 tensor ([..., C], channels last) accumulated in float64,
 * as torch's CPU batch norm accumulates its statistics. TF's float32 reduction over N*H*W adds each
 * channel's values in one long sequence and ends about ten times further from the exact moments
 * than torch over a ResNet-50 step.
 *
 * <p>A rank-4 input is first summed in float32 along W only (at most a few hundred values per row,
 * so within a fraction of a float32 step of exact), and only those row sums, W times fewer values,
 * are cast to float64 and reduced: casting and reducing whole activations in float64 made a
 * ResNet-50 step 2.5 times slower (TF's float64 reductions over outer axes are slow). The gradient
 * flows through the casts and costs what a plain float32 reduction's does.
 */
public final class Float64Reduction {
  private Float64Reduction() {}

  /** Per-channel sum over every axis but the last, rounded to float32. */
  public static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> x) {
    return tf.dtypes.cast(sum64(tf, x), TFloat32.class);
  }

  /** Per-channel mean over every axis but the last, accumulated and divided in float64. */
  public static Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x) {
    long channels = x.shape().get(x.shape().numDimensions() - 1);
    Operand<TFloat64> count =
        tf.math.div(tf.dtypes.cast(tf.size(x), TFloat64.class), tf.constant((double) channels));
    return tf.dtypes.cast(tf.math.div(sum64(tf, x), count), TFloat32.class);
  }

  private static Operand<TFloat64> sum64(Ops tf, Operand<TFloat32> x) {
    int rank = x.shape().numDimensions();
    if (rank < 2) {
      throw new IllegalArgumentException("per-channel reduction needs [..., C] input, got shape " + x.shape());
    }
    // short float32 row sums along the second-to-last axis first when there are further axes
    Operand<TFloat32> rows = rank > 2 ? tf.reduceSum(x, tf.constant(rank - 2)) : x;
    int[] outer = new int[Math.max(rank - 2, 1)];
    for (int i = 0; i < outer.length; i++) {
      outer[i] = i;
    }
    return tf.reduceSum(tf.dtypes.cast(rows, TFloat64.class), tf.constant(outer));
  }
}

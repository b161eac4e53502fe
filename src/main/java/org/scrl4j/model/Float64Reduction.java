package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Per-channel sums and means of a float32 tensor ([..., C], channels last) accumulated in float64
 * and rounded once, as torch's CPU batch norm accumulates its statistics. TF's float32 reduction
 * over N*H*W adds each channel's values in one long sequence and ends about ten times further from
 * the exact moments than torch over a ResNet-50 step.
 *
 * <p>The value is {@code r32 + stopGradient(r64 - r32)}: the gradient is the plain float32
 * reduction's, so the backward pass is unchanged. A rank-4 input is reduced along W first, then
 * over the remaining outer axes (TF's float64 reduction over all outer axes at once is slow).
 */
public final class Float64Reduction {
  private Float64Reduction() {}

  /** Per-channel sum over every axis but the last. */
  public static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> x) {
    return withValueOf(tf, tf.reduceSum(x, allButLast(tf, x)), sum64(tf, x));
  }

  /** Per-channel mean over every axis but the last, accumulated and divided in float64. */
  public static Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x) {
    long channels = x.shape().get(x.shape().numDimensions() - 1);
    Operand<TFloat64> count =
        tf.math.div(tf.dtypes.cast(tf.size(x), TFloat64.class), tf.constant((double) channels));
    return withValueOf(tf, tf.math.mean(x, allButLast(tf, x)), tf.math.div(sum64(tf, x), count));
  }

  /** TF's own float32 per-channel sum, for the float32 option of {@link BatchMoments}. */
  public static Operand<TFloat32> sum32(Ops tf, Operand<TFloat32> x) {
    return tf.reduceSum(x, allButLast(tf, x));
  }

  /** TF's own float32 per-channel mean. */
  public static Operand<TFloat32> mean32(Ops tf, Operand<TFloat32> x) {
    return tf.math.mean(x, allButLast(tf, x));
  }

  private static Operand<TFloat64> sum64(Ops tf, Operand<TFloat32> x) {
    int rank = x.shape().numDimensions();
    Operand<TFloat64> wide = tf.dtypes.cast(tf.stopGradient(x), TFloat64.class);
    Operand<TFloat64> rows = rank > 2 ? tf.reduceSum(wide, tf.constant(rank - 2)) : wide;
    int[] outer = new int[Math.max(rank - 2, 1)];
    for (int i = 0; i < outer.length; i++) {
      outer[i] = i;
    }
    return tf.reduceSum(rows, tf.constant(outer));
  }

  /** {@code narrow}'s gradient with {@code exact}'s value rounded to float32. */
  private static Operand<TFloat32> withValueOf(Ops tf, Operand<TFloat32> narrow, Operand<TFloat64> exact) {
    Operand<TFloat32> correction = tf.math.sub(tf.dtypes.cast(exact, TFloat32.class), narrow);
    return tf.math.add(narrow, tf.stopGradient(correction));
  }

  private static Operand<TInt32> allButLast(Ops tf, Operand<TFloat32> x) {
    int rank = x.shape().numDimensions();
    if (rank < 2) {
      throw new IllegalArgumentException("per-channel reduction needs [..., C] input, got shape " + x.shape());
    }
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    return tf.constant(axes);
  }
}

package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Float32 reductions whose value is accumulated in float64 and rounded once, as torch's CPU batch
 * norm accumulates its statistics. TF's float32 column reduction sums each channel's N*H*W values
 * in sequence, about ten times further from the exact moments than torch over a ResNet-50 step.
 *
 * <p>The gradient is that of the plain float32 reduction: the value is {@code r32 + stopGradient(r64
 * - r32)}, so the backward pass stays float32 and as cheap as before; only the forward pass pays one
 * float64 copy of the input.
 */
public final class Float64Reduction {
  private Float64Reduction() {}

  /** {@code sum(x, axes)}, accumulated in float64. */
  public static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> x, Operand<TInt32> axes) {
    return withValueOf(tf, tf.reduceSum(x, axes), tf.reduceSum(wide(tf, x), axes));
  }

  /** {@code mean(x, axes)}, accumulated and divided in float64. */
  public static Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x, Operand<TInt32> axes) {
    return withValueOf(tf, tf.math.mean(x, axes), tf.math.mean(wide(tf, x), axes));
  }

  private static Operand<TFloat64> wide(Ops tf, Operand<TFloat32> x) {
    return tf.dtypes.cast(tf.stopGradient(x), TFloat64.class);
  }

  /** {@code narrow}'s gradient with {@code exact}'s value rounded to float32. */
  private static Operand<TFloat32> withValueOf(Ops tf, Operand<TFloat32> narrow, Operand<TFloat64> exact) {
    Operand<TFloat32> correction = tf.math.sub(tf.dtypes.cast(exact, TFloat32.class), narrow);
    return tf.math.add(narrow, tf.stopGradient(correction));
  }
}

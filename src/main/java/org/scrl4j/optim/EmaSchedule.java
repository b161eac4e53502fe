package org.scrl4j.optim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * BYOL's target momentum, rising from {@code mBase} to 1 along a half cosine:
 * {@code m(k) = 1 - (1 - mBase) (cos(pi k / K) + 1) / 2}, k the 0-based global step of the
 * optimizer step just taken, K = steps per epoch x epochs.
 */
public record EmaSchedule(double mBase, long totalSteps) implements Schedule {

  public EmaSchedule {
    if (totalSteps <= 0) {
      throw new IllegalArgumentException("totalSteps must be positive, got " + totalSteps);
    }
  }

  /** m at 0-based step k, on the host. */
  public double at(long k) {
    return 1 - (1 - mBase) * (Math.cos(Math.PI * k / totalSteps) + 1) / 2;
  }

  /** m at the 0-based {@code globalStep}, in the graph. */
  @Override
  public Operand<TFloat32> forGlobalStep(Ops tf, Operand<TInt64> globalStep) {
    Operand<TFloat64> phase = tf.math.mul(tf.constant(Math.PI / totalSteps),
        tf.dtypes.cast(globalStep, TFloat64.class));
    Operand<TFloat64> m = tf.math.sub(tf.constant(1.0), tf.math.mul(
        tf.constant((1 - mBase) / 2), tf.math.add(tf.math.cos(phase), tf.constant(1.0))));
    return tf.dtypes.cast(m, TFloat32.class);
  }
}

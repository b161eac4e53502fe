package org.scrl4j.optim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * BYOL's target momentum, rising from {@code mBase} to 1 along a half cosine:
 * {@code m(k) = 1 - (1 - mBase) (cos(pi k / K) + 1) / 2}, k the 0-based global step of the
 * optimizer step just taken, K = steps per epoch x epochs: the {@link Cosine} from mBase to 1
 * over K steps.
 */
public record EmaSchedule(double mBase, long totalSteps) implements Schedule {

  public EmaSchedule {
    if (totalSteps <= 0) {
      throw new IllegalArgumentException("totalSteps must be positive, got " + totalSteps);
    }
  }

  /** The rise: mBase at step 0, 1 at step K. */
  private Cosine rise() {
    return new Cosine(mBase, 1, totalSteps);
  }

  /** m at 0-based step k, on the host. */
  public double at(long k) {
    return rise().at(k);
  }

  /** m at the 0-based {@code globalStep}, in the graph. */
  @Override
  public Operand<TFloat32> forGlobalStep(Ops tf, Operand<TInt64> globalStep) {
    Operand<TFloat64> m = rise().at(tf, tf.dtypes.cast(globalStep, TFloat64.class));
    return tf.dtypes.cast(m, TFloat32.class);
  }
}

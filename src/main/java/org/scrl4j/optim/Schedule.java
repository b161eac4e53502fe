package org.scrl4j.optim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** A float32 scalar as a graph function of the 0-based global step (learning rate, EMA momentum). */
@FunctionalInterface
public interface Schedule {
  Operand<TFloat32> forGlobalStep(Ops tf, Operand<TInt64> globalStep);

  /** The same value at every step (verify-step, tests). */
  static Schedule constant(double value) {
    return (tf, step) -> tf.constant((float) value);
  }
}

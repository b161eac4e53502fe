package org.scrl4j.optim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;

/**
 * The half cosine both schedules follow, from {@code start} at x = 0 to {@code end} at x = span:
 * <pre>
 *   value(x) = end + (start - end) (1 + cos(x pi / span)) / 2
 * </pre>
 * The lr decays along it to 0 ({@link LrSchedule}, x = progress after warm-up, span 1) and the EMA
 * momentum rises along it to 1 ({@link EmaSchedule}, x = step, span = total steps), as DeepMind's
 * BYOL {@code schedules.py} derives both from one cosine. The host form ({@link #at(double)}) and the
 * graph form ({@link #at(Ops, Operand)}) evaluate the same expression in the same order in float64,
 * so a test's host value is the graph's value; the graph folds the constants on the host.
 */
public record Cosine(double start, double end, double span) {

  public Cosine {
    if (!(span > 0)) {
      throw new IllegalArgumentException("span must be positive, got " + span);
    }
  }

  /** The value at x, on the host. */
  public double at(double x) {
    return end + (start - end) * 0.5 * (1 + Math.cos(Math.PI / span * x));
  }

  /** The value at x, in the graph (float64). */
  public Operand<TFloat64> at(Ops tf, Operand<TFloat64> x) {
    Operand<TFloat64> c = tf.math.cos(tf.math.mul(tf.constant(Math.PI / span), x));
    return tf.math.add(tf.constant(end),
        tf.math.mul(tf.constant((start - end) * 0.5), tf.math.add(tf.constant(1.0), c)));
  }
}

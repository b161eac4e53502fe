package org.scrl4j.optim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * Linear warm-up then cosine decay to 0, per optimizer step. The original steps its scheduler
 * BEFORE each optimizer step, so the lr used by the step at 0-based global step k is the value at
 * s = k + 1:
 * <pre>
 *   s <= S W:  lr = base * s / (S W)
 *   s >  S W:  lr = base * (1 + cos(pi (s / S - W) / (E - W))) / 2
 * </pre>
 * with S steps per epoch, W warm-up epochs, E epochs ({@code base} already scaled by batch/256);
 * the decay is the {@link Cosine} from base to 0 over the post-warm-up progress.
 */
public record LrSchedule(double base, long stepsPerEpoch, double warmupEpochs, double epochs)
    implements Schedule {

  public LrSchedule {
    if (stepsPerEpoch <= 0) {
      throw new IllegalArgumentException("stepsPerEpoch must be positive, got " + stepsPerEpoch);
    }
    if (warmupEpochs < 0 || epochs <= warmupEpochs) {
      throw new IllegalArgumentException(
          "need 0 <= warmupEpochs < epochs, got " + warmupEpochs + " and " + epochs);
    }
  }

  /** The decay after warm-up: base at progress 0, 0 at progress 1. */
  private Cosine decay() {
    return new Cosine(base, 0, 1);
  }

  /** The lr of scheduler step s (1-based), computed on the host. */
  public double at(long s) {
    double warmupSteps = stepsPerEpoch * warmupEpochs;
    if (s <= warmupSteps) {
      return base * s / warmupSteps;
    }
    double progress = ((double) s / stepsPerEpoch - warmupEpochs) / (epochs - warmupEpochs);
    return decay().at(progress);
  }

  /** The lr used by the optimizer step at 0-based {@code globalStep} (i.e. {@link #at} k + 1). */
  @Override
  public Operand<TFloat32> forGlobalStep(Ops tf, Operand<TInt64> globalStep) {
    Operand<TFloat64> s = tf.math.add(tf.dtypes.cast(globalStep, TFloat64.class), tf.constant(1.0));
    Operand<TFloat64> warmupSteps = tf.constant((double) stepsPerEpoch * warmupEpochs);
    Operand<TFloat64> base = tf.constant(this.base);
    // max(.,1) only guards the W = 0 case (then the warm-up branch is never selected)
    Operand<TFloat64> warm = tf.math.div(tf.math.mul(base, s),
        tf.math.maximum(warmupSteps, tf.constant(1.0)));
    Operand<TFloat64> progress = tf.math.div(
        tf.math.sub(tf.math.div(s, tf.constant((double) stepsPerEpoch)), tf.constant(warmupEpochs)),
        tf.constant(epochs - warmupEpochs));
    Operand<TFloat64> lr = tf.select(tf.math.lessEqual(s, warmupSteps), warm, decay().at(tf, progress));
    return tf.dtypes.cast(lr, TFloat32.class);
  }
}

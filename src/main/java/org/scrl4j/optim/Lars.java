package org.scrl4j.optim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * LARS around SGD with momentum, as the original (torchlars + torch.optim.SGD):
 * <pre>
 *   adapted:  g' = (g + wd p) * trust,  trust = 1e-3 ||p|| / (||g|| + wd ||p|| + 1e-8)
 *                                       (1 when ||p|| or ||g|| is 0)
 *   excluded: g' = lr g (REFERENCE quirk) or g (CLEAN)
 *   v = 0.9 v + g';   p -= lr v            (nesterov: p -= lr (g' + 0.9 v))
 * </pre>
 * This class holds the pure per-tensor update; {@link LarsOptimizer} keeps the momentum buffers.
 */
public final class Lars {
  public static final float MOMENTUM = 0.9f;
  public static final float TRUST_COEFFICIENT = 1e-3f;
  public static final float EPS = 1e-8f;

  private final float weightDecay;
  private final LarsGrouping grouping;
  private final boolean nesterov;

  public Lars(double weightDecay, LarsGrouping grouping, boolean nesterov) {
    this.weightDecay = (float) weightDecay;
    this.grouping = grouping;
    this.nesterov = nesterov;
  }

  /** Pre-training LARS: plain momentum, the given grouping (quirks) and weight decay. */
  public static Lars pretraining(double weightDecay, LarsGrouping grouping) {
    return new Lars(weightDecay, grouping, false);
  }

  /** Offline linear evaluation LARS: every tensor adapted, no weight decay, nesterov momentum. */
  public static Lars linearEval() {
    return new Lars(0, LarsGrouping.NONE, true);
  }

  public LarsGrouping grouping() {
    return grouping;
  }

  public float weightDecay() {
    return weightDecay;
  }

  /** New parameter and momentum values. */
  public record Update(Operand<TFloat32> param, Operand<TFloat32> momentum) {}

  /**
   * One step for one tensor.
   *
   * @param name the parameter's name (decides adapted vs excluded)
   * @param p current value, g its gradient, v its momentum buffer, lr the scalar learning rate
   */
  public Update update(Ops tf, String name, Operand<TFloat32> p, Operand<TFloat32> g,
      Operand<TFloat32> v, Operand<TFloat32> lr) {
    Operand<TFloat32> scaled = grouping.excludes(name)
        ? (grouping.excludedGradientScaledByLr() ? tf.math.mul(g, lr) : g)
        : adapted(tf, p, g);
    Operand<TFloat32> momentum = tf.math.add(tf.math.mul(v, tf.constant(MOMENTUM)), scaled);
    Operand<TFloat32> direction = nesterov
        ? tf.math.add(scaled, tf.math.mul(momentum, tf.constant(MOMENTUM)))
        : momentum;
    return new Update(tf.math.sub(p, tf.math.mul(lr, direction)), momentum);
  }

  private Operand<TFloat32> adapted(Ops tf, Operand<TFloat32> p, Operand<TFloat32> g) {
    Operand<TFloat32> wd = tf.constant(weightDecay);
    Operand<TFloat32> pNorm = norm(tf, p);
    Operand<TFloat32> gNorm = norm(tf, g);
    Operand<TFloat32> zero = tf.constant(0f);
    Operand<TFloat32> ratio = tf.math.div(tf.math.mul(tf.constant(TRUST_COEFFICIENT), pNorm),
        tf.math.add(tf.math.add(gNorm, tf.math.mul(wd, pNorm)), tf.constant(EPS)));
    Operand<TFloat32> trust = tf.select(
        tf.math.logicalAnd(tf.math.greater(pNorm, zero), tf.math.greater(gNorm, zero)),
        ratio, tf.constant(1f));
    return tf.math.mul(tf.math.add(g, tf.math.mul(wd, p)), trust);
  }

  /** Frobenius norm of a tensor of any rank. */
  static Operand<TFloat32> norm(Ops tf, Operand<TFloat32> x) {
    Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1}));
    return tf.math.sqrt(tf.reduceSum(tf.math.square(flat), tf.constant(0)));
  }
}

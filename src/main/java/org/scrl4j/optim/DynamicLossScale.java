package org.scrl4j.optim;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Dynamic loss scaling for float16 training, with the semantics of torch's {@code GradScaler}
 * (the original's {@code torch.cuda.amp.GradScaler()}): the loss is multiplied by the scale S
 * before differentiation, so float16 gradients do not underflow, and the gradients are divided by
 * S before the optimizer sees them. After each step:
 * <pre>
 *   some gradient inf/NaN:  S <- S * backoff,  good <- 0,  the optimizer step is skipped
 *   all finite:             good <- good + 1;  if good == interval: S <- S * growth, good <- 0
 * </pre>
 * with S0 = 2^16, growth 2, backoff 0.5, interval 2000 ({@link Settings#TORCH}). Only the optimizer
 * step is skipped, as {@code scaler.step(optimizer)} does: the original then still updates the
 * target EMA (towards the unchanged online weights) and the learning-rate schedule advances.
 *
 * <p>S and the good-step count are variables ({@code loss_scale/scale}, {@code loss_scale/good_steps},
 * both float32 so rank 0 broadcasts them with the weights) saved in checkpoints, so a resumed run
 * continues with the same scale. Both stay exact in float32: S is a power of two and the count is
 * below 2^24.
 */
public final class DynamicLossScale {

  /** GradScaler's constructor arguments. */
  public record Settings(double initialScale, double growthFactor, double backoffFactor, int growthInterval) {
    /** torch's defaults: 2^16, x2, x0.5, every 2000 finite steps. */
    public static final Settings TORCH = new Settings(65536.0, 2.0, 0.5, 2000);

    public Settings {
      if (!(initialScale > 0) || !(growthFactor > 1) || !(backoffFactor > 0 && backoffFactor < 1)
          || growthInterval < 1) {
        throw new IllegalArgumentException("loss scale settings out of range: " + this);
      }
    }
  }

  /** The gradients divided by S, and whether every one of them is finite (then the step applies). */
  public record Unscaled(List<Operand<TFloat32>> gradients, Operand<TBool> allFinite) {}

  private final Settings settings;
  private final Variable<TFloat32> scale;
  private final Variable<TFloat32> goodSteps;
  private final Operand<TFloat32> scaleValue;
  private final Op initializer;

  /** Creates the two variables under {@code loss_scale/}. */
  public DynamicLossScale(Ops tf, Settings settings) {
    this.settings = settings;
    Ops ls = tf.withSubScope("loss_scale");
    scale = ls.withName("scale").variable(Shape.scalar(), TFloat32.class);
    goodSteps = ls.withName("good_steps").variable(Shape.scalar(), TFloat32.class);
    // a copy: the update below assigns the variable in place while this step still divides by it
    scaleValue = ls.withName("current").math.add(scale, ls.constant(0f));
    initializer = ls.withControlDependencies(List.of(
        ls.assign(scale, ls.constant((float) settings.initialScale())),
        ls.assign(goodSteps, ls.constant(0f)))).withName("init").noOp();
  }

  /** loss * S: differentiate this one. */
  public Operand<TFloat32> scaled(Ops tf, Operand<TFloat32> loss) {
    return tf.math.mul(loss, scaleValue);
  }

  /** grad * (1 / S) for each gradient of the scaled loss (torch multiplies by the float32 inverse). */
  public Unscaled unscale(Ops tf, List<Operand<TFloat32>> scaledGradients) {
    Operand<TFloat32> inverse = tf.math.div(tf.constant(1f), scaleValue);
    List<Operand<TFloat32>> out = new ArrayList<>();
    Operand<TBool> finite = tf.constant(true);
    for (Operand<TFloat32> g : scaledGradients) {
      Operand<TFloat32> u = tf.math.mul(g, inverse);
      out.add(u);
      finite = tf.math.logicalAnd(finite, allOf(tf, tf.math.isFinite(u)));
    }
    return new Unscaled(out, finite);
  }

  /** The scale update after a step whose gradients were {@code allFinite} (see the class comment). */
  public Op update(Ops tf, Operand<TBool> allFinite) {
    Operand<TFloat32> counted = tf.math.add(goodSteps, tf.constant(1f));
    Operand<TBool> grow = tf.math.logicalAnd(allFinite,
        tf.math.greaterEqual(counted, tf.constant((float) settings.growthInterval())));
    Operand<TFloat32> newScale = tf.select(allFinite,
        tf.select(grow, tf.math.mul(scaleValue, tf.constant((float) settings.growthFactor())), scaleValue),
        tf.math.mul(scaleValue, tf.constant((float) settings.backoffFactor())));
    Operand<TFloat32> newGood = tf.select(tf.math.logicalAnd(allFinite, tf.math.logicalNot(grow)),
        counted, tf.constant(0f));
    return tf.withControlDependencies(List.of(tf.assign(scale, newScale), tf.assign(goodSteps, newGood)))
        .withName("loss_scale_update").noOp();
  }

  /** {@code updated} when the step applies, else {@code old}: how a skipped step leaves state alone. */
  public static Operand<TFloat32> ifApplied(Ops tf, Operand<TBool> apply, Operand<TFloat32> updated,
      Operand<TFloat32> old) {
    return tf.select(apply, updated, old);
  }

  private static Operand<TBool> allOf(Ops tf, Operand<TBool> x) {
    return tf.reduceAll(tf.reshape(x, tf.constant(new int[] {-1})), tf.constant(0));
  }

  /** The current scale S (read before this step's update). */
  public Operand<TFloat32> scale() {
    return scaleValue;
  }

  /** The checkpointed variables: S, then the good-step count. */
  public List<Variable<TFloat32>> variables() {
    return List.of(scale, goodSteps);
  }

  /** Sets S = initial scale, count 0 (a fresh run). */
  public Op initializer() {
    return initializer;
  }

  public Settings settings() {
    return settings;
  }
}

package org.scrl4j.data.augment;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * torchvision's {@code RandomApply([ColorJitter(b, c, s, h)], p)}: with probability p, brightness,
 * contrast, saturation and hue adjustments, each with a factor drawn uniformly from its range, in a
 * uniformly random order.
 *
 * <p>Drawn per image ({@link #draw}), applied to one image or a batch ({@link #apply}). The order
 * is data, not graph structure: each of the four stages is a run-time choice among the four
 * adjustments and "none" ({@link Branches}), so each image pays for exactly the adjustments it
 * uses.
 */
public final class ColorJitter {
  /** The stage code of an image whose jitter is not applied. */
  static final int NONE = 4;

  private ColorJitter() {}

  /**
   * One image's draws: int32 [4] stage codes (0 brightness, 1 contrast, 2 saturation, 3 hue, in
   * the drawn order; all {@link #NONE} when the jitter is not applied) and float32 [4] factors
   * (brightness, contrast, saturation, hue).
   *
   * @param seed int64 [2]
   */
  public static Draws draw(Ops tf, Operand<TInt64> seed, double p, double brightness,
      double contrast, double saturation, double hue) {
    Operand<TFloat32> u =
        tf.dtypes.cast(RandomStreams.uniform(tf, seed, 9), TFloat32.class); // apply, 4 factors, 4 order keys
    Operand<TFloat32> b = factor(tf, u, 1, Math.max(0, 1 - brightness), 1 + brightness);
    Operand<TFloat32> c = factor(tf, u, 2, Math.max(0, 1 - contrast), 1 + contrast);
    Operand<TFloat32> s = factor(tf, u, 3, Math.max(0, 1 - saturation), 1 + saturation);
    Operand<TFloat32> h = factor(tf, u, 4, -hue, hue);
    // A uniformly random permutation: the ranks of four iid uniforms (torch.randperm(4)).
    Operand<TFloat32> keys = tf.slice(u, tf.constant(new int[] {5}), tf.constant(new int[] {4}));
    Operand<TInt32> order = tf.nn.topK(keys, tf.constant(4), new org.tensorflow.op.nn.TopK.Options[0]).indices();
    Operand<TBool> applied =
        tf.math.less(tf.gather(u, tf.constant(0), tf.constant(0)), tf.constant((float) p));
    Operand<TInt32> stages = ScalarSelect.of(tf, applied, order, tf.constant(new int[] {NONE, NONE, NONE, NONE}));
    return new Draws(stages, tf.stack(List.of(b, c, s, h)));
  }

  /**
   * @param stages int32 [4] (one image) or [n, 4] (a batch) of stage codes
   * @param factors float32 [4] or [n, 4]: brightness, contrast, saturation, hue
   */
  public record Draws(Operand<TInt32> stages, Operand<TFloat32> factors) {}

  /**
   * Applies the drawn stages in order to one HWC image in [0, 1] (draws as {@link #draw} makes
   * them) or to each image of an NHWC batch (draws [n, 4] each).
   */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> images, Draws draws) {
    List<Branches.Branch> adjustments = new ArrayList<>();
    adjustments.add((ftf, x, f) -> ColorOps.brightness(ftf, x, column(ftf, f, 0)));
    adjustments.add((ftf, x, f) -> ColorOps.contrast(ftf, x, column(ftf, f, 1)));
    adjustments.add((ftf, x, f) -> ColorOps.saturation(ftf, x, column(ftf, f, 2)));
    adjustments.add((ftf, x, f) -> ColorOps.hue(ftf, x, column(ftf, f, 3)));
    adjustments.add(Branches.IDENTITY);
    Operand<TFloat32> x = images;
    for (int stage = 0; stage < 4; stage++) {
      Operand<TInt32> code = tf.gather(draws.stages(), tf.constant(stage), tf.constant(perImageAxis(draws.stages())));
      x = Branches.oneOf(tf, code, x, List.of(draws.factors()), adjustments);
    }
    return x;
  }

  /** Factor k: a scalar for one image, [n, 1, 1, 1] for a batch's part (to broadcast). */
  private static Operand<TFloat32> column(Ops tf, List<Operand<?>> args, int k) {
    Operand<TFloat32> factors = Branches.arg(args, 0);
    int axis = perImageAxis(factors);
    Operand<TFloat32> f = tf.gather(factors, tf.constant(k), tf.constant(axis));
    return axis == 0 ? f : tf.reshape(f, tf.constant(new int[] {-1, 1, 1, 1}));
  }

  /** The axis of the four values: 0 for one image's [4], 1 for a batch's [n, 4]. */
  private static int perImageAxis(Operand<?> draws) {
    return draws.shape().numDimensions() - 1;
  }

  private static Operand<TFloat32> factor(Ops tf, Operand<TFloat32> u, int i, double lo, double hi) {
    Operand<TFloat32> ui = tf.gather(u, tf.constant(i), tf.constant(0));
    return tf.math.add(tf.constant((float) lo), tf.math.mul(ui, tf.constant((float) (hi - lo))));
  }
}

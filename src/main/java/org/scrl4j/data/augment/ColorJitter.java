package org.scrl4j.data.augment;

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
 * <p>The order is data, not graph structure: each of the four stages is a run-time choice among
 * the four adjustments ({@link ImageBranches}), so each image pays for exactly the four it uses,
 * and nothing when the jitter is not applied.
 */
public final class ColorJitter {
  private ColorJitter() {}

  /**
   * @param seed int64 [2]
   * @return the jittered image (or the input, with probability 1 - p), same shape
   */
  public static Operand<TFloat32> apply(
      Ops tf,
      Operand<TFloat32> image,
      Operand<TInt64> seed,
      double p,
      double brightness,
      double contrast,
      double saturation,
      double hue) {
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
    return ImageBranches.when(tf, applied, image, List.of(order, b, c, s, h),
        (ftf, x, a) -> inOrder(ftf, x, ImageBranches.arg(a, 0), ImageBranches.arg(a, 1), ImageBranches.arg(a, 2),
            ImageBranches.arg(a, 3), ImageBranches.arg(a, 4)));
  }

  /**
   * Applies the four adjustments in the given order (int32 [4] of op codes 0 brightness, 1
   * contrast, 2 saturation, 3 hue) with the given factors.
   */
  static Operand<TFloat32> inOrder(
      Ops tf, Operand<TFloat32> image, Operand<TInt32> order, Operand<TFloat32> brightness,
      Operand<TFloat32> contrast, Operand<TFloat32> saturation, Operand<TFloat32> hue) {
    List<Operand<?>> factors = List.of(brightness, contrast, saturation, hue);
    List<ImageBranches.Branch> adjustments = List.of(
        (ftf, x, f) -> ColorOps.brightness(ftf, x, ImageBranches.arg(f, 0)),
        (ftf, x, f) -> ColorOps.contrast(ftf, x, ImageBranches.arg(f, 1)),
        (ftf, x, f) -> ColorOps.saturation(ftf, x, ImageBranches.arg(f, 2)),
        (ftf, x, f) -> ColorOps.hue(ftf, x, ImageBranches.arg(f, 3)));
    Operand<TFloat32> x = image;
    for (int stage = 0; stage < 4; stage++) {
      Operand<TInt32> op = tf.gather(order, tf.constant(stage), tf.constant(0));
      x = ImageBranches.oneOf(tf, op, x, factors, adjustments);
    }
    return x;
  }

  private static Operand<TFloat32> factor(Ops tf, Operand<TFloat32> u, int i, double lo, double hi) {
    Operand<TFloat32> ui = tf.gather(u, tf.constant(i), tf.constant(0));
    return tf.math.add(tf.constant((float) lo), tf.math.mul(ui, tf.constant((float) (hi - lo))));
  }
}

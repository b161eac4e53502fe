package org.scrl4j.data.augment;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * The original's default "blur": with probability p, pick f uniformly from {1.1, 1.2, 1.5},
 * bicubic-resize down to (h // f, w // f), then back up to (h, w). Cheaper than a Gaussian and what
 * the published numbers were trained with. Drawn per image ({@link #draw}), applied to one image
 * or a batch ({@link #apply}).
 */
public final class ResizeBlur {
  public static final double[] FACTORS = {1.1, 1.2, 1.5};
  /** The level of an image that is not blurred. */
  static final int NONE = FACTORS.length;

  private ResizeBlur() {}

  /**
   * One image's draw: int32 scalar, the index of its factor in {@link #FACTORS}, or {@link #NONE}.
   *
   * @param seed int64 [2]
   */
  public static Operand<TInt32> draw(Ops tf, Operand<TInt64> seed, double p) {
    Operand<TFloat64> u = RandomStreams.uniform(tf, seed, 2); // apply, level
    Operand<TInt32> level =
        tf.dtypes.cast(
            RandomResizedCrop.uniformInt(
                tf, tf.gather(u, tf.constant(1), tf.constant(0)), tf.constant((double) FACTORS.length)),
            TInt32.class);
    if (p >= 1) {
      return level;
    }
    Operand<TBool> applied =
        tf.math.less(tf.gather(u, tf.constant(0), tf.constant(0)), tf.constant(p));
    return ScalarSelect.of(tf, applied, level, tf.constant(NONE));
  }

  /**
   * Blurs one HWC image or each image of an NHWC batch, in [0, 1] and statically size x size, at
   * its drawn level.
   *
   * @param levels int32 scalar for one image, [n] for a batch
   * @param always the blur probability is 1 (no level is {@link #NONE})
   */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> images, Operand<TInt32> levels,
      int size, boolean always) {
    int[] downs = new int[FACTORS.length];
    for (int i = 0; i < FACTORS.length; i++) {
      downs[i] = pythonFloorDiv(size, FACTORS[i]);
    }
    if (levels.shape().numDimensions() == 0) {
      // One image: one resize chain whose size is data, as a branch only when the blur may not apply.
      Branches.Branch blur = (ftf, x, a) -> blur(ftf, x, ftf.gather(ftf.constant(downs),
          Branches.<TInt32>arg(a, 0), ftf.constant(0)), size);
      if (always) {
        return blur.apply(tf, images, List.of(levels));
      }
      Operand<TBool> applied = tf.math.less(levels, tf.constant(NONE));
      return Branches.when(tf, applied, images, List.of(tf.math.minimum(levels, tf.constant(NONE - 1))), blur);
    }
    List<Branches.Branch> branches = new ArrayList<>();
    for (int down : downs) {
      branches.add((ftf, x, none) -> blur(ftf, x, ftf.constant(new int[] {down, down}), size));
    }
    branches.add(Branches.IDENTITY);
    return Branches.oneOf(tf, levels, images, List.of(), branches);
  }

  /** Bicubic down to (down) = int32 [2] or scalar, then back up to size x size, in uint8 as PIL does. */
  private static Operand<TFloat32> blur(Ops tf, Operand<TFloat32> images, Operand<TInt32> down,
      int size) {
    Operand<TInt32> hw = down.shape().numDimensions() == 0 ? tf.stack(List.of(down, down)) : down;
    Operand<TUint8> small = BicubicResize.resize(tf, tf.math.mul(images, tf.constant(255f)), hw);
    return ColorOps.toUnit(tf, BicubicResize.resize(tf, small, size, size));
  }

  /**
   * Python's {@code int(n // f)} for a positive int and float, which is not always floor(n / f):
   * 33 // 1.1 is 29 although 33 / 1.1 rounds to 30.0.
   */
  static int pythonFloorDiv(int n, double f) {
    double mod = n % f; // IEEE fmod, exact, like CPython's float_floor_div
    double div = (n - mod) / f;
    double floorDiv = Math.floor(div);
    if (div - floorDiv > 0.5) {
      floorDiv += 1.0;
    }
    return (int) floorDiv;
  }
}

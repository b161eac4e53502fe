package org.scrl4j.data.augment;

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
 * the published numbers were trained with.
 */
public final class ResizeBlur {
  public static final double[] FACTORS = {1.1, 1.2, 1.5};

  private ResizeBlur() {}

  /**
   * @param image HWC float, statically size x size
   * @param seed int64 [2]
   */
  public static Operand<TFloat32> apply(
      Ops tf, Operand<TFloat32> image, int size, Operand<TInt64> seed, double p) {
    Operand<TFloat64> u = RandomStreams.uniform(tf, seed, 2); // apply, level
    int[] downSizes = new int[FACTORS.length];
    for (int i = 0; i < FACTORS.length; i++) {
      downSizes[i] = pythonFloorDiv(size, FACTORS[i]);
    }
    Operand<TInt32> level =
        tf.dtypes.cast(
            RandomResizedCrop.uniformInt(
                tf, tf.gather(u, tf.constant(1), tf.constant(0)), tf.constant((double) FACTORS.length)),
            TInt32.class);
    Operand<TInt32> down = tf.gather(tf.constant(downSizes), level, tf.constant(0));
    if (p >= 1) {
      return blur(tf, image, down, size);
    }
    Operand<TBool> applied =
        tf.math.less(tf.gather(u, tf.constant(0), tf.constant(0)), tf.constant(p));
    return ImageBranches.when(tf, applied, image, java.util.List.of(down),
        (ftf, x, a) -> blur(ftf, x, ImageBranches.<TInt32>arg(a, 0), size));
  }

  /** Bicubic down to down x down, then back up to size x size, in uint8 as PIL does. */
  private static Operand<TFloat32> blur(Ops tf, Operand<TFloat32> image, Operand<TInt32> down,
      int size) {
    Operand<TUint8> small = BicubicResize.resize(tf, tf.math.mul(image, tf.constant(255f)),
        tf.stack(java.util.Arrays.asList(down, down)));
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

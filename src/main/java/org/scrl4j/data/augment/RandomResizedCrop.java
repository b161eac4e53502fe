package org.scrl4j.data.augment;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * torchvision's {@code RandomResizedCrop}: area fraction U(scale), log-uniform aspect ratio in
 * (3/4, 4/3), up to 10 tries, then a centre crop of the closest allowed aspect ratio.
 *
 * <p>The 10 tries are drawn at once and the first valid one is taken, which yields exactly the
 * distribution of the sequential loop. Sizes are rounded half-to-even like Python's round.
 */
public final class RandomResizedCrop {
  static final int TRIES = 10;
  static final double MIN_RATIO = 3.0 / 4.0;
  static final double MAX_RATIO = 4.0 / 3.0;

  private RandomResizedCrop() {}

  /**
   * Samples a crop of an image of the given height and width.
   *
   * @param imageSize int32 [2] = (height, width)
   * @param seed int64 [2]
   * @return int32 [4] = (top, left, height, width) in image pixels
   */
  public static Operand<TInt32> sample(
      Ops tf, Operand<TInt32> imageSize, Operand<TInt64> seed, double scaleMin, double scaleMax) {
    Operand<TFloat64> u = RandomStreams.uniform(tf, seed, 4, TRIES); // area, ratio, top, left
    Operand<TFloat64> uArea = row(tf, u, 0);
    Operand<TFloat64> uRatio = row(tf, u, 1);
    Operand<TFloat64> uTop = row(tf, u, 2);
    Operand<TFloat64> uLeft = row(tf, u, 3);

    Operand<TFloat64> sizeD = tf.dtypes.cast(imageSize, TFloat64.class);
    Operand<TFloat64> height = tf.gather(sizeD, tf.constant(0), tf.constant(0));
    Operand<TFloat64> width = tf.gather(sizeD, tf.constant(1), tf.constant(0));
    Operand<TFloat64> area = tf.math.mul(height, width);

    Operand<TFloat64> fraction = affine(tf, uArea, scaleMin, scaleMax - scaleMin);
    Operand<TFloat64> aspect =
        tf.math.exp(
            affine(tf, uRatio, Math.log(MIN_RATIO), Math.log(MAX_RATIO) - Math.log(MIN_RATIO)));
    Operand<TFloat64> targetArea = tf.math.mul(area, fraction);
    Operand<TFloat64> w = tf.math.round(tf.math.sqrt(tf.math.mul(targetArea, aspect)));
    Operand<TFloat64> h = tf.math.round(tf.math.sqrt(tf.math.div(targetArea, aspect)));
    Operand<TFloat64> zero = tf.constant(0.0);
    Operand<TBool> valid =
        tf.math.logicalAnd(
            tf.math.logicalAnd(tf.math.greater(w, zero), tf.math.lessEqual(w, width)),
            tf.math.logicalAnd(tf.math.greater(h, zero), tf.math.lessEqual(h, height)));
    // torch.randint(0, n - size + 1): uniform integer offset.
    Operand<TFloat64> one = tf.constant(1.0);
    Operand<TFloat64> top =
        uniformInt(tf, uTop, tf.math.add(tf.math.sub(height, h), one));
    Operand<TFloat64> left = uniformInt(tf, uLeft, tf.math.add(tf.math.sub(width, w), one));
    Operand<TFloat64> tries = tf.stack(Arrays.asList(top, left, h, w), org.tensorflow.op.core.Stack.axis(1L));

    Operand<TInt32> first =
        tf.math.argMax(tf.dtypes.cast(valid, TInt32.class), tf.constant(0), TInt32.class);
    Operand<TFloat64> chosen = tf.gather(tries, first, tf.constant(0));
    Operand<TBool> anyValid = tf.reduceAny(valid, tf.constant(0));
    Operand<TFloat64> crop = tf.select(anyValid, chosen, centreFallback(tf, height, width));
    return tf.dtypes.cast(crop, TInt32.class);
  }

  /** The fallback after 10 failed tries: centre crop clamped to the allowed aspect range. */
  private static Operand<TFloat64> centreFallback(
      Ops tf, Operand<TFloat64> height, Operand<TFloat64> width) {
    Operand<TFloat64> inRatio = tf.math.div(width, height);
    Operand<TBool> tooTall = tf.math.less(inRatio, tf.constant(MIN_RATIO));
    Operand<TBool> tooWide = tf.math.greater(inRatio, tf.constant(MAX_RATIO));
    Operand<TFloat64> w =
        tf.select(tooWide, tf.math.round(tf.math.mul(height, tf.constant(MAX_RATIO))), width);
    Operand<TFloat64> h =
        tf.select(tooTall, tf.math.round(tf.math.div(width, tf.constant(MIN_RATIO))), height);
    Operand<TFloat64> two = tf.constant(2.0);
    Operand<TFloat64> top = tf.math.floor(tf.math.div(tf.math.sub(height, h), two));
    Operand<TFloat64> left = tf.math.floor(tf.math.div(tf.math.sub(width, w), two));
    return tf.stack(Arrays.asList(top, left, h, w));
  }

  /**
   * Crops {@code crop} = (top, left, height, width) out of an HWC uint8 image and resizes it
   * bicubically to size x size, in [0, 1]. The crop is taken from the uint8 image, so only its
   * pixels are ever converted to float.
   */
  public static Operand<TFloat32> cropAndResize(
      Ops tf, Operand<TUint8> image, Operand<TInt32> crop, int size) {
    Operand<TInt32> begin =
        tf.concat(
            Arrays.asList(
                tf.slice(crop, tf.constant(new int[] {0}), tf.constant(new int[] {2})),
                tf.constant(new int[] {0})),
            tf.constant(0));
    Operand<TInt32> extent =
        tf.concat(
            Arrays.asList(
                tf.slice(crop, tf.constant(new int[] {2}), tf.constant(new int[] {2})),
                // All channels; the static count when known, so the crop keeps it.
                tf.constant(new int[] {(int) BicubicResize.channels(image)})),
            tf.constant(0));
    return ColorOps.toUnit(tf, BicubicResize.resize(tf, tf.slice(image, begin, extent), size, size));
  }

  /** floor(u * n) clamped to n - 1: a uniform integer in {0..n-1} for n >= 1. */
  static Operand<TFloat64> uniformInt(Ops tf, Operand<TFloat64> u, Operand<TFloat64> n) {
    Operand<TFloat64> k = tf.math.floor(tf.math.mul(u, n));
    return tf.math.maximum(tf.math.minimum(k, tf.math.sub(n, tf.constant(1.0))), tf.constant(0.0));
  }

  private static Operand<TFloat64> affine(Ops tf, Operand<TFloat64> u, double offset, double range) {
    return tf.math.add(tf.constant(offset), tf.math.mul(u, tf.constant(range)));
  }

  private static Operand<TFloat64> row(Ops tf, Operand<TFloat64> u, int i) {
    return tf.gather(u, tf.constant(i), tf.constant(0));
  }
}

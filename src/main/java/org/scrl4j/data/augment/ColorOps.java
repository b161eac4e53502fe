package org.scrl4j.data.augment;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TUint8;

/**
 * Photometric ops on one HWC float image in [0, 1], with torchvision's tensor semantics.
 *
 * <p>The greyscale weights are ITU-R 601-2 (0.299, 0.587, 0.114): the original runs these ops on
 * PIL images, whose "L" conversion uses them; torchvision's tensor path uses 0.2989 for red, a
 * difference of at most 1e-4.
 */
public final class ColorOps {
  public static final float[] LUMA = {0.299f, 0.587f, 0.114f};
  public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
  /** PIL's ImageOps.solarize(img, 128) inverts pixels >= 128 of 255. */
  public static final float SOLARIZE_THRESHOLD = 128f / 255f;

  private ColorOps() {}

  /** Luma as an [h, w, 1] image. */
  public static Operand<TFloat32> grayscale(Ops tf, Operand<TFloat32> image) {
    Operand<TFloat32> weighted = tf.math.mul(image, tf.constant(LUMA));
    return tf.reduceSum(weighted, tf.constant(-1), org.tensorflow.op.core.ReduceSum.keepDims(true));
  }

  /** Luma copied to three channels. */
  public static Operand<TFloat32> grayscale3(Ops tf, Operand<TFloat32> image) {
    Operand<TFloat32> g = grayscale(tf, image);
    return tf.concat(Arrays.asList(g, g, g), tf.constant(-1));
  }

  /** clip(factor * image + (1 - factor) * reference, 0, 1): torchvision's _blend. */
  public static Operand<TFloat32> blend(
      Ops tf, Operand<TFloat32> image, Operand<TFloat32> reference, Operand<TFloat32> factor) {
    Operand<TFloat32> mixed =
        tf.math.add(
            tf.math.mul(factor, image),
            tf.math.mul(tf.math.sub(tf.constant(1f), factor), reference));
    return clip01(tf, mixed);
  }

  /**
   * Multiplies by the factor: the blend with black, clip(f x + (1 - f) 0), whose second term is a
   * signed zero that leaves f x unchanged, so it is not computed.
   */
  public static Operand<TFloat32> brightness(Ops tf, Operand<TFloat32> image, Operand<TFloat32> factor) {
    return clip01(tf, tf.math.mul(factor, image));
  }

  /** Blends with the mean of the greyscale image (one scalar for the whole image). */
  public static Operand<TFloat32> contrast(Ops tf, Operand<TFloat32> image, Operand<TFloat32> factor) {
    return blend(tf, image, greyMean(tf, image), factor);
  }

  /** Blends with the greyscale image. */
  public static Operand<TFloat32> saturation(Ops tf, Operand<TFloat32> image, Operand<TFloat32> factor) {
    return blend(tf, image, grayscale(tf, image), factor);
  }

  /** Rotates the hue by {@code shift} turns (in [-0.5, 0.5]) in HSV space. */
  public static Operand<TFloat32> hue(Ops tf, Operand<TFloat32> image, Operand<TFloat32> shift) {
    return clip01(tf, tf.image.adjustHue(image, shift));
  }

  /** Inverts pixels at or above 128/255. */
  public static Operand<TFloat32> solarize(Ops tf, Operand<TFloat32> image) {
    Operand<TBool> bright = tf.math.greaterEqual(image, tf.constant(SOLARIZE_THRESHOLD));
    return tf.select(bright, tf.math.sub(tf.constant(1f), image), image);
  }

  /** (x - mean) / std with the ImageNet statistics, per channel. */
  public static Operand<TFloat32> normalize(Ops tf, Operand<TFloat32> image) {
    return tf.math.div(tf.math.sub(image, tf.constant(IMAGENET_MEAN)), tf.constant(IMAGENET_STD));
  }

  /** uint8 [0, 255] to float32 [0, 1]. */
  public static Operand<TFloat32> toUnit(Ops tf, Operand<TUint8> image) {
    return tf.math.div(tf.dtypes.cast(image, TFloat32.class), tf.constant(255f));
  }

  static Operand<TFloat32> clip01(Ops tf, Operand<TFloat32> x) {
    return tf.clipByValue(x, tf.constant(0f), tf.constant(1f));
  }

  static Operand<TFloat32> greyMean(Ops tf, Operand<TFloat32> image) {
    return tf.math.mean(grayscale(tf, image), tf.constant(new int[] {0, 1, 2}));
  }
}

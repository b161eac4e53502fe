package org.scrl4j.data.augment;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.image.ScaleAndTranslate;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Bicubic resize with the semantics of PIL's {@code Image.resize(size, BICUBIC)} on 8-bit RGB,
 * which is what the original's transforms call (its datasets yield PIL images).
 *
 * <p>PIL uses the Keys cubic with a = -0.5, half-pixel centres, and widens the kernel by the
 * downscale factor (antialiasing) with weights renormalised at the borders; TensorFlow's
 * ScaleAndTranslate with kernel "keyscubic" and antialias=true is the same filter. PIL resamples
 * horizontally, stores the result as uint8 (rounded and clipped, which cuts the cubic overshoot),
 * then resamples vertically and stores uint8 again. Doing the same two passes with the same
 * rounding brings the output within one grey level of PIL's (its fixed-point weights account for
 * the rest); a single float pass differs by up to ten levels on high-contrast edges. torch's tensor
 * bicubic (a = -0.75, no antialias) and ResizeBicubic are not used: they are not what the original
 * ran.
 */
public final class BicubicResize {
  private BicubicResize() {}

  /**
   * Resizes one HWC float image in [0, 1] to {@code size} = (height, width) (int32 [2]); the result
   * is in [0, 1] and on the 1/255 grid, like PIL's uint8 output.
   */
  public static Operand<TFloat32> resize(Ops tf, Operand<TFloat32> image, Operand<TInt32> size) {
    Operand<TInt32> inSize =
        tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {2}));
    Operand<TInt32> inHeight = tf.gather(inSize, tf.constant(0), tf.constant(0));
    Operand<TInt32> outWidth = tf.gather(size, tf.constant(1), tf.constant(0));
    Operand<TFloat32> scale =
        tf.math.div(tf.dtypes.cast(size, TFloat32.class), tf.dtypes.cast(inSize, TFloat32.class));
    Operand<TFloat32> one = tf.constant(new float[] {1f});
    Operand<TFloat32> horizontalScale =
        tf.concat(List.of(one, tf.slice(scale, tf.constant(new int[] {1}), tf.constant(new int[] {1}))), tf.constant(0));
    Operand<TFloat32> verticalScale =
        tf.concat(List.of(tf.slice(scale, tf.constant(new int[] {0}), tf.constant(new int[] {1})), one), tf.constant(0));

    Operand<TFloat32> batched = tf.expandDims(image, tf.constant(0));
    Operand<TFloat32> wide = pass(tf, batched, tf.stack(List.of(inHeight, outWidth)), horizontalScale);
    Operand<TFloat32> out = pass(tf, wide, size, verticalScale);
    return tf.squeeze(out, Squeeze.axis(List.of(0L)));
  }

  /** Resize to a size known when the graph is built (keeps the static shape). */
  public static Operand<TFloat32> resize(Ops tf, Operand<TFloat32> image, int height, int width) {
    return resize(tf, image, tf.constant(new int[] {height, width}));
  }

  /** One separable pass (the other axis has scale 1, where the kernel is the identity), to uint8. */
  private static Operand<TFloat32> pass(
      Ops tf, Operand<TFloat32> batched, Operand<TInt32> size, Operand<TFloat32> scale) {
    Operand<TFloat32> out =
        tf.image.scaleAndTranslate(
            batched,
            size,
            scale,
            tf.constant(new float[] {0f, 0f}),
            ScaleAndTranslate.kernelType("keyscubic"),
            ScaleAndTranslate.antialias(true));
    return toUint8Grid(tf, out);
  }

  /** Rounds to the nearest multiple of 1/255 in [0, 1], as storing to uint8 does. */
  static Operand<TFloat32> toUint8Grid(Ops tf, Operand<TFloat32> x) {
    Operand<TFloat32> levels = tf.math.round(tf.math.mul(clip01(tf, x), tf.constant(255f)));
    return tf.math.div(levels, tf.constant(255f));
  }

  static Operand<TFloat32> clip01(Ops tf, Operand<TFloat32> x) {
    return tf.clipByValue(x, tf.constant(0f), tf.constant(1f));
  }
}

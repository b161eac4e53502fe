package org.scrl4j.data.augment;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.image.ScaleAndTranslate;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Bicubic resize with the semantics of PIL's {@code Image.resize(size, BICUBIC)}, which is what the
 * original's transforms call (its datasets yield PIL images).
 *
 * <p>PIL uses the Keys cubic with a = -0.5, half-pixel centres, and widens the kernel by the
 * downscale factor (antialiasing) with weights renormalised at the borders. TensorFlow's
 * ScaleAndTranslate with kernel "keyscubic" and antialias=true is the same filter. The one
 * remaining difference is that PIL stores the horizontal pass in uint8 before the vertical pass and
 * rounds the result to uint8; here everything stays float32 (about 1/255 at most, see the golden
 * test). torch's tensor bicubic (a = -0.75, no antialias) and ResizeBicubic are not used on purpose:
 * they differ from PIL by several grey levels when shrinking a crop to 224.
 */
public final class BicubicResize {
  private BicubicResize() {}

  /**
   * Resizes one HWC float image to {@code size} = (height, width) and clips to [0, 1] as PIL's
   * uint8 output does.
   */
  public static Operand<TFloat32> resize(Ops tf, Operand<TFloat32> image, Operand<TInt32> size) {
    Operand<TInt32> inSize =
        tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {2}));
    Operand<TFloat32> scale =
        tf.math.div(tf.dtypes.cast(size, TFloat32.class), tf.dtypes.cast(inSize, TFloat32.class));
    Operand<TFloat32> batched = tf.expandDims(image, tf.constant(0));
    Operand<TFloat32> out =
        tf.image.scaleAndTranslate(
            batched,
            size,
            scale,
            tf.constant(new float[] {0f, 0f}),
            ScaleAndTranslate.kernelType("keyscubic"),
            ScaleAndTranslate.antialias(true));
    Operand<TFloat32> squeezed = tf.squeeze(out, org.tensorflow.op.core.Squeeze.axis(java.util.List.of(0L)));
    return clip01(tf, squeezed);
  }

  /** Resize to a size known when the graph is built (keeps the static shape). */
  public static Operand<TFloat32> resize(Ops tf, Operand<TFloat32> image, int height, int width) {
    return resize(tf, image, tf.constant(new int[] {height, width}));
  }

  static Operand<TFloat32> clip01(Ops tf, Operand<TFloat32> x) {
    return tf.clipByValue(x, tf.constant(0f), tf.constant(1f));
  }
}

package org.scrl4j.data.augment;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.image.ScaleAndTranslate;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TNumber;

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
 *
 * <p>How each pass is run, for speed: ScaleAndTranslate always resamples both axes, and its
 * column loop runs over the channels innermost (3 here), which the compiler cannot vectorise;
 * its row loop adds whole rows and is fast. A pass of scale 1 on the other axis still costs a
 * 5-tap column loop. So every pass here is a row pass on the image viewed as [1, h, 1, w * 3]:
 * the column axis has width 1 (a one-tap identity over contiguous memory) and the row loop does
 * the resampling. A horizontal pass transposes the uint8 image first. The weights and the order
 * of the sums are those of the plain call, and the values stay on the 0..255 scale in uint8
 * between passes, as in PIL. (Measured on one ResNet-size view: see the commit that made it.)
 */
public final class BicubicResize {
  private static final int[] SWAP_HW = {1, 0, 2};
  private static final int[] SWAP_HW_BATCH = {0, 2, 1, 3};

  private BicubicResize() {}

  /**
   * Resizes one HWC image, or each image of an NHWC batch, on the 0..255 scale to {@code size} =
   * (height, width) (int32 [2]), horizontally first and then vertically, each pass stored as uint8
   * like PIL's. A batch is resampled image by image with the same weights and sums.
   */
  public static Operand<TUint8> resize(Ops tf, Operand<? extends TNumber> image, Operand<TInt32> size) {
    Operand<TInt32> height = tf.gather(size, tf.constant(0), tf.constant(0));
    Operand<TInt32> width = tf.gather(size, tf.constant(1), tf.constant(0));
    Operand<TInt32> swap = tf.constant(isBatch(image) ? SWAP_HW_BATCH : SWAP_HW);
    Operand<TUint8> wide = tf.linalg.transpose(rowPass(tf, tf.linalg.transpose(image, swap), width), swap);
    return rowPass(tf, wide, height);
  }

  /** Resize to a size known when the graph is built (keeps the static shape). */
  public static Operand<TUint8> resize(Ops tf, Operand<? extends TNumber> image, int height, int width) {
    Operand<TUint8> out = resize(tf, image, tf.constant(new int[] {height, width}));
    Shape hwc = Shape.of(height, width, channels(image));
    return tf.ensureShape(out, isBatch(image) ? Shape.of(image.shape().get(0)).append(hwc) : hwc);
  }

  /**
   * Resizes an HWC float image in [0, 1] (the photometric ops' domain) to height x width; the
   * result is in [0, 1] and on the 1/255 grid, like PIL's uint8 output read back as float.
   */
  public static Operand<TFloat32> resizeUnit(Ops tf, Operand<TFloat32> image, int height, int width) {
    Operand<TFloat32> levels = tf.math.mul(image, tf.constant(255f));
    return ColorOps.toUnit(tf, resize(tf, levels, height, width));
  }

  /**
   * Resamples the rows axis of an HWC image to {@code outHeight} rows: ScaleAndTranslate on the
   * [1, h, 1, w * c] view, then round and clip to uint8. The scale is out / in in float32, as
   * the per-axis scale of a plain [1, h, w, c] call would be.
   */
  private static Operand<TUint8> rowPass(Ops tf, Operand<? extends TNumber> image, Operand<TInt32> outHeight) {
    Operand<TInt32> shape = tf.shape(image);
    boolean batch = isBatch(image);
    int first = batch ? 1 : 0;
    Operand<TInt32> one = tf.constant(1);
    Operand<TInt32> n = batch ? tf.gather(shape, tf.constant(0), tf.constant(0)) : one;
    Operand<TInt32> h = tf.gather(shape, tf.constant(first), tf.constant(0));
    Operand<TInt32> w = tf.gather(shape, tf.constant(first + 1), tf.constant(0));
    Operand<TInt32> c = tf.gather(shape, tf.constant(first + 2), tf.constant(0));
    Operand<? extends TNumber> rows = tf.reshape(image, tf.stack(List.of(n, h, one, tf.math.mul(w, c))));
    Operand<TFloat32> scale = tf.math.div(tf.dtypes.cast(outHeight, TFloat32.class), tf.dtypes.cast(h, TFloat32.class));
    Operand<TFloat32> resampled =
        tf.image.scaleAndTranslate(
            rows,
            tf.stack(List.of(outHeight, one)),
            tf.stack(List.of(scale, tf.constant(1f))),
            tf.constant(new float[] {0f, 0f}),
            ScaleAndTranslate.kernelType("keyscubic"),
            ScaleAndTranslate.antialias(true));
    Operand<TFloat32> stored = tf.clipByValue(tf.math.round(resampled), tf.constant(0f), tf.constant(255f));
    List<Operand<TInt32>> outShape = batch ? List.of(n, outHeight, w, c) : List.of(outHeight, w, c);
    return tf.reshape(tf.dtypes.cast(stored, TUint8.class), tf.stack(outShape));
  }

  private static boolean isBatch(Operand<?> image) {
    return image.shape().numDimensions() == 4;
  }

  /** The static channel count of an HWC image or NHWC batch, or {@link Shape#UNKNOWN_SIZE}. */
  static long channels(Operand<?> image) {
    Shape s = image.shape();
    int rank = s.numDimensions();
    return rank == 3 || rank == 4 ? s.get(rank - 1) : Shape.UNKNOWN_SIZE;
  }
}

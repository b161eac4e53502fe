package org.scrl4j.data.augment;

import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TUint8;

/**
 * Photometric ops on float images in [0, 1], one HWC image or an NHWC batch, with torchvision's
 * tensor semantics. A factor is a scalar, or [n, 1, 1, 1] for a per-image factor on a batch.
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

  /**
   * Luma as an [h, w, 1] image: the three weighted channels summed in order. The sum is a MatMul
   * of the [h w, 3] products with ones, not a ReduceSum over a trailing axis of 3, which Eigen
   * does not vectorise (0.41 ms per 224 px view against the MatMul's few hundredths); adding
   * products times exactly 1 is the same sum.
   */
  public static Operand<TFloat32> grayscale(Ops tf, Operand<TFloat32> image) {
    Operand<TFloat32> weighted = perChannel(tf, image, LUMA, true);
    Operand<TFloat32> sums = tf.linalg.matMul(tf.reshape(weighted, tf.constant(new int[] {-1, 3})),
        tf.constant(new float[][] {{1f}, {1f}, {1f}}));
    return tf.reshape(sums, shapeOf(tf, image, 1));
  }

  /**
   * The shape of x as an int32 [rank] operand, its last size replaced by {@code last} unless that
   * is negative: constants when x's shape is static, so what is reshaped to it keeps a static
   * shape (batching needs it); {@code tf.shape(x)} otherwise.
   */
  private static Operand<TInt32> shapeOf(Ops tf, Operand<?> x, int last) {
    org.tensorflow.ndarray.Shape s = x.shape();
    if (!s.hasUnknownDimension()) {
      int[] dims = new int[s.numDimensions()];
      for (int d = 0; d < dims.length; d++) {
        dims[d] = (int) s.get(d);
      }
      if (last >= 0) {
        dims[dims.length - 1] = last;
      }
      return tf.constant(dims);
    }
    Operand<TInt32> dynamic = tf.shape(x);
    if (last < 0) {
      return dynamic;
    }
    Operand<TInt32> leading = tf.slice(dynamic, tf.constant(new int[] {0}),
        tf.expandDims(tf.math.sub(tf.size(dynamic), tf.constant(1)), tf.constant(0)));
    return tf.concat(Arrays.asList(leading, tf.constant(new int[] {last})), tf.constant(0));
  }

  /**
   * {@code x * c} (multiply) or {@code x - c} per channel of an HWC image, computed on its
   * [h, 3 w] view against c tiled to one row of 3 w values: the same elementwise arithmetic, but a
   * broadcast along rows, which Eigen vectorises, where a trailing axis of 3 it does not (0.26-0.44
   * ms per 224 px view that way). Other ranks broadcast plainly.
   */
  static Operand<TFloat32> perChannel(Ops tf, Operand<TFloat32> x, float[] c, boolean multiply) {
    return rowwise(tf, x, c, multiply ? tf.math::mul : tf.math::sub);
  }

  private static Operand<TFloat32> rowwise(Ops tf, Operand<TFloat32> x, float[] c,
      java.util.function.BinaryOperator<Operand<TFloat32>> op) {
    int rank = x.shape().numDimensions();
    if (rank < 3) {
      return op.apply(x, tf.constant(c));
    }
    // [..., h, w, 3] viewed as rows of 3 w values: [h, 3 w] for one image, [n h, 3 w] for a batch.
    Operand<TInt32> shape = shapeOf(tf, x, -1);
    Operand<TInt32> w = tf.slice(shape, tf.constant(new int[] {rank - 2}), tf.constant(new int[] {1}));
    Operand<TFloat32> rows = tf.reshape(x, tf.concat(
        Arrays.asList(tf.constant(new int[] {-1}), tf.math.mul(w, tf.constant(new int[] {3}))),
        tf.constant(0)));
    Operand<TFloat32> out = op.apply(rows, tf.tile(tf.constant(c), w));
    return tf.reshape(out, shape);
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

  /** Blends with the mean of the greyscale image (one value per image). */
  public static Operand<TFloat32> contrast(Ops tf, Operand<TFloat32> image, Operand<TFloat32> factor) {
    return blend(tf, image, greyMean(tf, image), factor);
  }

  /** Blends with the greyscale image. */
  public static Operand<TFloat32> saturation(Ops tf, Operand<TFloat32> image, Operand<TFloat32> factor) {
    return blend(tf, image, grayscale(tf, image), factor);
  }

  /**
   * Rotates the hue by {@code shift} turns (in [-0.5, 0.5]) in HSV space, h = (h + shift) mod 1:
   * one scalar shift with TensorFlow's fused AdjustHue, per-image shifts ([n, 1, 1, 1] on a
   * batch) with {@link #hueByImage}.
   */
  public static Operand<TFloat32> hue(Ops tf, Operand<TFloat32> image, Operand<TFloat32> shift) {
    if (shift.shape().numDimensions() == 0) {
      return clip01(tf, tf.image.adjustHue(image, shift));
    }
    return hueByImage(tf, image, shift);
  }

  /**
   * torchvision's adjust_hue on float images, its RGB -> HSV, h = (h + shift) mod 1, HSV -> RGB,
   * step by step in elementwise ops, so the shift can differ per image (AdjustHue takes one
   * scalar; RGBToHSV/HSVToRGB cost about 6 ms per 224 px image here, bench --what input). A pixel
   * with equal channels (saturation 0) comes back exactly, as with AdjustHue.
   */
  static Operand<TFloat32> hueByImage(Ops tf, Operand<TFloat32> image, Operand<TFloat32> shift) {
    List<Operand<TFloat32>> rgb = new java.util.ArrayList<>();
    tf.split(tf.constant(-1), image, 3L).forEach(rgb::add);
    Operand<TFloat32> r = rgb.get(0);
    Operand<TFloat32> g = rgb.get(1);
    Operand<TFloat32> b = rgb.get(2);
    Operand<TFloat32> one = tf.constant(1f);
    Operand<TFloat32> maxc = tf.math.maximum(tf.math.maximum(r, g), b);
    Operand<TFloat32> minc = tf.math.minimum(tf.math.minimum(r, g), b);
    Operand<TBool> grey = tf.math.equal(maxc, minc);
    Operand<TFloat32> cr = tf.math.sub(maxc, minc);
    Operand<TFloat32> s = tf.math.div(cr, tf.select(grey, tf.onesLike(maxc), maxc));
    Operand<TFloat32> crDivisor = tf.select(grey, tf.onesLike(cr), cr);
    Operand<TFloat32> rc = tf.math.div(tf.math.sub(maxc, r), crDivisor);
    Operand<TFloat32> gc = tf.math.div(tf.math.sub(maxc, g), crDivisor);
    Operand<TFloat32> bc = tf.math.div(tf.math.sub(maxc, b), crDivisor);
    Operand<TBool> rMax = tf.math.equal(maxc, r);
    Operand<TBool> gMax = tf.math.logicalAnd(tf.math.equal(maxc, g), tf.math.logicalNot(rMax));
    Operand<TFloat32> h = tf.select(rMax, tf.math.sub(bc, gc),
        tf.select(gMax, tf.math.add(tf.constant(2f), tf.math.sub(rc, bc)),
            tf.math.add(tf.constant(4f), tf.math.sub(gc, rc))));
    h = tf.math.floorMod(tf.math.add(tf.math.div(h, tf.constant(6f)), one), one);
    h = tf.math.floorMod(tf.math.add(h, shift), one);
    Operand<TFloat32> h6 = tf.math.mul(h, tf.constant(6f));
    Operand<TFloat32> sector = tf.math.floor(h6);
    Operand<TFloat32> f = tf.math.sub(h6, sector);
    sector = tf.math.floorMod(sector, tf.constant(6f));
    Operand<TFloat32> v = maxc;
    Operand<TFloat32> p = clip01(tf, tf.math.mul(v, tf.math.sub(one, s)));
    Operand<TFloat32> q = clip01(tf, tf.math.mul(v, tf.math.sub(one, tf.math.mul(s, f))));
    Operand<TFloat32> t = clip01(tf, tf.math.mul(v, tf.math.sub(one, tf.math.mul(s, tf.math.sub(one, f)))));
    List<Operand<TBool>> in = new java.util.ArrayList<>();
    for (int k = 0; k < 5; k++) {
      in.add(tf.math.equal(sector, tf.constant((float) k)));
    }
    Operand<TFloat32> outR = bySector(tf, in, List.of(v, q, p, p, t, v));
    Operand<TFloat32> outG = bySector(tf, in, List.of(t, v, v, q, p, p));
    Operand<TFloat32> outB = bySector(tf, in, List.of(p, p, t, v, v, q));
    return clip01(tf, tf.concat(Arrays.asList(outR, outG, outB), tf.constant(-1)));
  }

  /** choices[sector]: in.get(k) says sector == k for k < 5; otherwise the sixth. */
  private static Operand<TFloat32> bySector(Ops tf, List<Operand<TBool>> in,
      List<Operand<TFloat32>> choices) {
    Operand<TFloat32> out = choices.get(5);
    for (int k = 4; k >= 0; k--) {
      out = tf.select(in.get(k), choices.get(k), out);
    }
    return out;
  }

  /** Inverts pixels at or above 128/255. */
  public static Operand<TFloat32> solarize(Ops tf, Operand<TFloat32> image) {
    Operand<TBool> bright = tf.math.greaterEqual(image, tf.constant(SOLARIZE_THRESHOLD));
    return tf.select(bright, tf.math.sub(tf.constant(1f), image), image);
  }

  /** (x - mean) / std with the ImageNet statistics, per channel. */
  public static Operand<TFloat32> normalize(Ops tf, Operand<TFloat32> image) {
    // Divided by std (not multiplied by 1 / std), as torchvision does.
    Operand<TFloat32> centred = perChannel(tf, image, IMAGENET_MEAN, false);
    return rowwise(tf, centred, IMAGENET_STD, tf.math::div);
  }

  /** uint8 [0, 255] to float32 [0, 1]. */
  public static Operand<TFloat32> toUnit(Ops tf, Operand<TUint8> image) {
    return tf.math.div(tf.dtypes.cast(image, TFloat32.class), tf.constant(255f));
  }

  static Operand<TFloat32> clip01(Ops tf, Operand<TFloat32> x) {
    return tf.clipByValue(x, tf.constant(0f), tf.constant(1f));
  }

  /** The mean of each image's luma, kept as [1, 1, 1] (one image) or [n, 1, 1, 1] (a batch). */
  static Operand<TFloat32> greyMean(Ops tf, Operand<TFloat32> image) {
    int rank = image.shape().numDimensions();
    int[] axes = rank == 4 ? new int[] {1, 2, 3} : new int[] {0, 1, 2};
    return tf.math.mean(grayscale(tf, image), tf.constant(axes),
        org.tensorflow.op.math.Mean.keepDims(true));
  }
}

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
 * The per-image transforms of the original's augment/getters.py, as graph ops on one decoded
 * uint8 HWC [h, w, 3] image of any size. Everything random is a stateless op of the given int64 [2]
 * seed, so they can run inside a tf.data map function and reproduce exactly from the seed.
 */
public final class ViewTransforms {
  /** The original pads 224 to 256 before the centre crop: resize to round(S * (S + 32) / S). */
  public static final int EVAL_PAD = 32;

  private ViewTransforms() {}

  /**
   * The BYOL/SimCLR view: random resized crop, flip, colour jitter, greyscale, resize blur,
   * solarize, normalise.
   *
   * @param view 1 or 2 (selects the blur and solarize probabilities)
   */
  public static AugmentedView simclr(
      Ops tf, Operand<TUint8> image, Operand<TInt64> seed, AugmentParams p, int view) {
    return simclrDrawn(tf, image, seed, p, view).finish(tf, p, view);
  }

  /**
   * The per-image part of {@link #simclr}: the crop, resized and flipped, in [0, 1], and the draws
   * of the photometric half, which {@link PhotometricAugment#apply} applies to a batch of them.
   */
  public static DrawnView simclrDrawn(
      Ops tf, Operand<TUint8> image, Operand<TInt64> seed, AugmentParams p, int view) {
    RandomStreams streams = new RandomStreams(tf, seed, 6);
    CroppedView base =
        cropAndFlip(tf, image, streams, p.inputSize(), p.cropScaleMin(),
            p.cropScaleMax(), p.flipProb());
    return new DrawnView(base.pixels, base.crop, base.flipped,
        PhotometricAugment.draw(tf, streams, p, view));
  }

  /** Random resized crop (area in [scaleMin, scaleMax]) and flip, normalised. */
  public static AugmentedView simple(
      Ops tf, Operand<TUint8> image, Operand<TInt64> seed, int size, double scaleMin,
      double scaleMax, double flipProb) {
    RandomStreams streams = new RandomStreams(tf, seed, 2);
    CroppedView base =
        cropAndFlip(tf, image, streams, size, scaleMin, scaleMax, flipProb);
    return new AugmentedView(ColorOps.normalize(tf, base.pixels), base.crop, base.flipped);
  }

  /** Linear-evaluation training images: random resized crop with area (0.08, 1), flip p = 0.5. */
  public static Operand<TFloat32> linearEvalTrain(
      Ops tf, Operand<TUint8> image, Operand<TInt64> seed, int size) {
    return simple(tf, image, seed, size, 0.08, 1.0, 0.5).image();
  }

  /**
   * The evaluation transform: bicubic resize of the shorter side to round(S (S + 32) / S) (256 for
   * 224, longer side truncated as torchvision does), centre crop S x S, normalise. The crop is
   * reported in original pixels; it is deterministic and never flipped.
   */
  public static AugmentedView center(Ops tf, Operand<TUint8> image, int size) {
    return center(tf, image, size, EVAL_PAD);
  }

  /**
   * The centre view with the shorter side resized to {@code size + pad} first. The original's
   * fixed 32 suits ImageNet at 224 px (256/224); at 32 px it would keep only the middle half of
   * each side, so small-image configs set their own pad (0 keeps the whole image).
   */
  public static AugmentedView center(Ops tf, Operand<TUint8> image, int size, int pad) {
    if (pad < 0) {
      throw new IllegalArgumentException("centre-crop pad must be >= 0, got " + pad);
    }
    int resized = centerResize(size, pad);
    Operand<TFloat64> hw =
        tf.dtypes.cast(
            tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {2})),
            TFloat64.class);
    Operand<TFloat64> h = tf.gather(hw, tf.constant(0), tf.constant(0));
    Operand<TFloat64> w = tf.gather(hw, tf.constant(1), tf.constant(0));
    Operand<TFloat64> r = tf.constant((double) resized);
    Operand<TBool> portrait = tf.math.lessEqual(w, h);
    // int(R * long / short), evaluated left to right as in Python.
    Operand<TFloat64> newH = tf.select(portrait, tf.math.floor(tf.math.div(tf.math.mul(r, h), w)), r);
    Operand<TFloat64> newW = tf.select(portrait, r, tf.math.floor(tf.math.div(tf.math.mul(r, w), h)));
    Operand<TFloat64> s = tf.constant((double) size);
    Operand<TFloat64> half = tf.constant(0.5);
    Operand<TFloat64> top = tf.math.round(tf.math.mul(tf.math.sub(newH, s), half));
    Operand<TFloat64> left = tf.math.round(tf.math.mul(tf.math.sub(newW, s), half));

    Operand<TInt32> newSize =
        tf.dtypes.cast(tf.stack(Arrays.asList(newH, newW)), TInt32.class);
    Operand<TFloat32> resizedImage = ColorOps.toUnit(tf, BicubicResize.resize(tf, image, newSize));
    Operand<TInt32> begin =
        tf.dtypes.cast(tf.stack(Arrays.asList(top, left, tf.constant(0.0))), TInt32.class);
    Operand<TFloat32> cropped =
        tf.slice(resizedImage, begin, tf.constant(new int[] {size, size, 3}));

    // Back to original pixels as the original's transform bookkeeping does: round(v / ratio).
    Operand<TFloat64> ratioH = tf.math.div(newH, h);
    Operand<TFloat64> ratioW = tf.math.div(newW, w);
    Operand<TFloat64> crop =
        tf.math.round(
            tf.stack(
                Arrays.asList(
                    tf.math.div(top, ratioH),
                    tf.math.div(left, ratioW),
                    tf.math.div(s, ratioH),
                    tf.math.div(s, ratioW))));
    return new AugmentedView(
        ColorOps.normalize(tf, cropped), tf.dtypes.cast(crop, TInt32.class), tf.constant(false));
  }

  /**
   * The shorter side {@link #center} resizes to before its crop: round(S (S + pad) / S), the
   * original's arithmetic, which is S + pad.
   */
  public static int centerResize(int size, int pad) {
    return (int) Math.rint(size * ((size + pad) / (double) size));
  }

  private record CroppedView(Operand<TFloat32> pixels, Operand<TInt32> crop, Operand<TBool> flipped) {}

  private static CroppedView cropAndFlip(
      Ops tf, Operand<TUint8> image, RandomStreams streams, int size, double scaleMin,
      double scaleMax, double flipProb) {
    Operand<TInt32> hw =
        tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {2}));
    Operand<TInt32> crop = RandomResizedCrop.sample(tf, hw, streams.nextSeed(), scaleMin, scaleMax);
    Operand<TFloat32> x = RandomResizedCrop.cropAndResize(tf, image, crop, size);
    Operand<TBool> flipped = coin(tf, streams.uniform(), flipProb);
    x = ScalarSelect.of(tf, flipped, tf.reverse(x, tf.constant(new int[] {1})), x);
    return new CroppedView(x, crop, flipped);
  }

  /** u[] < p for a one-element uniform draw, as a scalar bool. */
  static Operand<TBool> coin(Ops tf, Operand<TFloat64> u, double p) {
    return tf.math.less(tf.squeeze(u), tf.constant(p));
  }
}

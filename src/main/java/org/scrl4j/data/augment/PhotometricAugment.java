package org.scrl4j.data.augment;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * The photometric half of the BYOL/SimCLR view, after its crop and flip: colour jitter (p),
 * greyscale (p), blur (per view), solarize (per view), normalisation.
 *
 * <p>Split in two so that small views can be worked on a batch at a time: every random decision is
 * drawn per image from that image's streams ({@link #draw}, inside the tf.data map, where the
 * images still differ in size), and {@link #apply} applies them either to that one view in the
 * map or, for views up to {@link #PER_BATCH_MAX_SIZE}, to the batch of equal-sized views after
 * batching, where each op runs once for all images instead of once per image. The draws are the
 * same numbers from the same streams either way.
 */
public final class PhotometricAugment {
  /**
   * Views up to this size are finished a batch at a time, larger ones image by image in the map.
   * Measured (bench --what input, 2 cores, CPU ms per image): the demo's 32 px views 2.3 image by
   * image, 1.7 by batch (per-op overhead dominates); 224 px JPEGs 12.4 image by image, 20+ by
   * batch (pixel work dominates, and the batch form's partition copies and elementwise hue cost
   * more than AdjustHue on images that need it).
   */
  public static final int PER_BATCH_MAX_SIZE = 64;

  private PhotometricAugment() {}

  /**
   * One view's decisions; per image the shapes below, per batch with a leading [n].
   *
   * @param jitterStages int32 [4] ({@link ColorJitter#draw})
   * @param jitterFactors float32 [4]
   * @param grey bool scalar
   * @param blurLevel int32 scalar ({@link ResizeBlur#draw})
   * @param solarize bool scalar
   */
  public record Draws(Operand<TInt32> jitterStages, Operand<TFloat32> jitterFactors,
      Operand<TBool> grey, Operand<TInt32> blurLevel, Operand<TBool> solarize) {
    /** Names of the tensors of {@link #tensors()}, for a pipeline's outputs. */
    public static final List<String> NAMES =
        List.of("jitter_stages", "jitter_factors", "grey", "blur_level", "solarize");
    /** Their types, in the same order. */
    public static final List<Class<? extends TType>> TYPES =
        List.of(TInt32.class, TFloat32.class, TBool.class, TInt32.class, TBool.class);
    /** Their per-image shapes, in the same order. */
    public static final List<Shape> SHAPES =
        List.of(Shape.of(4), Shape.of(4), Shape.scalar(), Shape.scalar(), Shape.scalar());

    public List<Operand<?>> tensors() {
      return List.of(jitterStages, jitterFactors, grey, blurLevel, solarize);
    }

    /** The inverse of {@link #tensors()}. */
    @SuppressWarnings("unchecked")
    public static Draws of(List<? extends Operand<?>> t) {
      return new Draws((Operand<TInt32>) t.get(0), (Operand<TFloat32>) t.get(1),
          (Operand<TBool>) t.get(2), (Operand<TInt32>) t.get(3), (Operand<TBool>) t.get(4));
    }
  }

  /**
   * One image's decisions for view 1 or 2, from the streams after its crop and flip, in the order
   * jitter (a seed), greyscale (a uniform), blur (a seed), solarize (a uniform).
   */
  static Draws draw(Ops tf, RandomStreams streams, AugmentParams p, int view) {
    ColorJitter.Draws jitter = ColorJitter.draw(tf, streams.nextSeed(), p.jitterProb(),
        p.brightness(), p.contrast(), p.saturation(), p.hue());
    Operand<TBool> grey = chance(tf, streams.uniform(), p.grayscaleProb());
    Operand<TInt64> blurSeed = streams.nextSeed();
    Operand<TInt32> blur = p.blurProb(view) > 0
        ? ResizeBlur.draw(tf, blurSeed, p.blurProb(view))
        : tf.constant(ResizeBlur.NONE);
    Operand<TBool> solarize = chance(tf, streams.uniform(), p.solarizeProb(view));
    return new Draws(jitter.stages(), jitter.factors(), grey, blur, solarize);
  }

  /**
   * Applies the drawn decisions to one HWC view in [0, 1] (draws as {@link #draw} makes them) or
   * to an NHWC batch of views (draws with a leading [n]), statically inputSize x inputSize, and
   * normalises; stages whose probability is 0 are not built, and those whose probability is 1 are
   * applied to every image.
   */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> images, Draws draws,
      AugmentParams p, int view) {
    Operand<TFloat32> x = images;
    if (p.jitterProb() > 0) {
      x = ColorJitter.apply(tf, x, new ColorJitter.Draws(draws.jitterStages(), draws.jitterFactors()));
    }
    x = withProbability(tf, p.grayscaleProb(), draws.grey(), x,
        (ftf, v, none) -> ColorOps.grayscale3(ftf, v));
    if (p.blurProb(view) > 0) {
      x = ResizeBlur.apply(tf, x, draws.blurLevel(), p.inputSize(), p.blurProb(view) >= 1);
    }
    x = withProbability(tf, p.solarizeProb(view), draws.solarize(), x,
        (ftf, v, none) -> ColorOps.solarize(ftf, v));
    return ColorOps.normalize(tf, x);
  }

  /**
   * {@code change} for the images whose draw holds. A probability of 0 or 1 is known when the
   * graph is built: no op, or the change on every image without a run-time choice (one image's
   * choice is a function call, which cost the 224 px pipeline ~10 % on the always-on blur).
   */
  private static Operand<TFloat32> withProbability(Ops tf, double probability, Operand<TBool> drawn,
      Operand<TFloat32> x, Branches.Branch change) {
    if (probability <= 0) {
      return x;
    }
    if (probability >= 1) {
      return change.apply(tf, x, List.of());
    }
    return Branches.when(tf, drawn, x, List.of(), change);
  }

  /** u < p for a one-element uniform draw, as a scalar bool; constant for p <= 0 or p >= 1. */
  private static Operand<TBool> chance(Ops tf, Operand<TFloat64> u, double p) {
    if (p <= 0) {
      return tf.constant(false);
    }
    if (p >= 1) {
      return tf.constant(true);
    }
    return ViewTransforms.coin(tf, u, p);
  }
}

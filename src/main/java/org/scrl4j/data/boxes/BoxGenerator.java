package org.scrl4j.data.boxes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.scrl4j.data.augment.RandomStreams;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gather;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.core.Stack;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The SCRL box generator (original models/box_generator.py) as graph ops on one image pair.
 *
 * <p>Boxes are drawn in the intersection of the two crops, measured in the coarser view's pixels
 * (so a box is at least min_size there and larger in the finer view), then mapped into each view
 * through its crop offset, scale and flip. For each of the B boxes all tries are drawn at once; the
 * first whose view-1 IoU with every earlier (clipped) box is below the threshold is kept, else the
 * last try. The B acceptances depend on each other and are unrolled.
 */
public final class BoxGenerator {
  /**
   * Uniforms per try: grid divisions (w, h), grid cell (x, y), box size (w, h), offset (x, y), and
   * the four view-2 jitter factors (l, t, r, b).
   */
  public static final int DRAWS = 12;
  private static final int JITTER = 8;

  private BoxGenerator() {}

  /**
   * @param crop1 int32 [4] = (top, left, height, width) of view 1 in original pixels
   * @param flip1 bool scalar, view 1 mirrored
   * @param seed int64 [2]
   */
  public static BoxPair generate(
      Ops tf, BoxParams p, Operand<TInt32> crop1, Operand<TBool> flip1, Operand<TInt32> crop2,
      Operand<TBool> flip2, Operand<TInt64> seed) {
    return fromDraws(tf, p, crop1, flip1, crop2, flip2, draws(tf, p, seed));
  }

  /** The random numbers one pair consumes: float64 [boxes, tries, 8], uniform in [0, 1). */
  public static Operand<TFloat64> draws(Ops tf, BoxParams p, Operand<TInt64> seed) {
    return RandomStreams.uniform(tf, seed, p.boxesPerImage(), p.tries(), DRAWS);
  }

  /** As {@link #generate(Ops, BoxParams, Operand, Operand, Operand, Operand, Operand)} from given draws. */
  public static BoxPair fromDraws(
      Ops tf, BoxParams p, Operand<TInt32> crop1, Operand<TBool> flip1, Operand<TInt32> crop2,
      Operand<TBool> flip2, Operand<TFloat64> u) {
    Operand<TInt32> first = tf.constant(0);
    BoxPair batch = fromBatchDraws(tf, p, tf.expandDims(crop1, first), tf.expandDims(flip1, first),
        tf.expandDims(crop2, first), tf.expandDims(flip2, first), tf.expandDims(u, first));
    Squeeze.Options lead = Squeeze.axis(List.of(0L));
    return new BoxPair(tf.squeeze(batch.boxes1(), lead), tf.squeeze(batch.boxes2(), lead),
        tf.squeeze(batch.valid(), lead));
  }

  /**
   * The pairs of a whole batch at once, from each image's own draws: the same arithmetic per image
   * as one pair at a time, in a fixed number of ops per batch rather than per image (per image,
   * the unrolled acceptances cost 5.5 ms of map-function op overhead for a few microseconds of
   * arithmetic).
   *
   * @param crop1 int32 [N, 4]
   * @param flip1 bool [N]
   * @param u float64 [N, boxes, tries, DRAWS], each row from {@link #draws} of its image
   * @return boxes [N, B, 4] and valid [N]
   */
  public static BoxPair fromBatchDraws(
      Ops tf, BoxParams p, Operand<TInt32> crop1, Operand<TBool> flip1, Operand<TInt32> crop2,
      Operand<TBool> flip2, Operand<TFloat64> u) {
    Geometry g = new Geometry(tf, p, crop1, crop2);
    Operand<TFloat64> m = tf.constant((double) p.minSize());
    Operand<TFloat64> one = tf.constant(1.0);
    Operand<TFloat64> width = tf.select(g.valid, g.width, tf.math.add(m, one));
    Operand<TFloat64> height = tf.select(g.valid, g.height, tf.math.add(m, one));

    Operand<TFloat64>[] xw = sampleAxis(tf, p, u, width, 0);
    Operand<TFloat64>[] yh = sampleAxis(tf, p, u, height, 1);
    Operand<TFloat64> x = xw[0];
    Operand<TFloat64> boxW = xw[1];
    Operand<TFloat64> y = yh[0];
    Operand<TFloat64> boxH = yh[1];

    Operand<TFloat64> cand1 = toView(tf, p, g, x, y, boxW, boxH, g.left1, g.top1, g.sw1, g.sh1,
        Geometry.perImage(tf, flip1));
    Operand<TFloat64> cand2 = toView(tf, p, g, x, y, boxW, boxH, g.left2, g.top2, g.sw2, g.sh2,
        Geometry.perImage(tf, flip2));

    List<Operand<TFloat64>> kept1 = new ArrayList<>();
    List<Operand<TFloat64>> kept2 = new ArrayList<>();
    Operand<TInt32> boxAxis = tf.constant(1);
    Gather.Options perImage = Gather.batchDims(1L);
    for (int i = 0; i < p.boxesPerImage(); i++) {
      Operand<TFloat64> tries1 = tf.gather(cand1, tf.constant(i), boxAxis); // [N, T, 4]
      Operand<TFloat64> tries2 = tf.gather(cand2, tf.constant(i), boxAxis);
      Operand<TInt32> pick; // [N]
      if (i == 0 || p.iouThreshold() >= 1.0) {
        pick = tf.fill(tf.slice(tf.shape(tries1), tf.constant(new int[] {0}),
            tf.constant(new int[] {1})), tf.constant(0));
      } else {
        Operand<TFloat64> earlier = tf.stack(kept1, Stack.axis(1L)); // [N, i, 4], clipped
        Operand<TFloat64> maxIou =
            tf.reduceMax(iou(tf, tf.expandDims(tries1, tf.constant(2)), tf.expandDims(earlier, boxAxis)),
                tf.constant(2), ReduceMax.keepDims(false)); // [N, T]
        Operand<TBool> ok = tf.math.less(maxIou, tf.constant(p.iouThreshold()));
        Operand<TInt32> first = tf.math.argMax(tf.dtypes.cast(ok, TInt32.class), boxAxis, TInt32.class);
        pick = tf.select(tf.reduceAny(ok, boxAxis), first, tf.fill(tf.shape(first), tf.constant(p.tries() - 1)));
      }
      Operand<TFloat64> box2 = tf.gather(tries2, pick, boxAxis, perImage); // [N, 4]
      if (p.boxJittering()) {
        Operand<TFloat64> draw = tf.gather(tf.gather(u, tf.constant(i), boxAxis), pick, boxAxis, perImage);
        box2 = jitter(tf, p, box2, tf.slice(draw, tf.constant(new int[] {0, JITTER}), tf.constant(new int[] {-1, 4})));
      }
      kept1.add(clip(tf, p, tf.gather(tries1, pick, boxAxis, perImage)));
      kept2.add(clip(tf, p, box2));
    }
    Operand<TFloat32> boxes1 = tf.dtypes.cast(tf.stack(kept1, Stack.axis(1L)), TFloat32.class);
    Operand<TFloat32> boxes2 = tf.dtypes.cast(tf.stack(kept2, Stack.axis(1L)), TFloat32.class);
    Operand<TFloat32> zeros = tf.zerosLike(boxes1);
    Operand<TBool> valid = tf.reshape(g.valid, tf.constant(new int[] {-1}));
    return new BoxPair(
        tf.select(g.valid, boxes1, zeros), tf.select(g.valid, boxes2, zeros), valid);
  }

  /**
   * Position and size of the boxes along one axis in intersection pixels, [B, T] each.
   *
   * @param axis 0 for x/width, 1 for y/height
   */
  @SuppressWarnings("unchecked")
  private static Operand<TFloat64>[] sampleAxis(
      Ops tf, BoxParams p, Operand<TFloat64> u, Operand<TFloat64> extent, int axis) {
    Operand<TFloat64> m = tf.constant((double) p.minSize());
    Operand<TFloat64> one = tf.constant(1.0);
    Operand<TFloat64> size;
    Operand<TFloat64> pos;
    if (p.gridBased()) {
      // np.random.randint(1, int(E / m) + 1): number of grid cells along the axis
      Operand<TFloat64> cells =
          tf.math.add(one, uniformInt(tf, column(tf, u, axis), tf.math.floor(tf.math.div(extent, m))));
      Operand<TFloat64> cell = tf.math.div(extent, cells); // float cell size
      Operand<TFloat64> index = uniformInt(tf, column(tf, u, 2 + axis), cells);
      // randint(m, cell + 1) and randint(0, cell - size + 1) truncate their float bounds
      size = tf.math.add(m, uniformInt(tf, column(tf, u, 4 + axis),
          tf.math.sub(tf.math.floor(tf.math.add(cell, one)), m)));
      Operand<TFloat64> offset = uniformInt(tf, column(tf, u, 6 + axis),
          tf.math.floor(tf.math.add(tf.math.sub(cell, size), one)));
      pos = tf.math.add(offset, tf.math.floor(tf.math.mul(index, cell)));
    } else {
      // randint(m, E) then randint(0, E - size)
      size = tf.math.add(m, uniformInt(tf, column(tf, u, 4 + axis), tf.math.sub(extent, m)));
      pos = uniformInt(tf, column(tf, u, 6 + axis), tf.math.sub(extent, size));
    }
    return new Operand[] {pos, size};
  }

  /** Intersection-pixel boxes to (x1, y1, x2, y2) in one view, [B, T, 4], before clipping. */
  private static Operand<TFloat64> toView(
      Ops tf, BoxParams p, Geometry g, Operand<TFloat64> x, Operand<TFloat64> y,
      Operand<TFloat64> w, Operand<TFloat64> h, Operand<TFloat64> cropLeft,
      Operand<TFloat64> cropTop, Operand<TFloat64> sw, Operand<TFloat64> sh, Operand<TBool> flip) {
    Operand<TFloat64> toViewW = tf.math.mul(tf.math.div(tf.constant(1.0), g.swMin), sw);
    Operand<TFloat64> toViewH = tf.math.mul(tf.math.div(tf.constant(1.0), g.shMin), sh);
    Operand<TFloat64> l =
        tf.math.add(tf.math.mul(x, toViewW), tf.math.mul(tf.math.sub(g.intLeft, cropLeft), sw));
    Operand<TFloat64> r = tf.math.add(l, tf.math.mul(w, toViewW));
    Operand<TFloat64> t =
        tf.math.add(tf.math.mul(y, toViewH), tf.math.mul(tf.math.sub(g.intTop, cropTop), sh));
    Operand<TFloat64> b = tf.math.add(t, tf.math.mul(h, toViewH));
    Operand<TFloat64> s = tf.constant((double) p.inputSize());
    Operand<TFloat64> fl = tf.select(flip, tf.math.sub(s, r), l);
    Operand<TFloat64> fr = tf.select(flip, tf.math.sub(s, l), r);
    return tf.stack(Arrays.asList(fl, t, fr, b), Stack.axis(-1L));
  }

  /**
   * The original's jitter_box: with factors j ~ U(1 - ratio, 1 + ratio), l' = l + w (j0 - 1),
   * t' = t + h (j1 - 1), r' = l' + w j2, b' = t' + h j3.
   */
  private static Operand<TFloat64> jitter(
      Ops tf, BoxParams p, Operand<TFloat64> box, Operand<TFloat64> u) {
    Operand<TFloat64> j = tf.math.add(tf.constant(1 - p.jitteringRatio()),
        tf.math.mul(u, tf.constant(2 * p.jitteringRatio())));
    Operand<TFloat64> l = coord(tf, box, 0);
    Operand<TFloat64> t = coord(tf, box, 1);
    Operand<TFloat64> w = tf.math.sub(coord(tf, box, 2), l);
    Operand<TFloat64> h = tf.math.sub(coord(tf, box, 3), t);
    Operand<TFloat64> one = tf.constant(1.0);
    Operand<TFloat64> nl = tf.math.add(l, tf.math.mul(w, tf.math.sub(coord(tf, j, 0), one)));
    Operand<TFloat64> nt = tf.math.add(t, tf.math.mul(h, tf.math.sub(coord(tf, j, 1), one)));
    Operand<TFloat64> nr = tf.math.add(nl, tf.math.mul(w, coord(tf, j, 2)));
    Operand<TFloat64> nb = tf.math.add(nt, tf.math.mul(h, coord(tf, j, 3)));
    return tf.stack(Arrays.asList(nl, nt, nr, nb), Stack.axis(-1L));
  }

  /** The original's clip: left/top at 0, right/bottom at S. */
  private static Operand<TFloat64> clip(Ops tf, BoxParams p, Operand<TFloat64> box) {
    Operand<TFloat64> lo = tf.constant(new double[] {0, 0, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY});
    double s = p.inputSize();
    Operand<TFloat64> hi = tf.constant(new double[] {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, s, s});
    return tf.math.minimum(tf.math.maximum(box, lo), hi);
  }

  /** IoU of (x1, y1, x2, y2) boxes, broadcasting over leading axes; 0 when they do not meet. */
  static Operand<TFloat64> iou(Ops tf, Operand<TFloat64> a, Operand<TFloat64> b) {
    Operand<TFloat64> zero = tf.constant(0.0);
    Operand<TFloat64> iw = tf.math.maximum(tf.math.sub(
        tf.math.minimum(coord(tf, a, 2), coord(tf, b, 2)), tf.math.maximum(coord(tf, a, 0), coord(tf, b, 0))), zero);
    Operand<TFloat64> ih = tf.math.maximum(tf.math.sub(
        tf.math.minimum(coord(tf, a, 3), coord(tf, b, 3)), tf.math.maximum(coord(tf, a, 1), coord(tf, b, 1))), zero);
    Operand<TFloat64> inter = tf.math.mul(iw, ih);
    Operand<TFloat64> union = tf.math.sub(tf.math.add(area(tf, a), area(tf, b)), inter);
    Operand<TBool> meet = tf.math.greater(inter, zero);
    Operand<TFloat64> safeUnion = tf.select(meet, union, tf.onesLike(union));
    return tf.select(meet, tf.math.div(inter, safeUnion), tf.zerosLike(inter));
  }

  private static Operand<TFloat64> area(Ops tf, Operand<TFloat64> box) {
    return tf.math.abs(tf.math.mul(
        tf.math.sub(coord(tf, box, 2), coord(tf, box, 0)), tf.math.sub(coord(tf, box, 3), coord(tf, box, 1))));
  }

  private static Operand<TFloat64> coord(Ops tf, Operand<TFloat64> box, int k) {
    return tf.gather(box, tf.constant(k), tf.constant(-1));
  }

  private static Operand<TFloat64> column(Ops tf, Operand<TFloat64> u, int k) {
    return tf.gather(u, tf.constant(k), tf.constant(-1));
  }

  /** floor(u n) clamped into {0..n-1}: numpy's randint(0, n) for n >= 1. */
  private static Operand<TFloat64> uniformInt(Ops tf, Operand<TFloat64> u, Operand<TFloat64> n) {
    Operand<TFloat64> k = tf.math.floor(tf.math.mul(u, n));
    return tf.math.maximum(tf.math.minimum(k, tf.math.sub(n, tf.constant(1.0))), tf.constant(0.0));
  }

  /** The intersection of the two crops and the scales between original and view pixels. */
  private static final class Geometry {
    final Operand<TFloat64> top1, left1, top2, left2;
    final Operand<TFloat64> sw1, sh1, sw2, sh2, swMin, shMin;
    final Operand<TFloat64> intLeft, intTop, width, height;
    final Operand<TBool> valid;

    /** From [N, 4] crops; every field is [N, 1, 1]. */
    Geometry(Ops tf, BoxParams p, Operand<TInt32> crop1, Operand<TInt32> crop2) {
      Operand<TFloat64> c1 = tf.dtypes.cast(crop1, TFloat64.class);
      Operand<TFloat64> c2 = tf.dtypes.cast(crop2, TFloat64.class);
      top1 = at(tf, c1, 0);
      left1 = at(tf, c1, 1);
      top2 = at(tf, c2, 0);
      left2 = at(tf, c2, 1);
      Operand<TFloat64> h1 = at(tf, c1, 2);
      Operand<TFloat64> w1 = at(tf, c1, 3);
      Operand<TFloat64> h2 = at(tf, c2, 2);
      Operand<TFloat64> w2 = at(tf, c2, 3);
      intLeft = tf.math.maximum(left1, left2);
      intTop = tf.math.maximum(top1, top2);
      Operand<TFloat64> intRight = tf.math.minimum(tf.math.add(left1, w1), tf.math.add(left2, w2));
      Operand<TFloat64> intBottom = tf.math.minimum(tf.math.add(top1, h1), tf.math.add(top2, h2));
      Operand<TFloat64> s = tf.constant((double) p.inputSize());
      sw1 = tf.math.div(s, w1);
      sh1 = tf.math.div(s, h1);
      sw2 = tf.math.div(s, w2);
      sh2 = tf.math.div(s, h2);
      swMin = tf.math.minimum(sw1, sw2);
      shMin = tf.math.minimum(sh1, sh2);
      width = tf.math.round(tf.math.mul(tf.math.sub(intRight, intLeft), swMin));
      height = tf.math.round(tf.math.mul(tf.math.sub(intBottom, intTop), shMin));
      Operand<TFloat64> m = tf.constant((double) p.minSize());
      valid = tf.math.logicalAnd(
          tf.math.logicalAnd(tf.math.less(intLeft, intRight), tf.math.less(intTop, intBottom)),
          tf.math.logicalAnd(tf.math.greater(width, m), tf.math.greater(height, m)));
    }

    /** Column i of [N, 4] crops as [N, 1, 1], to broadcast over [N, boxes, tries]. */
    private static Operand<TFloat64> at(Ops tf, Operand<TFloat64> v, int i) {
      return perImage(tf, tf.gather(v, tf.constant(i), tf.constant(-1)));
    }

    /** A per-image [N] value as [N, 1, 1]. */
    static <T extends org.tensorflow.types.family.TType> Operand<T> perImage(Ops tf, Operand<T> v) {
      return tf.reshape(v, tf.constant(new int[] {-1, 1, 1}));
    }
  }
}

package org.scrl4j.loss;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.core.Split;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * The BYOL regression loss {@code l(p, z) = 2 - 2 cos(p, z)} and its symmetric two-view form.
 * Pure graph functions: nothing here creates variables.
 */
public final class RegressionLoss {
  /** torch's F.normalize floor on the norm; squared because we work with sum(x^2). */
  private static final double MIN_NORM_SQUARED = 1e-24;

  private RegressionLoss() {}

  /** The symmetric loss and its two per-pair term vectors (each [M/2]). */
  public record Symmetric(Operand<TFloat32> loss, Operand<TFloat32> termsV1,
      Operand<TFloat32> termsV2) {}

  /** Rows scaled to unit L2 norm: {@code x / max(||x||, 1e-12)}, as torch's F.normalize. */
  public static Operand<TFloat32> l2Normalize(Ops tf, Operand<TFloat32> x) {
    return narrow(tf, l2Normalize64(tf, wide(tf, x)));
  }

  /** {@code 2 - 2 cos(p_i, z_i)} per row, [M]. */
  public static Operand<TFloat32> terms(Ops tf, Operand<TFloat32> p, Operand<TFloat32> z) {
    return narrow(tf, terms64(tf, wide(tf, p), wide(tf, z)));
  }

  /**
   * {@code mean_i[l(pred_v1_i, z_v2_i) + l(pred_v2_i, z_v1_i)]}, where v1/v2 are the first/second
   * half of the rows (view 1 rows precede view 2 rows). The target projections get no gradient.
   *
   * <p>The loss is computed in float64 from the float32 inputs (a few [M, D] tensors, so free): its
   * 2 - 2 cos cancels, and torch's pairwise float32 sums are about as close to exact.
   *
   * @param pred online predictions [M, D], M even
   * @param targetProj target projections [M, D] of the same rows
   */
  public static Symmetric symmetric(Ops tf, Operand<TFloat32> pred, Operand<TFloat32> targetProj) {
    return symmetric(tf, pred, targetProj, null);
  }

  /**
   * {@link #symmetric(Ops, Operand, Operand)} with the sum over pairs divided by {@code pairs}
   * instead of this batch's own pair count (null: the batch's own, i.e. the mean). Data-parallel
   * replicas pass the mean pair count per replica of the whole job, so that the mean of their
   * gradients is the gradient of the mean over every pair of the global batch even when replicas
   * hold different numbers of pairs (SCRL drops images without valid boxes).
   */
  public static Symmetric symmetric(Ops tf, Operand<TFloat32> pred, Operand<TFloat32> targetProj,
      Operand<TFloat32> pairs) {
    List<Operand<TFloat64>> p = halves(tf, wide(tf, pred));
    List<Operand<TFloat64>> z = halves(tf, wide(tf, tf.stopGradient(targetProj)));
    Operand<TFloat64> termsV1 = terms64(tf, p.get(0), z.get(1));
    Operand<TFloat64> termsV2 = terms64(tf, p.get(1), z.get(0));
    Operand<TFloat64> perPair = tf.math.add(termsV1, termsV2);
    Operand<TFloat64> loss = pairs == null
        ? tf.math.mean(perPair, tf.constant(0))
        : tf.math.div(tf.reduceSum(perPair, tf.constant(0)), wide(tf, tf.stopGradient(pairs)));
    return new Symmetric(narrow(tf, loss), narrow(tf, termsV1), narrow(tf, termsV2));
  }

  private static Operand<TFloat64> l2Normalize64(Ops tf, Operand<TFloat64> x) {
    Operand<TFloat64> sumSquares =
        tf.reduceSum(tf.math.square(x), tf.constant(new int[] {1}), ReduceSum.keepDims(true));
    return tf.math.mul(x, tf.math.rsqrt(tf.math.maximum(sumSquares, tf.constant(MIN_NORM_SQUARED))));
  }

  private static Operand<TFloat64> terms64(Ops tf, Operand<TFloat64> p, Operand<TFloat64> z) {
    Operand<TFloat64> cosine = tf.reduceSum(
        tf.math.mul(l2Normalize64(tf, p), l2Normalize64(tf, z)), tf.constant(new int[] {1}));
    return tf.math.sub(tf.constant(2.0), tf.math.mul(tf.constant(2.0), cosine));
  }

  private static Operand<TFloat64> wide(Ops tf, Operand<TFloat32> x) {
    return tf.dtypes.cast(x, TFloat64.class);
  }

  private static Operand<TFloat32> narrow(Ops tf, Operand<TFloat64> x) {
    return tf.dtypes.cast(x, TFloat32.class);
  }

  private static List<Operand<TFloat64>> halves(Ops tf, Operand<TFloat64> rows) {
    Split<TFloat64> split = tf.split(tf.constant(0), rows, 2L);
    return List.of(split.output().get(0), split.output().get(1));
  }
}

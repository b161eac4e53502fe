package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Per-channel sums and means of a float32 tensor ([..., C], channels last) accumulated in float64,
 * as torch's CPU batch norm accumulates its statistics and its backward sums. TF's float32
 * reduction over N*H*W adds each channel's values in one long sequence and ends about ten times
 * further from the exact moments than torch over a ResNet-50 step.
 *
 * <p>A rank-4 input is first summed along W in float32 (one image row: 7 to 112 values in a
 * ResNet-50 at 224 px), and those row sums are added in float64 and rounded once. The row sums'
 * rounding leaves the result within one ulp of the exact value rounded once (Float64ReductionTest),
 * and it makes the float64 part cheap: x is read once, by a float32 reduction, and only a tensor W
 * times smaller is cast to float64. (Casting all of x to float64 first cost 12 % of a ResNet-50
 * SCRL step: 4.52 s against 3.96 s, `bench --what step --profile`.)
 *
 * <p>Nothing differentiates these sums: batch norm's statistics come from stopGradient(x)
 * ({@link BatchMoments}) and its registered gradient ({@link BatchNorm}) calls them on dy.
 */
public final class Float64Reduction {
  private Float64Reduction() {}

  /** Per-channel sum over every axis but the last. */
  public static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> x) {
    return sum(tf, x, ChannelsLast.of(x));
  }

  /** {@link #sum(Ops, Operand)} of a tensor of the given layout, without reading its shape. */
  public static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> x, ChannelsLast layout) {
    return tf.dtypes.cast(sum64(tf, rowSums(tf, x, layout), layout), TFloat32.class);
  }

  /** Per-channel mean over every axis but the last, accumulated and divided in float64. */
  public static Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x) {
    ChannelsLast layout = ChannelsLast.of(x);
    Operand<TFloat64> count =
        tf.math.div(tf.dtypes.cast(tf.size(x), TFloat64.class), tf.constant((double) layout.channels()));
    return tf.dtypes.cast(tf.math.div(sum64(tf, rowSums(tf, x, layout), layout), count), TFloat32.class);
  }

  /** TF's own float32 per-channel sum, for the float32 option of {@link BatchMoments}. */
  public static Operand<TFloat32> sum32(Ops tf, Operand<TFloat32> x, ChannelsLast layout) {
    return tf.reduceSum(x, allButLast(tf, layout.rank()));
  }

  /** TF's own float32 per-channel mean. */
  public static Operand<TFloat32> mean32(Ops tf, Operand<TFloat32> x) {
    return tf.math.mean(x, allButLast(tf, ChannelsLast.of(x).rank()));
  }

  /**
   * A rank-4 input's sums along W (one image row, at most a few hundred values) in float32; other
   * ranks unchanged. The cast to float64 then touches a tensor W times smaller than x.
   */
  private static Operand<TFloat32> rowSums(Ops tf, Operand<TFloat32> x, ChannelsLast layout) {
    return layout.sumsRowsFirst() ? tf.reduceSum(x, tf.constant(layout.rank() - 2)) : x;
  }

  /** The float64 sum over all but the last axis of {@code rows} (x's rank, or one less after the row sums). */
  private static Operand<TFloat64> sum64(Ops tf, Operand<TFloat32> rows, ChannelsLast layout) {
    int rank = layout.sumsRowsFirst() ? layout.rank() - 1 : layout.rank();
    return tf.reduceSum(tf.dtypes.cast(rows, TFloat64.class), allButLast(tf, rank));
  }

  private static Operand<TInt32> allButLast(Ops tf, int rank) {
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    return tf.constant(axes);
  }
}

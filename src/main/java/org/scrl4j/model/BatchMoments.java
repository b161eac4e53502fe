package org.scrl4j.model;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Where training-mode batch norm takes its per-channel reductions from: the batch moments of the
 * forward pass and the two sums of its backward pass. {@link #local(boolean)} reduces over this
 * replica's batch; {@link #crossReplica(CrossReplicaSum, boolean)} adds every replica's local sums,
 * so each BN layer sees the global batch (synchronised batch norm). Both accumulate in float64 when
 * asked, as torch's CPU batch norm does.
 *
 * <p>No gradient flows through these reductions: {@link BatchNorm}'s registered gradient is the
 * whole training-mode derivative, statistics included (torch's formula), and it asks
 * {@link #sums} for the global sums it needs.
 */
public interface BatchMoments {

  /**
   * Per-channel mean and biased variance of x, the number of values per channel (a scalar), and x
   * centred on the mean, {@code x - mean}, from which the variance was taken and which batch norm
   * scales and its backward pass reads: one tensor the size of x serves all three.
   */
  record Moments(Operand<TFloat32> mean, Operand<TFloat32> variance, Operand<TFloat32> count,
      Operand<TFloat32> centred) {}

  /**
   * Per-channel sums over this replica's batch ({@code local}) and over the whole batch of every
   * replica ({@code global}, the same tensors with one replica), and the whole batch's number of
   * values per channel.
   */
  record Sums(List<Operand<TFloat32>> local, List<Operand<TFloat32>> global, Operand<TFloat32> count) {}

  /** Sums a tensor over all replicas (e.g. a CollectiveReduceV2 with merge "Add"); identity on one. */
  @FunctionalInterface
  interface CrossReplicaSum {
    Operand<TFloat32> sum(Ops tf, Operand<TFloat32> local);
  }

  /** Moments of {@code x} ([..., C], channels last) over every axis but the last; they carry no gradient. */
  Moments compute(Ops tf, Operand<TFloat32> x);

  /**
   * Per-channel sums of each of {@code xs} (all of {@code layout}, the batch-norm input's) over the
   * whole batch. Called from a gradient function, so it must not read shapes.
   */
  Sums sums(Ops tf, List<Operand<TFloat32>> xs, ChannelsLast layout);

  /** Local moments and sums accumulated in float64, as torch's CPU batch norm accumulates them. */
  BatchMoments LOCAL = local(true);

  /**
   * Two-pass moments of this replica's batch (the mean, then the mean squared deviation from it)
   * and the backward pass's sums; with {@code float64} each is accumulated in float64 and rounded
   * once ({@link Float64Reduction}), otherwise summed by TF in float32 (faster on GPUs, less exact).
   */
  static BatchMoments local(boolean float64) {
    return float64 ? Local.FLOAT64 : Local.FLOAT32;
  }

  /**
   * Moments of the global batch from a cross-replica sum, in two exact passes (two reductions of
   * C+1 and C floats per BN layer): the global mean, then the global sum of squared deviations from
   * it, so no E[x^2]-E[x]^2 cancellation. The backward pass's two sums and the count travel in one
   * reduction of 2C+1 floats. Local sums are accumulated in float64 when {@code float64}; the
   * collectives carry float32.
   */
  static BatchMoments crossReplica(CrossReplicaSum allSum, boolean float64) {
    return new CrossReplica(allSum, float64);
  }

  /** {@link #crossReplica(CrossReplicaSum, boolean)} in float64. */
  static BatchMoments crossReplica(CrossReplicaSum allSum) {
    return crossReplica(allSum, true);
  }

  /** Number of values per channel: size(x) / C, as a float scalar (the batch size may be dynamic). */
  static Operand<TFloat32> valuesPerChannel(Ops tf, Operand<TFloat32> x) {
    return valuesPerChannel(tf, x, ChannelsLast.of(x));
  }

  /** {@link #valuesPerChannel(Ops, Operand)} of a tensor of the given layout, without reading its shape. */
  static Operand<TFloat32> valuesPerChannel(Ops tf, Operand<TFloat32> x, ChannelsLast layout) {
    return tf.math.div(tf.dtypes.cast(tf.size(x), TFloat32.class), tf.constant((float) layout.channels()));
  }

  /** This replica's per-channel sum of x, in float64 and rounded once, or in TF's float32. */
  static Operand<TFloat32> localSum(Ops tf, Operand<TFloat32> x, ChannelsLast layout, boolean float64) {
    return float64 ? Float64Reduction.sum(tf, x, layout) : Float64Reduction.sum32(tf, x, layout);
  }

  /** The moments of one replica's batch. */
  enum Local implements BatchMoments {
    FLOAT64(true), FLOAT32(false);

    private final boolean float64;

    Local(boolean float64) {
      this.float64 = float64;
    }

    @Override
    public Moments compute(Ops tf, Operand<TFloat32> x) {
      Operand<TFloat32> values = tf.stopGradient(x);
      Operand<TFloat32> mean = float64 ? Float64Reduction.mean(tf, values) : Float64Reduction.mean32(tf, values);
      Operand<TFloat32> centred = tf.math.sub(values, mean);
      Operand<TFloat32> deviations = tf.math.square(centred);
      Operand<TFloat32> variance = float64 ? Float64Reduction.mean(tf, deviations) : Float64Reduction.mean32(tf, deviations);
      return new Moments(mean, variance, valuesPerChannel(tf, values), centred);
    }

    @Override
    public Sums sums(Ops tf, List<Operand<TFloat32>> xs, ChannelsLast layout) {
      List<Operand<TFloat32>> out = new ArrayList<>();
      for (Operand<TFloat32> x : xs) {
        out.add(localSum(tf, x, layout, float64));
      }
      return new Sums(out, out, valuesPerChannel(tf, xs.get(0), layout));
    }
  }

  /** Synchronised batch norm: every reduction is this replica's local sum, then summed over replicas. */
  record CrossReplica(CrossReplicaSum allSum, boolean float64) implements BatchMoments {
    @Override
    public Moments compute(Ops tf, Operand<TFloat32> x) {
      Operand<TFloat32> values = tf.stopGradient(x);
      ChannelsLast layout = ChannelsLast.of(x);
      Sums first = sums(tf, List.of(values), layout);
      Operand<TFloat32> mean = tf.math.div(first.global().get(0), first.count());
      Operand<TFloat32> centred = tf.math.sub(values, mean);
      Operand<TFloat32> sq = allSum.sum(tf, localSum(tf, tf.math.square(centred), layout, float64));
      return new Moments(mean, tf.math.div(sq, first.count()), first.count(), centred);
    }

    @Override
    public Sums sums(Ops tf, List<Operand<TFloat32>> xs, ChannelsLast layout) {
      long channels = layout.channels();
      List<Operand<TFloat32>> local = new ArrayList<>();
      for (Operand<TFloat32> x : xs) {
        local.add(localSum(tf, x, layout, float64));
      }
      List<Operand<TFloat32>> sent = new ArrayList<>(local);
      sent.add(tf.reshape(valuesPerChannel(tf, xs.get(0), layout), tf.constant(new int[] {1})));
      Operand<TFloat32> global = allSum.sum(tf, tf.concat(sent, tf.constant(0)));
      List<Operand<TFloat32>> out = new ArrayList<>();
      for (int i = 0; i < xs.size(); i++) {
        out.add(tf.slice(global, tf.constant(new int[] {(int) (i * channels)}), tf.constant(new int[] {(int) channels})));
      }
      Operand<TFloat32> count = tf.reshape(tf.slice(global, tf.constant(new int[] {(int) (xs.size() * channels)}),
          tf.constant(new int[] {1})), tf.constant(new int[0]));
      return new Sums(local, out, count);
    }
  }
}

package org.scrl4j.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * torch BatchNorm1d/2d: y = (x - mean) * gamma / sqrt(var + eps) + beta, channels last (BN2d on
 * NHWC reduces over N*H*W, BN1d on [N, C] over N), eps 1e-5, running statistics with momentum 0.1
 * and the unbiased variance (n/(n-1)), normalisation with the biased one.
 *
 * <p>Training mode computes what torch's CPU kernel computes:
 * <ul>
 *   <li>forward: the batch moments from {@link BatchMoments} (accumulated in float64, local or
 *       synchronised across replicas), then c = x - mean and y = c * (gamma / sigma) + beta,
 *       centred before the multiply (the folded x * scale + shift cancels when |mean| >> sigma);</li>
 *   <li>backward ({@link #gradient}), with s1 = sum dy and s2 = sum dy*c over the batch
 *       (float64-accumulated):
 *       <pre>dbeta = s1,  dgamma = s2 / sigma,  dx = (dy - s1/n - c * s2/(n sigma^2)) * gamma / sigma;</pre>
 *       synchronised, dx takes the sums and n of every replica's batch (one all-reduce of 2C+1
 *       floats per layer), dgamma and dbeta this replica's own, as torch's SyncBatchNorm does.</li>
 * </ul>
 * The forward ops read stopGradient(x), and y leaves through an IdentityN carrying x, c, gamma,
 * beta and 1/sigma, whose gradient (registered here: TF has none for IdentityN) is the
 * formula above. Why not TF's autodiff of the forward ops: its gradient of each per-channel
 * broadcast is a float32 Sum over N*H*W in one long sequence where torch sums in double, its
 * variance path costs a broadcast, a multiply and a 2-input AddN per layer, and the formula lives
 * nowhere a reader can find it. The backward pass reads c and dy only, so batch norm keeps one
 * tensor the size of x per layer for it, as before.
 *
 * <p>In mixed precision training-mode batch norm is {@link FusedBatchNorm} instead.
 */
public final class BatchNorm {
  public static final float EPS = 1e-5f;
  public static final double MOMENTUM = 0.1;

  /** The op that carries training-mode batch norm's gradient ({@link #gradient}). */
  static final String CARRIER = "IdentityN";
  /** Attribute naming the {@link BatchMoments} a carrier's statistics came from. */
  static final String MOMENTS_ATTR = "_scrl_bn_moments";
  /** Attributes with the layout ({@link ChannelsLast}) of x: a gradient function cannot read shapes. */
  static final String RANK_ATTR = "_scrl_bn_rank";
  static final String ROW_ATTR = "_scrl_bn_row_length";
  static final String CHANNELS_ATTR = "_scrl_bn_channels";

  // carrier inputs
  private static final int Y = 0;
  private static final int X = 1;
  private static final int CENTRED = 2;
  private static final int GAMMA = 3;
  private static final int BETA = 4;
  private static final int INV_STD = 5;

  private static final Map<String, BatchMoments> MOMENTS = new ConcurrentHashMap<>();
  private static final Map<BatchMoments, String> MOMENTS_IDS = new ConcurrentHashMap<>();
  private static final AtomicLong NEXT_ID = new AtomicLong();
  private static final boolean GRADIENT_REGISTERED =
      TensorFlow.registerCustomGradient(CARRIER, BatchNorm::gradient);

  private BatchNorm() {}

  /** Normalises {@code x}; in training mode also registers the running-stat updates in {@code ctx}. */
  public static Operand<TFloat32> apply(ForwardContext ctx, Operand<TFloat32> x, ParamStore.BatchNormParams p) {
    if (ctx.training() && ctx.fusedBatchNorm()) {
      return FusedBatchNorm.apply(ctx, x, p);
    }
    Ops tf = ctx.tf();
    if (!ctx.training()) {
      Operand<TFloat32> scale = tf.math.mul(p.gamma().value(),
          tf.math.rsqrt(tf.math.add(p.runningVar().value(), tf.constant(EPS))));
      return tf.math.add(tf.math.mul(tf.math.sub(x, p.runningMean().value()), scale), p.beta().value());
    }
    if (!GRADIENT_REGISTERED) {
      throw new IllegalStateException("TensorFlow already has a gradient for " + CARRIER
          + "; training-mode batch norm needs its own");
    }
    BatchMoments moments = ctx.moments();
    BatchMoments.Moments m = moments.compute(tf, x);
    Operand<TFloat64> n = wide(tf, m.count());
    Operand<TFloat64> unbiased = tf.math.mul(wide(tf, m.variance()), tf.math.div(n, tf.math.sub(n, tf.constant(1.0))));
    ctx.addUpdate(tf.assign(p.runningMean().variable(), movingAverage(tf, p.runningMean().value(), wide(tf, m.mean()))));
    ctx.addUpdate(tf.assign(p.runningVar().variable(), movingAverage(tf, p.runningVar().value(), unbiased)));

    Operand<TFloat32> gamma = p.gamma().value();
    Operand<TFloat32> beta = p.beta().value();
    Operand<TFloat32> invStd = tf.math.rsqrt(tf.math.add(m.variance(), tf.constant(EPS)));
    Operand<TFloat32> scale = tf.math.mul(tf.stopGradient(gamma), invStd);
    Operand<TFloat32> y = tf.math.add(tf.math.mul(m.centred(), scale), tf.stopGradient(beta));
    ChannelsLast layout = ChannelsLast.of(x);
    // y, c and 1/sigma enter through stopGradient, so the gradient's zeros for them end at the
    // carrier and TF builds no backward ops into the forward arithmetic (they would never run)
    Operation carrier = tf.scope().opBuilder(CARRIER, "BatchNorm")
        .addInputList(new Output<?>[] {tf.stopGradient(y).asOutput(), x.asOutput(),
            tf.stopGradient(m.centred()).asOutput(), gamma.asOutput(), beta.asOutput(),
            tf.stopGradient(invStd).asOutput()})
        .setAttr(MOMENTS_ATTR, idOf(moments))
        .setAttr(RANK_ATTR, (long) layout.rank())
        .setAttr(ROW_ATTR, layout.rowLength())
        .setAttr(CHANNELS_ATTR, layout.channels())
        .build();
    return carrier.output(Y);
  }

  /**
   * The gradient of a carrier: for batch norm's, the training-mode derivative with respect to x,
   * gamma and beta through the batch statistics (the class comment's formula; the other inputs get
   * zeros, nothing reads them); for any other IdentityN, each output's gradient to its input.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> upstream) {
    List<Operand<?>> grads = new ArrayList<>();
    if (!hasAttr(op, MOMENTS_ATTR)) {
      for (int i = 0; i < op.numInputs(); i++) {
        grads.add(upstream.get(i) != null ? upstream.get(i) : tf.zerosLike((Operand) op.input(i)));
      }
      return grads;
    }
    Operand<TFloat32> dy = (Operand<TFloat32>) upstream.get(Y);
    Operand<TFloat32> centred = (Operand<TFloat32>) op.input(CENTRED);
    Operand<TFloat32> gamma = (Operand<TFloat32>) op.input(GAMMA);
    Operand<TFloat32> invStd = (Operand<TFloat32>) op.input(INV_STD);
    ChannelsLast layout = new ChannelsLast((int) op.attributes().getAttrInt(RANK_ATTR),
        op.attributes().getAttrInt(ROW_ATTR), op.attributes().getAttrInt(CHANNELS_ATTR));
    BatchMoments.Sums s = momentsOf(op).sums(tf, List.of(dy, tf.math.mul(dy, centred)), layout);

    // dx takes the whole batch's sums (the statistics are the whole batch's); this replica's copies
    // of gamma and beta get this replica's share, which the gradient all-reduce then combines
    Operand<TFloat32> meanDy = tf.math.div(s.global().get(0), s.count());
    Operand<TFloat32> k = tf.math.div(tf.math.mul(s.global().get(1), tf.math.mul(invStd, invStd)), s.count());
    Operand<TFloat32> dx = tf.math.mul(tf.math.sub(tf.math.sub(dy, meanDy), tf.math.mul(centred, k)),
        tf.math.mul(invStd, gamma));
    Operand<TFloat32> dgamma = tf.math.mul(s.local().get(1), invStd);
    Operand<TFloat32> dbeta = s.local().get(0);

    for (int i = 0; i < op.numInputs(); i++) {
      grads.add(i == X ? dx : i == GAMMA ? dgamma : i == BETA ? dbeta : tf.zerosLike((Operand) op.input(i)));
    }
    return grads;
  }

  private static boolean hasAttr(GraphOperation op, String name) {
    try {
      op.attributes().getAttrString(name);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static String idOf(BatchMoments moments) {
    return MOMENTS_IDS.computeIfAbsent(moments, m -> {
      String id = "moments" + NEXT_ID.getAndIncrement();
      MOMENTS.put(id, m);
      return id;
    });
  }

  private static BatchMoments momentsOf(GraphOperation op) {
    String id = op.attributes().getAttrString(MOMENTS_ATTR);
    BatchMoments m = MOMENTS.get(id);
    if (m == null) {
      throw new IllegalStateException("batch norm " + op.name() + " names moments '" + id + "' that this process did not build");
    }
    return m;
  }

  /** The running-stat update in float64, rounded once (torch updates them in double, with momentum 0.1 not 0.1f). */
  static Operand<TFloat32> movingAverage(Ops tf, Operand<TFloat32> running, Operand<TFloat64> batch) {
    Operand<TFloat64> updated = tf.math.add(
        tf.math.mul(wide(tf, running), tf.constant(1 - MOMENTUM)), tf.math.mul(batch, tf.constant(MOMENTUM)));
    return tf.dtypes.cast(updated, TFloat32.class);
  }

  static Operand<TFloat64> wide(Ops tf, Operand<TFloat32> x) {
    return tf.dtypes.cast(tf.stopGradient(x), TFloat64.class);
  }
}

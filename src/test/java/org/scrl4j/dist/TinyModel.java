package org.scrl4j.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.scrl4j.model.BatchMoments;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A two-layer regression MLP with a synchronised batch norm, trained by plain SGD, for checking
 * data-parallel training against one process on the global batch:
 * pred = relu(bn(x W1 + b1)) W2 + b2, loss = mean((pred - y)^2).
 */
final class TinyModel implements AutoCloseable {
  static final int IN = 5;
  static final int HIDDEN = 8;
  static final int GLOBAL_BATCH = 16;
  static final float LR = 0.1f;
  static final float BN_MOMENTUM = 0.1f;

  final Graph graph = new Graph();
  final Session session;
  final List<Variable<TFloat32>> params = new ArrayList<>();
  final List<Variable<TFloat32>> runningStats = new ArrayList<>();
  final Placeholder<TFloat32> x;
  final Placeholder<TFloat32> y;
  final Op train;
  final Op broadcast;
  final Operand<TInt64> correctSum;

  /** Builds the graph; each rank starts from its own random init (seed + rank) until broadcast. */
  TinyModel(DistContext ctx, long initSeed) {
    Ops tf = ctx.place(Ops.create(graph));
    Collectives coll = ctx.collectives(tf);
    Random rnd = new Random(initSeed);
    Variable<TFloat32> w1 = param(tf, rnd, IN, HIDDEN);
    Variable<TFloat32> b1 = param(tf, rnd, HIDDEN);
    Variable<TFloat32> gamma = param(tf, rnd, HIDDEN);
    Variable<TFloat32> beta = param(tf, rnd, HIDDEN);
    Variable<TFloat32> w2 = param(tf, rnd, HIDDEN, 1);
    Variable<TFloat32> b2 = param(tf, rnd, 1);
    Variable<TFloat32> runMean = tf.variable(tf.zeros(tf.constant(new long[] {HIDDEN}), TFloat32.class));
    Variable<TFloat32> runVar = tf.variable(tf.ones(tf.constant(new long[] {HIDDEN}), TFloat32.class));
    runningStats.add(runMean);
    runningStats.add(runVar);

    x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, IN)));
    y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1)));
    List<Operand<TFloat32>> reads = new ArrayList<>();
    for (Variable<TFloat32> p : params) {
      reads.add(tf.identity(p));
    }
    Operand<TFloat32> h = tf.math.add(tf.linalg.matMul(x, reads.get(0)), reads.get(1));
    BatchMoments.Moments m = ctx.syncBnMoments().compute(tf, h);
    Operand<TFloat32> normed = tf.math.div(tf.math.sub(h, m.mean()),
        tf.math.sqrt(tf.math.add(m.variance(), tf.constant(1e-5f))));
    Operand<TFloat32> a = tf.nn.relu(tf.math.add(tf.math.mul(normed, reads.get(2)), reads.get(3)));
    Operand<TFloat32> pred = tf.math.add(tf.linalg.matMul(a, reads.get(4)), reads.get(5));
    Operand<TFloat32> loss = tf.math.mean(tf.math.square(tf.math.sub(pred, y)), tf.constant(new int[] {0, 1}));

    List<Operand<TFloat32>> grads = new ArrayList<>();
    var g = tf.gradients(loss, reads);
    for (int i = 0; i < reads.size(); i++) {
      grads.add(g.<TFloat32>dy(i));
    }
    // Small buckets so the six gradients travel in several all-reduces, as ResNet's would.
    List<Operand<TFloat32>> avg = coll.withBucketBytes(4 * 48).allReduceMean(grads);
    List<Op> updates = new ArrayList<>();
    // Reads of ref variables alias their buffers: no update may start before every gradient is done.
    Ops afterGrads = tf.withControlDependencies(avg.stream().map(g2 -> (Op) g2).toList());
    for (int i = 0; i < params.size(); i++) {
      updates.add(afterGrads.assignSub(params.get(i), tf.math.mul(tf.constant(LR), avg.get(i))));
    }
    Operand<TFloat32> unbiased = tf.math.mul(m.variance(),
        tf.math.div(m.count(), tf.math.sub(m.count(), tf.constant(1f))));
    updates.add(afterGrads.assign(runMean, ema(tf, runMean, m.mean())));
    updates.add(afterGrads.assign(runVar, ema(tf, runVar, unbiased)));
    train = tf.withControlDependencies(updates).noOp();

    List<Variable<TFloat32>> all = new ArrayList<>(params);
    all.addAll(runningStats);
    broadcast = coll.assignFromChief(all);
    // Evaluation-style count: rows whose prediction is within 0.5 of the target, summed over ranks.
    Operand<TInt64> correct = tf.reduceSum(tf.dtypes.cast(
        tf.math.less(tf.math.abs(tf.math.sub(pred, y)), tf.constant(0.5f)), TInt64.class),
        tf.constant(new int[] {0, 1}));
    correctSum = coll.allReduceSum(correct);

    session = ctx.newSession(graph);
    session.initialize();
  }

  private static Operand<TFloat32> ema(Ops tf, Operand<TFloat32> running, Operand<TFloat32> batch) {
    return tf.math.add(tf.math.mul(tf.constant(1f - BN_MOMENTUM), running),
        tf.math.mul(tf.constant(BN_MOMENTUM), batch));
  }

  private Variable<TFloat32> param(Ops tf, Random rnd, long... dims) {
    Shape s = Shape.of(dims);
    float[] v = new float[(int) s.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextGaussian() * 0.5);
    }
    Variable<TFloat32> var = tf.variable(tf.constant(s, DataBuffers.of(v)));
    params.add(var);
    return var;
  }

  /** Rows [from, to) of the deterministic global batch of a step: inputs. */
  static float[][] inputs(int step, int from, int to) {
    Random rnd = new Random(1000 + step);
    float[][] rows = new float[GLOBAL_BATCH][IN];
    for (float[] r : rows) {
      for (int j = 0; j < IN; j++) {
        r[j] = (float) rnd.nextGaussian() + 0.3f * j;
      }
    }
    return java.util.Arrays.copyOfRange(rows, from, to);
  }

  /** Targets of the same rows: a fixed nonlinear function of the inputs. */
  static float[][] targets(float[][] xs) {
    float[][] ys = new float[xs.length][1];
    for (int i = 0; i < xs.length; i++) {
      ys[i][0] = (float) Math.sin(xs[i][0]) + 0.5f * xs[i][1] * xs[i][2] - 0.2f * xs[i][4];
    }
    return ys;
  }

  void step(DistContext ctx, float[][] xs) {
    try (TFloat32 xt = TFloat32.tensorOf(org.tensorflow.ndarray.StdArrays.ndCopyOf(xs));
        TFloat32 yt = TFloat32.tensorOf(org.tensorflow.ndarray.StdArrays.ndCopyOf(targets(xs)))) {
      ctx.run(() -> {
        session.runner().feed(x, xt).feed(y, yt).addTarget(train).run().close();
        return null;
      });
    }
  }

  long correct(DistContext ctx, float[][] xs) {
    try (TFloat32 xt = TFloat32.tensorOf(org.tensorflow.ndarray.StdArrays.ndCopyOf(xs));
        TFloat32 yt = TFloat32.tensorOf(org.tensorflow.ndarray.StdArrays.ndCopyOf(targets(xs)))) {
      return ctx.run(() -> {
        try (Result r = session.runner().feed(x, xt).feed(y, yt).fetch(correctSum).run()) {
          return ((TInt64) r.get(0)).getLong();
        }
      });
    }
  }

  /** Every parameter and running statistic, flattened in a fixed order. */
  float[] weights() {
    Session.Runner runner = session.runner();
    List<Variable<TFloat32>> all = new ArrayList<>(params);
    all.addAll(runningStats);
    for (Variable<TFloat32> v : all) {
      runner.fetch(v);
    }
    List<Float> out = new ArrayList<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < all.size(); i++) {
        TFloat32 t = (TFloat32) r.get(i);
        t.scalars().forEach(s -> out.add(s.getFloat()));
      }
    }
    float[] w = new float[out.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = out.get(i);
    }
    return w;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}

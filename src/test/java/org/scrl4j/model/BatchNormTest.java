package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class BatchNormTest {

  // BN1d over 4 rows, 2 channels: channel 0 = {1,2,3,6} (mean 3, biased var 3.5, unbiased 14/3),
  // channel 1 = {0,0,4,4} (mean 2, biased var 4, unbiased 16/3)
  private static final float[] X = {1, 0, 2, 0, 3, 4, 6, 4};

  @Test
  void trainingNormalisesWithBatchStatsAndUpdatesRunningStats() {
    java.util.List<java.util.function.Function<Ops, ForwardContext>> contexts = java.util.List.of(
        tf -> ForwardContext.training(tf, BatchMoments.LOCAL),
        tf -> ForwardContext.training(tf, BatchMoments.crossReplica((t, x) -> x)),
        ForwardContext::trainingFused);
    for (var context : contexts) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        ParamStore store = new ParamStore(tf);
        ParamStore.BatchNormParams p = store.batchNorm("h", "bn", 2);
        ForwardContext ctx = context.apply(tf);
        Operand<TFloat32> y = BatchNorm.apply(ctx, tf.constant(new float[][] {{1, 0}, {2, 0}, {3, 4}, {6, 4}}), p);
        store.initialize(s, 0);
        store.write(s, Map.of("h/bn.weight", new float[] {2, 1}, "h/bn.bias", new float[] {0.5f, -1},
            "h/bn.running_mean", new float[] {1, 1}, "h/bn.running_var", new float[] {2, 2}));
        Session.Runner r = s.runner().fetch(y);
        ctx.bnUpdates().forEach(r::addTarget);
        float[] out;
        try (Result res = r.run()) {
          out = TensorValues.floats(res.get(0));
        }
        double s0 = 1 / Math.sqrt(3.5 + 1e-5);
        double s1 = 1 / Math.sqrt(4 + 1e-5);
        float[] want = new float[8];
        for (int i = 0; i < 4; i++) {
          want[2 * i] = (float) ((X[2 * i] - 3) * s0 * 2 + 0.5);
          want[2 * i + 1] = (float) ((X[2 * i + 1] - 2) * s1 - 1);
        }
        assertArrayEquals(want, out, 1e-5f);
        assertArrayEquals(new float[] {0.9f + 0.3f, 0.9f + 0.2f}, store.read(s, p.runningMean()), 1e-6f);
        assertArrayEquals(new float[] {1.8f + 1.4f / 3, 1.8f + 1.6f / 3}, store.read(s, p.runningVar()), 1e-6f);
        assertEquals(2, ctx.bnUpdates().size());
      }
    }
  }

  @Test
  void inferenceUsesRunningStatsOverNhwc() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      ParamStore store = new ParamStore(tf);
      ParamStore.BatchNormParams p = store.batchNorm("b", "bn1", 2);
      ForwardContext ctx = ForwardContext.inference(tf);
      // [1,2,1,2] NHWC
      Operand<TFloat32> y = BatchNorm.apply(ctx, tf.constant(new float[][][][] {{{{1, 2}}, {{3, 4}}}}), p);
      store.initialize(s, 0);
      store.write(s, Map.of("b/bn1.running_mean", new float[] {1, -1}, "b/bn1.running_var", new float[] {4, 0.25f},
          "b/bn1.bias", new float[] {0, 10}));
      try (Result res = s.runner().fetch(y).run()) {
        float[] out = TensorValues.floats(res.get(0));
        double a = 1 / Math.sqrt(4 + 1e-5);
        double b = 1 / Math.sqrt(0.25 + 1e-5);
        assertArrayEquals(new float[] {0, (float) (3 * b + 10), (float) (2 * a), (float) (5 * b + 10)}, out, 1e-5f);
      }
      assertEquals(0, ctx.bnUpdates().size());
    }
  }

  /**
   * The fused kernel (mixed precision's batch norm) has the plain-op form's gradients for x, gamma
   * and beta, and the same running statistics (so batch_variance is the unbiased variance), over
   * NHWC and over [N, C] (BN1d): float32 rounding apart, measured norm-relative differences at most
   * 4.3e-7 with TF's CPU kernels (running_var bit-equal); bound 1e-5, far below any formula slip.
   */
  @Test
  void fusedKernelHasThePlainFormsGradients() {
    for (long[] dims : new long[][] {{2, 3, 2, 3}, {6, 3}}) {
      float[][][] grads = new float[2][][];
      for (int v = 0; v < 2; v++) {
        try (Graph g = new Graph(); Session s = new Session(g)) {
          Ops tf = Ops.create(g);
          ParamStore store = new ParamStore(tf);
          ParamStore.BatchNormParams p = store.batchNorm("b", "bn", 3);
          Operand<TFloat32> x = tf.math.add(tf.random.statelessRandomNormal(tf.constant(dims),
              tf.constant(new long[] {5, 6})), tf.constant(4f));
          Operand<TFloat32> w = tf.random.statelessRandomNormal(tf.constant(dims), tf.constant(new long[] {7, 8}));
          ForwardContext ctx = v == 0 ? ForwardContext.training(tf) : ForwardContext.trainingFused(tf);
          Operand<TFloat32> y = BatchNorm.apply(ctx, x, p);
          int[] axes = new int[dims.length];
          for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
          }
          Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(y, w), tf.constant(axes));
          org.tensorflow.Output<?>[] d = g.addGradients(loss.asOutput(), new org.tensorflow.Output<?>[] {
              x.asOutput(), p.gamma().value().asOutput(), p.beta().value().asOutput()});
          store.initialize(s, 0);
          store.write(s, Map.of("b/bn.weight", new float[] {1.5f, -0.5f, 2f}));
          Session.Runner r = s.runner().fetch(y).fetch(d[0]).fetch(d[1]).fetch(d[2]);
          ctx.bnUpdates().forEach(r::addTarget);
          try (Result res = r.run()) {
            grads[v] = new float[][] {TensorValues.floats(res.get(0)), TensorValues.floats(res.get(1)),
                TensorValues.floats(res.get(2)), TensorValues.floats(res.get(3))};
          }
          grads[v] = java.util.Arrays.copyOf(grads[v], 6);
          grads[v][4] = store.read(s, p.runningMean());
          grads[v][5] = store.read(s, p.runningVar());
        }
      }
      String[] what = {"y", "dx", "dgamma", "dbeta", "running_mean", "running_var"};
      for (int k = 0; k < what.length; k++) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < grads[0][k].length; i++) {
          diff += Math.pow(grads[0][k][i] - grads[1][k][i], 2);
          norm += Math.pow(grads[0][k][i], 2);
        }
        double rel = Math.sqrt(diff / norm);
        org.junit.jupiter.api.Assertions.assertTrue(norm > 1e-6 && rel < 1e-5,
            java.util.Arrays.toString(dims) + " " + what[k] + ": norm-relative difference " + rel);
      }
    }
  }

  /** The synchronised path with a one-replica sum has the same input gradient as the local one. */
  @Test
  void crossReplicaGradientMatchesLocal() {
    float[][] grads = new float[2][];
    BatchMoments[] variants = {BatchMoments.LOCAL, BatchMoments.crossReplica((tf, x) -> tf.identity(x))};
    for (int v = 0; v < 2; v++) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        ParamStore store = new ParamStore(tf);
        ParamStore.BatchNormParams p = store.batchNorm("b", "bn", 3);
        Operand<TFloat32> x = tf.math.add(tf.random.statelessRandomNormal(tf.constant(new long[] {2, 3, 2, 3}),
            tf.constant(new long[] {5, 6})), tf.constant(4f));
        Operand<TFloat32> w = tf.random.statelessRandomNormal(tf.constant(new long[] {2, 3, 2, 3}), tf.constant(new long[] {7, 8}));
        Operand<TFloat32> y = BatchNorm.apply(ForwardContext.training(tf, variants[v]), x, p);
        Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(y, w), tf.constant(new int[] {0, 1, 2, 3}));
        org.tensorflow.Output<?>[] dx = g.addGradients(loss.asOutput(), new org.tensorflow.Output<?>[] {x.asOutput()});
        store.initialize(s, 0);
        store.write(s, Map.of("b/bn.weight", new float[] {1.5f, -0.5f, 2f}));
        try (Result res = s.runner().fetch(dx[0]).run()) {
          grads[v] = TensorValues.floats(res.get(0));
        }
      }
    }
    double norm = 0;
    for (float f : grads[0]) {
      norm += f * f;
    }
    org.junit.jupiter.api.Assertions.assertTrue(norm > 1e-3, "gradient should not vanish");
    assertArrayEquals(grads[0], grads[1], 1e-5f);
  }

  /**
   * d loss/d gamma and d loss/d x against float64 by hand when the channel mean is 30 standard
   * deviations from zero and a channel has 16384 values (a 2x8x32x32 activation). The folded form
   * x*scale + (beta - mean*scale) cancels there: measured norm-relative errors 5.7e-5 (dgamma) and
   * 8.2e-7 (dx); the centred form gives 1.4e-6 and 6.1e-8. The bounds sit ~7x above the centred
   * form's and below the folded form's, so this test fails if the fold comes back.
   */
  @Test
  void gradientsStayFloat32ExactWhenTheMeanDwarfsTheSpread() {
    int n = 16384, c = 4;
    java.util.Random rnd = new java.util.Random(3);
    float[] x = new float[n * c];
    float[] w = new float[n * c];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (30 + rnd.nextGaussian());
      w[i] = (float) rnd.nextGaussian();
    }
    float[] gamma = {1.5f, -0.5f, 2f, 0.7f};
    float[] dgamma;
    float[] dx;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      ParamStore store = new ParamStore(tf);
      ParamStore.BatchNormParams p = store.batchNorm("b", "bn", c);
      Operand<TFloat32> xs = tf.reshape(tf.constant(x), tf.constant(new long[] {n, c}));
      Operand<TFloat32> y = BatchNorm.apply(ForwardContext.training(tf), xs, p);
      Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(y, tf.reshape(tf.constant(w), tf.constant(new long[] {n, c}))),
          tf.constant(new int[] {0, 1}));
      org.tensorflow.Output<?>[] grads = g.addGradients(loss.asOutput(),
          new org.tensorflow.Output<?>[] {p.gamma().value().asOutput(), xs.asOutput()});
      store.initialize(s, 0);
      store.write(s, Map.of("b/bn.weight", gamma));
      try (Result res = s.runner().fetch(grads[0]).fetch(grads[1]).run()) {
        dgamma = TensorValues.floats(res.get(0));
        dx = TensorValues.floats(res.get(1));
      }
    }
    // float64 by hand: xhat = (x - mean)/sigma, dgamma = sum w*xhat,
    // dx = gamma/(n sigma) * (n w - sum w - xhat * sum w*xhat)
    double[] wantDgamma = new double[c];
    double[] wantDx = new double[n * c];
    for (int ch = 0; ch < c; ch++) {
      double mean = 0, var = 0, sumW = 0, sumWXhat = 0;
      for (int i = 0; i < n; i++) {
        mean += x[i * c + ch] / (double) n;
      }
      for (int i = 0; i < n; i++) {
        var += Math.pow(x[i * c + ch] - mean, 2) / n;
      }
      double sigma = Math.sqrt(var + BatchNorm.EPS);
      for (int i = 0; i < n; i++) {
        sumW += w[i * c + ch];
        sumWXhat += w[i * c + ch] * (x[i * c + ch] - mean) / sigma;
      }
      wantDgamma[ch] = sumWXhat;
      for (int i = 0; i < n; i++) {
        double xhat = (x[i * c + ch] - mean) / sigma;
        wantDx[i * c + ch] = gamma[ch] / (n * sigma) * (n * w[i * c + ch] - sumW - xhat * sumWXhat);
      }
    }
    double dgammaError = normRelative(dgamma, wantDgamma);
    double dxError = normRelative(dx, wantDx);
    org.junit.jupiter.api.Assertions.assertTrue(dgammaError < 1e-5, "dgamma norm-relative error " + dgammaError);
    org.junit.jupiter.api.Assertions.assertTrue(dxError < 4e-7, "dx norm-relative error " + dxError);
  }

  private static double normRelative(float[] got, double[] want) {
    double diff = 0, norm = 0;
    for (int i = 0; i < want.length; i++) {
      diff += Math.pow(got[i] - want[i], 2);
      norm += want[i] * want[i];
    }
    return Math.sqrt(diff / norm);
  }

  /**
   * Training-mode batch norm keeps one tensor the size of x for the backward pass, the centred
   * x - mean: the ops that compute the gradients read no other forward tensor of x's size (not x,
   * not the output, not the squared deviations).
   */
  @Test
  void backwardPassKeepsOnlyTheCentredActivation() {
    for (BatchMoments moments : new BatchMoments[] {BatchMoments.LOCAL, BatchMoments.crossReplica((tf, x) -> x)}) {
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        ParamStore store = new ParamStore(tf);
        ParamStore.BatchNormParams p = store.batchNorm("b", "bn", 2);
        Operand<TFloat32> x = tf.withName("x").math.mul(tf.constant(new float[][][][] {{{{1, 0}, {2, 0}}, {{3, 4}, {6, 4}}}}),
            tf.constant(2f));
        Operand<TFloat32> y = BatchNorm.apply(ForwardContext.training(tf, moments), x, p);
        // a loss whose own gradient reads no activation: d/dy of sum(y * w) is w
        Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(y, tf.constant(new float[] {0.5f, -2f})),
            tf.constant(new int[] {0, 1, 2, 3}));
        java.util.Set<String> forward = new java.util.HashSet<>();
        g.operations().forEachRemaining(o -> forward.add(o.name()));
        org.tensorflow.Output<?>[] grads = g.addGradients(loss.asOutput(),
            new org.tensorflow.Output<?>[] {x.asOutput(), p.gamma().value().asOutput()});
        // the backward ops that compute the requested gradients, and the forward tensors they read
        java.util.Set<String> read = new java.util.TreeSet<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Deque<org.tensorflow.GraphOperation> todo = new java.util.ArrayDeque<>();
        for (org.tensorflow.Output<?> d : grads) {
          todo.add((org.tensorflow.GraphOperation) d.op());
        }
        while (!todo.isEmpty()) {
          org.tensorflow.GraphOperation op = todo.pop();
          if (forward.contains(op.name()) || !seen.add(op.name())) {
            continue;
          }
          for (int i = 0; i < op.numInputs(); i++) {
            org.tensorflow.Output<?> in = op.input(i);
            if (!forward.contains(in.op().name())) {
              todo.add((org.tensorflow.GraphOperation) in.op());
            } else if (in.shape().equals(x.shape()) && !op.type().equals("Shape") && !op.type().equals("Size")) {
              // through Identity and StopGradient, which forward the same buffer, to the op that made it
              org.tensorflow.GraphOperation made = (org.tensorflow.GraphOperation) in.op();
              while (made.type().equals("Identity") || made.type().equals("StopGradient")) {
                made = (org.tensorflow.GraphOperation) made.input(0).op();
              }
              read.add(made.name() + " (" + made.type() + ")");
            }
          }
        }
        assertEquals(1, read.size(), "forward tensors of x's size that the backward pass reads: " + read);
        assertTrue(read.iterator().next().endsWith("(Sub)"), "the backward pass should read x - mean, reads " + read);
      }
    }
  }
}

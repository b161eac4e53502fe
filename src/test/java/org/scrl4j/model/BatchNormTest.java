package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
    for (BatchMoments moments : new BatchMoments[] {BatchMoments.LOCAL, BatchMoments.crossReplica((tf, x) -> x)}) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        ParamStore store = new ParamStore(tf);
        ParamStore.BatchNormParams p = store.batchNorm("h", "bn", 2);
        ForwardContext ctx = ForwardContext.training(tf, moments);
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
}

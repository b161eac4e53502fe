package org.scrl4j.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class RegressionLossTest {

  private static float[] run(Graph g, Operand<TFloat32> x) {
    return org.scrl4j.GraphTesting.eval(g, x);
  }

  @Test
  void termsAreTwoMinusTwoCosineAndScaleInvariant() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      // same direction (different scale), opposite, orthogonal, 60 degrees
      Operand<TFloat32> p = tf.constant(new float[][] {{3, 4}, {1, 0}, {0, 2}, {1, 0}});
      Operand<TFloat32> z = tf.constant(new float[][] {{0.3f, 0.4f}, {-5, 0}, {7, 0},
          {0.5f, (float) Math.sqrt(3) / 2}});
      assertArrayEquals(new float[] {0, 4, 2, 1}, run(g, RegressionLoss.terms(tf, p, z)), 1e-6f);
    }
  }

  @Test
  void zeroRowDoesNotProduceNaN() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      float[] t = run(g, RegressionLoss.terms(tf, tf.constant(new float[][] {{0, 0}}),
          tf.constant(new float[][] {{1, 0}})));
      assertEquals(2f, t[0], 0f); // F.normalize maps a zero row to zero, cos = 0
    }
  }

  @Test
  void symmetricPairsFirstHalfWithSecondHalfOfTarget() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      // rows 0,1 = view 1; rows 2,3 = view 2
      Operand<TFloat32> pred = tf.constant(new float[][] {{1, 0}, {0, 1}, {1, 1}, {-1, 0}});
      Operand<TFloat32> z = tf.constant(new float[][] {{1, 1}, {1, 0}, {1, 0}, {0, -1}});
      RegressionLoss.Symmetric s = RegressionLoss.symmetric(tf, pred, z);
      // v1 terms: l(p0, z2) = 0, l(p1, z3) = 4 ; v2 terms: l(p2, z0) = 0, l(p3, z1) = 4
      assertArrayEquals(new float[] {0, 4}, run(g, s.termsV1()), 1e-6f);
      assertArrayEquals(new float[] {0, 4}, run(g, s.termsV2()), 1e-6f);
      assertEquals(4f, run(g, s.loss())[0], 1e-6f);
    }
  }

  @Test
  void replicasWithUnequalPairCountsAverageToTheGlobalMean() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      // global batch: 3 pairs (rows 0..2 view 1, rows 3..5 view 2); replica A holds pair 0, B pairs 1, 2
      float[][] p = {{1, 0}, {0, 1}, {1, 1}, {-1, 0}, {2, 1}, {0, -1}};
      float[][] z = {{1, 1}, {1, 0}, {0, 1}, {1, 0}, {0, -1}, {3, 1}};
      float global = run(g, RegressionLoss.symmetric(tf, tf.constant(p), tf.constant(z)).loss())[0];
      // mean pairs per replica over the job: (1 + 2) / 2
      Operand<TFloat32> perReplica = tf.constant(1.5f);
      float a = run(g, RegressionLoss.symmetric(tf, tf.constant(new float[][] {p[0], p[3]}),
          tf.constant(new float[][] {z[0], z[3]}), perReplica).loss())[0];
      float b = run(g, RegressionLoss.symmetric(tf, tf.constant(new float[][] {p[1], p[2], p[4], p[5]}),
          tf.constant(new float[][] {z[1], z[2], z[4], z[5]}), perReplica).loss())[0];
      assertEquals(global, (a + b) / 2, 1e-6f);
      // the per-replica means would weigh replica A's single pair twice as much
      float meanA = run(g, RegressionLoss.symmetric(tf, tf.constant(new float[][] {p[0], p[3]}),
          tf.constant(new float[][] {z[0], z[3]})).loss())[0];
      float meanB = run(g, RegressionLoss.symmetric(tf, tf.constant(new float[][] {p[1], p[2], p[4], p[5]}),
          tf.constant(new float[][] {z[1], z[2], z[4], z[5]})).loss())[0];
      assertTrue(Math.abs((meanA + meanB) / 2 - global) > 0.1f, "the example must tell the two apart");
    }
  }

  @Test
  void targetReceivesNoGradient() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> pred = tf.constant(new float[][] {{1, 2}, {0, 1}, {1, 1}, {-1, 3}});
      Operand<TFloat32> z = tf.identity(tf.constant(new float[][] {{1, 1}, {1, 0}, {1, 0}, {0, -1}}));
      RegressionLoss.Symmetric s = RegressionLoss.symmetric(tf, pred, z);
      List<Operand<TFloat32>> grads = org.scrl4j.optim.Gradients.of(tf, null, s.loss(), List.of(pred, z));
      float[] dPred = run(g, grads.get(0));
      float[] dZ = run(g, grads.get(1));
      assertTrue(Math.abs(dPred[0]) + Math.abs(dPred[1]) > 1e-3);
      assertArrayEquals(new float[8], dZ, 0f);
    }
  }
}

package org.scrl4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class EvaluatorLossTest {

  private static float scalar(Graph g, Operand<TFloat32> x) {
    try (Session s = new Session(g); Result r = s.runner().fetch(x).run()) {
      return ((TFloat32) r.get(0)).getFloat();
    }
  }

  @Test
  void crossEntropyAndAccuracyMatchHandValues() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> logits = tf.constant(new float[][] {{2, 0, 0}, {0, 1, 0}});
      EvaluatorLoss.Result r = EvaluatorLoss.of(tf, logits, tf.constant(new int[] {0, 2}), 3);
      double ce0 = -Math.log(Math.exp(2) / (Math.exp(2) + 2));
      double ce1 = -Math.log(1 / (Math.E + 2));
      assertEquals((ce0 + ce1) / 2, scalar(g, r.loss()), 1e-6);
      assertEquals(0.5f, scalar(g, r.accuracy()), 0f);
    }
  }

  @Test
  void twoViewsRepeatsLabels() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      // 2 images, 2 views: rows 0,1 view 1, rows 2,3 view 2; identity weights, zero bias
      Operand<TFloat32> feats = tf.identity(tf.constant(new float[][] {{5, 0}, {0, 5}, {5, 0}, {5, 0}}));
      Operand<TFloat32> logits = tf.linalg.matMul(tf.stopGradient(feats), tf.constant(new float[][] {{1, 0}, {0, 1}}));
      EvaluatorLoss.Result r = EvaluatorLoss.twoViews(tf, logits, tf.constant(new long[] {0, 1}), 2);
      assertEquals(0.75f, scalar(g, r.accuracy()), 0f); // row 3 predicts 0, label 1
      double good = Math.log1p(Math.exp(-5)), bad = Math.log1p(Math.exp(5));
      assertEquals((3 * good + bad) / 4, scalar(g, r.loss()), 1e-5);
    }
  }
}

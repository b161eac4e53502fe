package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class ReluTest {
  private static final float[] X = {-2f, -0f, 0f, 1e-30f, -1e-30f, 3f, 0.5f, -7f};
  private static final float[] W = {1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f};

  /** relu's values, and d/dx sum(w * relu(x)) = w * (x > 0), zero at x = 0 as TF's ReluGrad has it. */
  @Test
  void valuesAndGradientAreReluExactly() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.constant(X);
      Operand<TFloat32> y = Relu.apply(tf, x);
      Operand<TFloat32> loss = tf.sum(tf.math.mul(y, tf.constant(W)), tf.constant(0));
      Output<?>[] dx = g.addGradients(loss.asOutput(), new Output<?>[] {x.asOutput()});
      try (Result r = s.runner().fetch(y).fetch(dx[0]).run()) {
        float[] want = new float[X.length];
        float[] wantGrad = new float[X.length];
        for (int i = 0; i < X.length; i++) {
          want[i] = Math.max(X[i], 0f);
          wantGrad[i] = X[i] > 0 ? W[i] : 0f;
        }
        assertArrayEquals(want, TensorValues.floats(r.get(0)), 0f);
        assertArrayEquals(wantGrad, TensorValues.floats(r.get(1)), 0f);
      }
    }
  }

  /** The point of the class: no op of the backward pass reads the ReLU's input, only its output. */
  @Test
  void backwardPassReadsTheOutputNotTheInput() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.withName("x").math.mul(tf.constant(X), tf.constant(2f));
      Operand<TFloat32> y = Relu.apply(tf, x);
      Operand<TFloat32> loss = tf.sum(tf.math.mul(y, tf.constant(W)), tf.constant(0));
      g.addGradients(loss.asOutput(), new Output<?>[] {x.asOutput()});
      GraphOperation forward = (GraphOperation) y.op();
      List<String> readersOfX = new ArrayList<>();
      for (GraphOperation c : ((GraphOperation) x.op()).consumers(0)) {
        if (c.name().startsWith("gradients")) {
          readersOfX.add(c.name() + " (" + c.type() + ")");
        }
      }
      assertEquals(List.of(), readersOfX, "gradient ops that keep the ReLU input alive");
      boolean outputRead = forward.consumers(0).stream()
          .anyMatch(c -> c.name().startsWith("gradients") && c.type().equals("ReluGrad"));
      assertTrue(outputRead, "the backward ReluGrad reads the forward output");
    }
  }

  /** ReluGrad used as itself (g != f) keeps its general derivative: d/dg sum(ReluGrad(g, f)) = (f > 0). */
  @Test
  void reluGradOfOtherTensorsDifferentiatesInItsFirstInput() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> up = tf.constant(W);
      Relu.apply(tf, up); // registers the gradient, as building any model does
      Operand<TFloat32> features = tf.constant(X);
      Operand<TFloat32> y = tf.nn.reluGrad(up, features);
      Operand<TFloat32> loss = tf.sum(tf.math.mul(y, tf.constant(X)), tf.constant(0));
      Output<?>[] d = g.addGradients(loss.asOutput(), new Output<?>[] {up.asOutput()});
      try (Result r = s.runner().fetch(d[0]).run()) {
        float[] want = new float[X.length];
        for (int i = 0; i < X.length; i++) {
          want[i] = X[i] > 0 ? X[i] : 0f;
        }
        assertArrayEquals(want, TensorValues.floats(r.get(0)), 0f);
      }
    }
  }
}

package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class Float64ReductionTest {

  private static final int ROWS = 200_000;
  private static final int CHANNELS = 3;

  /** Columns with a large offset: float32 accumulation drifts, float64 rounds once to the exact mean and sum. */
  @Test
  void valueIsTheFloat64ResultRoundedOnceAndGradientIsTheFloat32One() {
    Random rnd = new Random(11);
    float[] data = new float[ROWS * CHANNELS];
    double[] sum = new double[CHANNELS];
    for (int i = 0; i < ROWS; i++) {
      for (int c = 0; c < CHANNELS; c++) {
        float v = (float) (100 * (c + 1) + rnd.nextGaussian());
        data[i * CHANNELS + c] = v;
        sum[c] += v;
      }
    }
    float[] wantSum = new float[CHANNELS];
    float[] wantMean = new float[CHANNELS];
    for (int c = 0; c < CHANNELS; c++) {
      wantSum[c] = (float) sum[c];
      wantMean[c] = (float) (sum[c] / ROWS);
    }
    try (Graph g = new Graph(); Session s = new Session(g);
        TFloat32 xt = TensorValues.tensor(data, ROWS, CHANNELS)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class);
      Operand<TInt32> axes = tf.constant(new int[] {0});
      Operand<TFloat32> mean = Float64Reduction.mean(tf, x, axes);
      Operand<TFloat32> total = Float64Reduction.sum(tf, x, axes);
      Operand<TFloat32> plainMean = tf.math.mean(x, axes);
      // d/dx of sum_c w_c*(mean_c + sum_c) is w_c*(1/ROWS + 1) in every row
      Operand<TFloat32> w = tf.constant(new float[] {1, -2, 0.5f});
      Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(tf.math.add(mean, total), w), tf.constant(0));
      Output<?>[] dx = g.addGradients(loss.asOutput(), new Output<?>[] {x.asOutput()});
      try (Result r = s.runner().feed(x, xt).fetch(mean).fetch(total).fetch(plainMean).fetch(dx[0]).run()) {
        float[] gotMean = TensorValues.floats(r.get(0));
        float[] plain = TensorValues.floats(r.get(2));
        assertArrayEquals(wantMean, gotMean, 0f);
        assertArrayEquals(wantSum, TensorValues.floats(r.get(1)), 0f);
        // the case is a real test: TensorFlow's float32 mean misses the exact one somewhere
        assertNotEquals(java.util.Arrays.toString(wantMean), java.util.Arrays.toString(plain));
        float[] grad = TensorValues.floats(r.get(3));
        float[] weights = {1, -2, 0.5f};
        for (int i = 0; i < ROWS; i += 997) {
          for (int c = 0; c < CHANNELS; c++) {
            assertEquals(weights[c] * (1f / ROWS + 1f), grad[i * CHANNELS + c], 1e-6f);
          }
        }
      }
    }
  }
}

package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class Float64ReductionTest {

  private static final int CHANNELS = 3;

  /** The value is within one ulp of the exact sum and mean rounded once, where TensorFlow's float32 reduction misses by several. */
  @Test
  void rowsOfAMatrixGiveTheExactResultRoundedOnce() {
    check(new long[] {200_000, CHANNELS});
  }

  @Test
  void imagesGiveTheExactResultRoundedOnce() {
    check(new long[] {32, 56, 56, CHANNELS});
  }

  private static void check(long[] shape) {
    int rows = (int) (shape.length == 2 ? shape[0] : shape[0] * shape[1] * shape[2]);
    Random rnd = new Random(11);
    float[] data = new float[rows * CHANNELS];
    double[] sum = new double[CHANNELS];
    for (int i = 0; i < rows; i++) {
      for (int c = 0; c < CHANNELS; c++) {
        float v = (float) (100 * (c + 1) + rnd.nextGaussian());
        data[i * CHANNELS + c] = v;
        sum[c] += v;
      }
    }
    int[] all = new int[shape.length - 1];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    try (Graph g = new Graph(); Session s = new Session(g); TFloat32 xt = TensorValues.tensor(data, shape)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class);
      Operand<TFloat32> xs = tf.reshape(x, tf.constant(shape));
      Operand<TFloat32> mean = Float64Reduction.mean(tf, xs);
      Operand<TFloat32> total = Float64Reduction.sum(tf, xs);
      Operand<TFloat32> plainMean = tf.math.mean(xs, tf.constant(all));
      // the batch-norm option train/bn_float64_moments picks between these two means
      Operand<TFloat32> bn64 = BatchMoments.local(true).compute(tf, xs).mean();
      Operand<TFloat32> bn32 = BatchMoments.local(false).compute(tf, xs).mean();
      try (Result r = s.runner().feed(x, xt).fetch(mean).fetch(total).fetch(plainMean).fetch(bn64).fetch(bn32).run()) {
        float[] gotMean = TensorValues.floats(r.get(0));
        float[] gotSum = TensorValues.floats(r.get(1));
        float[] plain = TensorValues.floats(r.get(2));
        double plainWorst = 0;
        for (int c = 0; c < CHANNELS; c++) {
          double exactMean = sum[c] / rows;
          // Rows of W values are summed in float32 before the float64 sum: at most one ulp from the
          // exact value rounded once (this case's mean of 100-300 with unit spread is the hard one
          // for float32: images end one ulp off on one channel's sum, matrices exact).
          assertTrue(ulps(gotMean[c], exactMean) <= 1, "mean " + c + " is " + ulps(gotMean[c], exactMean) + " ulps off");
          assertTrue(ulps(gotSum[c], sum[c]) <= 1, "sum " + c + " is " + ulps(gotSum[c], sum[c]) + " ulps off");
          plainWorst = Math.max(plainWorst, ulps(plain[c], exactMean));
        }
        // the case is a real test: float32 accumulation drifts by several ulps
        assertTrue(plainWorst > 2, "plain float32 mean is " + plainWorst + " ulps off");
        assertArrayEquals(gotMean, TensorValues.floats(r.get(3)), 0f, "float64 batch-norm mean");
        assertArrayEquals(plain, TensorValues.floats(r.get(4)), 0f, "float32 batch-norm mean");
      }
    }
  }

  /** Distance of a float32 result from the exact value, in ulps of the exact value rounded once. */
  private static double ulps(float got, double exact) {
    return Math.abs(got - exact) / Math.ulp((float) exact);
  }
}

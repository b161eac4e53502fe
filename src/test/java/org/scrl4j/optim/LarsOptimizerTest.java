package org.scrl4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scrl4j.GraphTesting;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

class LarsOptimizerTest {

  @Test
  void momentumBuffersAccumulateAcrossRuns() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> p = tf.withName("w").variable(tf.constant(new float[] {3, 4}));
      // loss = <c, p>: gradient c = (5, 12) at every step
      var value = tf.identity(p);
      var grad = Gradients.of(tf, null, tf.reduceSum(tf.math.mul(tf.constant(new float[] {5, 12}), value),
          tf.constant(0)), List.of(value)).get(0);
      LarsOptimizer opt = new LarsOptimizer(Lars.pretraining(0.1, LarsGrouping.REFERENCE), "lars");
      LarsOptimizer.Step step = opt.apply(tf, List.of(new LarsOptimizer.Slot("conv1.weight", p, value, grad)),
          tf.constant(0.5f));
      assertEquals("lars/momentum/w", opt.momentumBuffers().get(0).variable().op().name());

      // host replay of two steps
      double[] w = {3, 4}, v = {0, 0};
      for (int k = 0; k < 2; k++) {
        double pn = Math.hypot(w[0], w[1]), trust = 1e-3 * pn / (13 + 0.1 * pn + 1e-8);
        v[0] = 0.9 * v[0] + (5 + 0.1 * w[0]) * trust;
        v[1] = 0.9 * v[1] + (12 + 0.1 * w[1]) * trust;
        w[0] -= 0.5 * v[0];
        w[1] -= 0.5 * v[1];
      }
      try (Session s = new Session(g)) {
        s.initialize();
        s.run(opt.initializer());
        s.run(step.step());
        s.run(step.step());
        float[] got = GraphTesting.floats((TFloat32) s.runner().fetch(p).run().get(0));
        assertArrayEquals(new float[] {(float) w[0], (float) w[1]}, got, 1e-6f);
        float[] mom = GraphTesting.floats(
            (TFloat32) s.runner().fetch(opt.momentumBuffers().get(0).variable()).run().get(0));
        assertArrayEquals(new float[] {(float) v[0], (float) v[1]}, mom, 1e-7f);
      }
    }
  }
}

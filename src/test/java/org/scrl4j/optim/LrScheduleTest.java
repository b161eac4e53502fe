package org.scrl4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.scrl4j.GraphTesting;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

class LrScheduleTest {
  // base 0.45, 10 steps per epoch, 2 warm-up epochs, 10 epochs: warm-up is s = 1..20
  private final LrSchedule schedule = new LrSchedule(0.45, 10, 2, 10);

  @Test
  void warmupRampsLinearlyFromTheFirstStep() {
    assertEquals(0.45 / 20, schedule.at(1), 1e-15);
    assertEquals(0.45 * 10 / 20, schedule.at(10), 1e-15);
    assertEquals(0.45, schedule.at(20), 1e-15);
  }

  @Test
  void cosineFromBaseToZero() {
    // s = 21: progress (2.1 - 2) / 8 = 0.0125
    assertEquals(0.45 * (1 + Math.cos(Math.PI * 0.0125)) / 2, schedule.at(21), 1e-15);
    assertEquals(0.225, schedule.at(60), 1e-15); // half way through the cosine
    assertEquals(0.0, schedule.at(100), 1e-15); // last step
  }

  @Test
  void graphUsesGlobalStepPlusOne() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      long[] k = {0, 9, 19, 20, 59, 99};
      double[] expected = {0.45 / 20, 0.45 / 2, 0.45, 0.45 * (1 + Math.cos(Math.PI * 0.0125)) / 2,
          0.225, 0.0};
      float[] lr = GraphTesting.eval(g, schedule.forGlobalStep(tf, tf.constant(k)));
      for (int i = 0; i < k.length; i++) {
        assertEquals(expected[i], lr[i], 1e-7, "global step " + k[i]);
      }
    }
  }

  @Test
  void rejectsWarmupNotShorterThanTraining() {
    assertThrows(IllegalArgumentException.class, () -> new LrSchedule(0.1, 10, 5, 5));
  }
}

package org.scrl4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.scrl4j.GraphTesting;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

class EmaScheduleTest {
  private final EmaSchedule schedule = new EmaSchedule(0.97, 100);

  @Test
  void startsAtBaseEndsAtOne() {
    assertEquals(0.97, schedule.at(0), 1e-15);
    assertEquals(0.985, schedule.at(50), 1e-15);
    assertEquals(1.0, schedule.at(100), 1e-15);
  }

  @Test
  void graphMatchesHost() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      float[] m = GraphTesting.eval(g, schedule.forGlobalStep(tf, tf.constant(new long[] {0, 25, 50, 100})));
      assertArrayEquals(new float[] {0.97f, (float) (1 - 0.03 * (Math.cos(Math.PI / 4) + 1) / 2),
          0.985f, 1f}, m, 1e-7f);
    }
  }

  @Test
  void blendWeightsTargetByM() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      float[] out = GraphTesting.eval(g, Ema.blend(tf, tf.constant(new float[] {1, 2}),
          tf.constant(new float[] {3, -2}), tf.constant(0.75f)));
      assertArrayEquals(new float[] {1.5f, 1f}, out, 1e-7f);
    }
  }
}

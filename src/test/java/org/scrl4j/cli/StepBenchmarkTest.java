package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class StepBenchmarkTest {

  @Test
  void syntheticBoxesFollowTheBatchLayout() {
    int batch = 3, per = 10, size = 96;
    float[] b = StepBenchmark.boxes(new Random(0), batch, per, size);
    int k = 2 * batch * per;
    assertEquals(k * 5, b.length);
    for (int i = 0; i < k; i++) {
      int expectedImage = (i % (batch * per)) / per + (i < batch * per ? 0 : batch);
      assertEquals(expectedImage, b[5 * i], 0f, "batch index of row " + i);
      float x1 = b[5 * i + 1], y1 = b[5 * i + 2], x2 = b[5 * i + 3], y2 = b[5 * i + 4];
      assertTrue(x1 >= 0 && y1 >= 0 && x2 <= size && y2 <= size, "row " + i + " inside the view");
      assertTrue(x2 - x1 >= 32 && y2 - y1 >= 32, "row " + i + " sides >= 32");
    }
  }
}

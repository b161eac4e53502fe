package org.scrl4j.data.boxes;

import org.scrl4j.Python;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scrl4j.data.augment.TfRun;

/**
 * The graph generator against statistics of the original Python SCRLBoxGenerator itself (golden
 * box_stats.txt, made by box_stats.py from models/box_generator.py): an oracle independent of
 * this project's reading of the algorithm.
 */
class BoxStatisticsTest {
  private static final int RUNS = 1500;
  private static final int PYTHON_RUNS = 4000;

  @Test
  void boxSizePositionAndOverlapMatchTheOriginal() throws IOException {
    String text;
    try (InputStream in = getClass().getResourceAsStream("/golden/augment/box_stats.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String line : text.strip().split("\n")) {
      double[] v = java.util.Arrays.stream(line.trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
      boolean grid = v[0] == 1;
      int[] crop1 = {(int) v[1], (int) v[2], (int) v[3], (int) v[4]};
      boolean flip1 = v[5] == 1;
      int[] crop2 = {(int) v[6], (int) v[7], (int) v[8], (int) v[9]};
      boolean flip2 = v[10] == 1;
      BoxParams p = BoxParams.defaults().withGridBased(grid);
      List<List<TfRun.Value>> runs = TfRun.runSeeds(RUNS, (tf, seed) -> {
        BoxPair pair = BoxGenerator.generate(tf, p, tf.constant(crop1), tf.constant(flip1),
            tf.constant(crop2), tf.constant(flip2), seed);
        return List.of(pair.boxes1(), pair.boxes2());
      });
      double[][] features = new double[6][];
      List<double[]> perFeature = new ArrayList<>();
      for (int f = 0; f < 6; f++) {
        perFeature.add(new double[RUNS * 10]);
      }
      double iouSum = 0;
      for (int r = 0; r < RUNS; r++) {
        double[] b1 = runs.get(r).get(0).data();
        double[] b2 = runs.get(r).get(1).data();
        for (int i = 0; i < 10; i++) {
          int k = 4 * i;
          perFeature.get(0)[r * 10 + i] = b1[k + 2] - b1[k];
          perFeature.get(1)[r * 10 + i] = b1[k + 3] - b1[k + 1];
          perFeature.get(2)[r * 10 + i] = (b1[k] + b1[k + 2]) / 2;
          perFeature.get(3)[r * 10 + i] = (b1[k + 1] + b1[k + 3]) / 2;
          perFeature.get(4)[r * 10 + i] = b2[k + 2] - b2[k];
          perFeature.get(5)[r * 10 + i] = b2[k + 3] - b2[k + 1];
          if (i > 0) {
            iouSum += BoxReference.iou(java.util.Arrays.copyOfRange(b1, k, k + 4),
                java.util.Arrays.copyOfRange(b1, k - 4, k));
          }
        }
      }
      String[] names = {"w1", "h1", "cx1", "cy1", "w2", "h2"};
      for (int f = 0; f < 6; f++) {
        double mean = java.util.Arrays.stream(perFeature.get(f)).average().orElseThrow();
        double pyMean = v[11 + 2 * f];
        double pyStd = v[12 + 2 * f];
        // 5 standard errors of the difference of two means (boxes counted as draws)
        double tol = 5 * pyStd * Math.sqrt(1.0 / (10 * RUNS) + 1.0 / (10 * PYTHON_RUNS));
        assertEquals(pyMean, mean, tol, names[f] + " of " + line);
      }
      double iouMean = iouSum / (9 * RUNS);
      assertEquals(v[23], iouMean, 5 * v[24] * Math.sqrt(1.0 / (9 * RUNS) + 1.0 / 9000), "iou of " + line);
    }
  }
}

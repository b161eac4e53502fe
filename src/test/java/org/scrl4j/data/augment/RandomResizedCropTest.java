package org.scrl4j.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RandomResizedCropTest {
  private static final int H = 300;
  private static final int W = 400;

  /** torchvision's get_params written out with java.util.Random: an independent reference. */
  private static int[] torchvisionCrop(Random rnd, int height, int width, double smin, double smax) {
    double area = height * (double) width;
    for (int t = 0; t < 10; t++) {
      double target = area * (smin + rnd.nextDouble() * (smax - smin));
      double ratio = Math.exp(Math.log(0.75) + rnd.nextDouble() * (Math.log(4.0 / 3) - Math.log(0.75)));
      int w = (int) Math.rint(Math.sqrt(target * ratio));
      int h = (int) Math.rint(Math.sqrt(target / ratio));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        return new int[] {rnd.nextInt(height - h + 1), rnd.nextInt(width - w + 1), h, w};
      }
    }
    throw new AssertionError("fallback not expected for this image");
  }

  @Test
  void areaAndAspectStatisticsMatchTorchvisionRule() {
    int n = 2000;
    List<List<TfRun.Value>> runs = TfRun.runSeeds(n, (tf, seed) -> List.of(
        RandomResizedCrop.sample(tf, tf.constant(new int[] {H, W}), seed, 0.2, 1.0)));
    double sumArea = 0;
    double sumLogAspect = 0;
    double sumTop = 0;
    double minArea = 1;
    for (List<TfRun.Value> r : runs) {
      double[] c = r.get(0).data();
      assertTrue(c[0] >= 0 && c[1] >= 0 && c[0] + c[2] <= H && c[1] + c[3] <= W, "crop inside image");
      double frac = c[2] * c[3] / (H * (double) W);
      double logAspect = Math.log(c[3] / c[2]);
      assertTrue(Math.abs(logAspect) <= Math.log(4.0 / 3) + 0.02, "aspect in (3/4, 4/3)");
      minArea = Math.min(minArea, frac);
      sumArea += frac;
      sumLogAspect += logAspect;
      sumTop += (H - c[2]) == 0 ? 0.5 : c[0] / (H - c[2]);
    }
    Random rnd = new Random(1);
    double refArea = 0;
    double refLogAspect = 0;
    int m = 40000;
    for (int i = 0; i < m; i++) {
      int[] c = torchvisionCrop(rnd, H, W, 0.2, 1.0);
      refArea += c[2] * c[3] / (H * (double) W);
      refLogAspect += Math.log(c[3] / (double) c[2]);
    }
    // sd of the area fraction is ~0.21 and of the log aspect ~0.15: 4 standard errors at n = 2000
    assertEquals(refArea / m, sumArea / n, 4 * 0.21 / Math.sqrt(n));
    assertEquals(refLogAspect / m, sumLogAspect / n, 4 * 0.15 / Math.sqrt(n));
    assertEquals(0.5, sumTop / n, 4 * 0.29 / Math.sqrt(n));
    assertTrue(minArea > 0.19, "area fraction >= 0.2 up to rounding, got " + minArea);
  }

  @Test
  void fallsBackToCentreCropOfTheClosestAspect() {
    // 10 x 400: any crop with area >= 0.2 and aspect <= 4/3 is taller than 10 rows -> fallback:
    // in_ratio 40 > 4/3, so h = 10, w = round(10 * 4/3) = 13, top 0, left (400 - 13) // 2 = 193.
    TfRun.Value c = TfRun.run(tf -> List.of(RandomResizedCrop.sample(
        tf, tf.constant(new int[] {10, 400}), tf.constant(new long[] {3, 4}), 0.2, 1.0))).get(0);
    assertArrayEquals(new double[] {0, 193, 10, 13}, c.data());
    // tall: 400 x 10 -> w = 10, h = round(10 / 0.75) = 13, top (400 - 13) // 2 = 193, left 0
    TfRun.Value t = TfRun.run(tf -> List.of(RandomResizedCrop.sample(
        tf, tf.constant(new int[] {400, 10}), tf.constant(new long[] {3, 4}), 0.2, 1.0))).get(0);
    assertArrayEquals(new double[] {193, 0, 13, 10}, t.data());
  }
}

package org.scrl4j.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class ColorOpsTest {
  // torchvision's tensor greyscale uses 0.2989 for red where PIL (and we) use 0.299: <= 1e-4.
  private static final double TOL = 2e-4;

  private static double vsGolden(String golden, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> op) {
    TfRun.Value out = TfRun.run(tf -> List.of(op.apply(tf, TfRun.unitImage(tf, 6, 7, 1)))).get(0);
    return TfRun.maxAbsDiff(out, TfRun.golden(golden));
  }

  @Test
  void brightnessContrastSaturationHueMatchTorchvision() {
    assertTrue(vsGolden("brightness_1.3", (tf, x) -> ColorOps.brightness(tf, x, tf.constant(1.3f))) < 1e-6);
    assertTrue(vsGolden("contrast_0.7", (tf, x) -> ColorOps.contrast(tf, x, tf.constant(0.7f))) < TOL);
    assertTrue(vsGolden("contrast_1.4", (tf, x) -> ColorOps.contrast(tf, x, tf.constant(1.4f))) < TOL);
    assertTrue(vsGolden("saturation_0.8", (tf, x) -> ColorOps.saturation(tf, x, tf.constant(0.8f))) < TOL);
    assertTrue(vsGolden("saturation_1.2", (tf, x) -> ColorOps.saturation(tf, x, tf.constant(1.2f))) < TOL);
    assertTrue(vsGolden("hue_0.07", (tf, x) -> ColorOps.hue(tf, x, tf.constant(0.07f))) < 1e-5);
    assertTrue(vsGolden("hue_-0.1", (tf, x) -> ColorOps.hue(tf, x, tf.constant(-0.1f))) < 1e-5);
  }

  /** The per-image hue of a batch, on a batch of one with the shift as [1, 1, 1, 1]. */
  @Test
  void hueByImageMatchesTorchvisionAndKeepsGreyPixels() {
    for (float shift : new float[] {0.07f, -0.1f}) {
      double d = vsGolden("hue_" + shift, (tf, x) -> asOneImageBatch(tf, x, batch ->
          ColorOps.hueByImage(tf, batch, tf.constant(new float[][][][] {{{{shift}}}}))));
      assertTrue(d < 1e-5, "hue " + shift + " differs by " + d);
    }
    float[] grey = {0f, 0f, 0f, 0.3f, 0.3f, 0.3f, 1f, 1f, 1f, 0.7f, 0.7f, 0.7f};
    TfRun.Value g = TfRun.run(tf -> List.of(ColorOps.hueByImage(tf,
        tf.reshape(tf.constant(grey), tf.constant(new int[] {2, 1, 2, 3})),
        tf.reshape(tf.constant(new float[] {0.25f, -0.4f}), tf.constant(new int[] {2, 1, 1, 1}))))).get(0);
    for (int i = 0; i < grey.length; i++) {
      assertEquals(grey[i], g.data()[i], 0.0, "grey value " + i);
    }
  }

  @Test
  void jitterInFixedOrderMatchesTorchvisionComposition() {
    for (int[] order : new int[][] {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}}) {
      String name = "jitter_" + order[0] + order[1] + order[2] + order[3];
      double d = vsGolden(name, (tf, x) -> asOneImageBatch(tf, x, batch -> ColorJitter.apply(tf,
          batch, new ColorJitter.Draws(tf.constant(new int[][] {order}),
              tf.constant(new float[][] {{1.25f, 0.65f, 1.15f, -0.08f}})))));
      assertTrue(d < 5 * TOL, name + " differs by " + d);
    }
  }

  @Test
  void grayscaleUsesItu601Weights() {
    float[] rgb = {0.2f, 0.6f, 1.0f};
    TfRun.Value g = TfRun.run(tf -> List.of(ColorOps.grayscale3(tf,
        tf.reshape(tf.constant(rgb), tf.constant(new int[] {1, 1, 3}))))).get(0);
    double luma = 0.299 * 0.2 + 0.587 * 0.6 + 0.114 * 1.0;
    assertArrayEquals(new double[] {luma, luma, luma}, g.data(), 1e-6);
  }

  @Test
  void solarizeInvertsFrom128Of255() {
    float[] v = {0f, 127f / 255f, 128f / 255f, 200f / 255f, 1f};
    TfRun.Value s = TfRun.run(tf -> List.of(ColorOps.solarize(tf, tf.constant(v)))).get(0);
    assertArrayEquals(new double[] {0, 127 / 255.0, 127 / 255.0, 55 / 255.0, 0}, s.data(), 1e-6);
  }

  @Test
  void normalizeUsesImageNetStatistics() {
    float[] rgb = {0.485f, 0.456f + 0.224f, 0.406f - 0.45f};
    TfRun.Value n = TfRun.run(tf -> List.of(ColorOps.normalize(tf, tf.constant(rgb)))).get(0);
    assertArrayEquals(new double[] {0, 1, -2}, n.data(), 1e-5);
  }

  @Test
  void jitterIsAppliedWithProbabilityP() {
    int n = 400;
    List<List<TfRun.Value>> runs = TfRun.runSeeds(n, (tf, seed) -> {
      Operand<TFloat32> x = TfRun.unitImage(tf, 4, 4, 5);
      ColorJitter.Draws d = ColorJitter.draw(tf, seed, 0.8, 0.4, 0.4, 0.2, 0.1);
      Operand<TFloat32> y = asOneImageBatch(tf, x, batch -> ColorJitter.apply(tf, batch,
          new ColorJitter.Draws(tf.expandDims(d.stages(), tf.constant(0)),
              tf.expandDims(d.factors(), tf.constant(0)))));
      return List.of(tf.reduceMax(tf.math.abs(tf.math.sub(y, x)), tf.constant(new int[] {0, 1, 2})));
    });
    long applied = runs.stream().filter(r -> r.get(0).get(0) > 1e-6).count();
    // Binomial(400, 0.8): sd = 8; 5 sd bounds.
    assertEquals(0.8 * n, applied, 40);
  }

  /** A batched op on one HWC image: the image as a batch of one, and the result back. */
  static Operand<TFloat32> asOneImageBatch(Ops tf, Operand<TFloat32> image,
      java.util.function.UnaryOperator<Operand<TFloat32>> batched) {
    return tf.squeeze(batched.apply(tf.expandDims(image, tf.constant(0))),
        org.tensorflow.op.core.Squeeze.axis(List.of(0L)));
  }
}

package org.scrl4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.scrl4j.GraphTesting;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

/** LARS on tiny tensors against values derived by hand. */
class LarsTest {
  private static final float LR = 0.5f;

  private static float[][] step(Lars lars, String name, float[] p, float[] g, float[] v) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Lars.Update u = lars.update(tf, name, tf.constant(p), tf.constant(g), tf.constant(v),
          tf.constant(LR));
      return new float[][] {GraphTesting.eval(graph, u.param()), GraphTesting.eval(graph, u.momentum())};
    }
  }

  @Test
  void adaptedTensorUsesTrustRatioAndWeightDecay() {
    // ||p|| = 5, ||g|| = 13, wd = 0.1: trust = 1e-3 * 5 / (13 + 0.5 + 1e-8)
    float[] p = {3, 4}, g = {5, 12}, v = {1, -1};
    double trust = 1e-3 * 5 / (13 + 0.5 + 1e-8);
    float[][] r = step(Lars.pretraining(0.1, LarsGrouping.REFERENCE), "layer1.0.conv1.weight", p, g, v);
    double v0 = 0.9 * 1 + (5 + 0.3) * trust, v1 = 0.9 * -1 + (12 + 0.4) * trust;
    assertArrayEquals(new float[] {(float) v0, (float) v1}, r[1], 1e-7f);
    assertArrayEquals(new float[] {(float) (3 - LR * v0), (float) (4 - LR * v1)}, r[0], 1e-6f);
  }

  @Test
  void zeroGradientOrParameterGivesTrustOne() {
    float[][] r = step(Lars.pretraining(0.1, LarsGrouping.CLEAN), "conv1.weight",
        new float[] {0, 0}, new float[] {2, -4}, new float[2]);
    assertArrayEquals(new float[] {2, -4}, r[1], 0f); // (g + wd*0) * 1
    r = step(Lars.pretraining(0.1, LarsGrouping.CLEAN), "conv1.weight",
        new float[] {1, 2}, new float[] {0, 0}, new float[2]);
    assertArrayEquals(new float[] {0.1f, 0.2f}, r[1], 1e-7f); // wd * p, trust 1
  }

  @Test
  void excludedTensorStepsLrSquaredInReferenceAndLrInClean() {
    float[] p = {1, 1}, g = {2, 4}, v = {0, 0};
    float[][] ref = step(Lars.pretraining(0.1, LarsGrouping.REFERENCE), "layer1.0.bn1.bias", p, g, v);
    assertArrayEquals(new float[] {1 - LR * LR * 2, 1 - LR * LR * 4}, ref[0], 1e-7f);
    float[][] clean = step(Lars.pretraining(0.1, LarsGrouping.CLEAN), "layer1.0.bn1.bias", p, g, v);
    assertArrayEquals(new float[] {1 - LR * 2, 1 - LR * 4}, clean[0], 1e-7f);
  }

  @Test
  void nesterovLooksAhead() {
    // every tensor adapted, wd 0: g' = g * 1e-3 * ||p|| / (||g|| + 1e-8); p -= lr (g' + 0.9 v')
    float[] p = {0, 2}, g = {1, 0}, v = {0.5f, 0};
    double trust = 1e-3 * 2 / (1 + 1e-8);
    float[][] r = step(Lars.linearEval(), "evaluator.linear.bias", p, g, v);
    double v0 = 0.9 * 0.5 + trust;
    assertArrayEquals(new float[] {(float) v0, 0}, r[1], 1e-7f);
    assertArrayEquals(new float[] {(float) (-LR * (trust + 0.9 * v0)), 2}, r[0], 1e-7f);
  }

  @Test
  void referenceGroupingKeepsStemDownsampleAndHeadGammasAdapted() {
    LarsGrouping ref = LarsGrouping.REFERENCE;
    assertFalse(ref.excludes("bn1.weight")); // encoder.1.weight
    assertTrue(ref.excludes("bn1.bias"));
    assertFalse(ref.excludes("layer2.0.downsample.1.weight"));
    assertFalse(ref.excludes("projector.net.1.weight"));
    assertFalse(ref.excludes("predictor.net.1.weight"));
    assertTrue(ref.excludes("layer2.0.bn3.weight"));
    assertTrue(ref.excludes("projector.net.0.bias"));
    assertFalse(ref.excludes("evaluator.linear.weight"));
    assertTrue(ref.excludes("evaluator.linear.bias"));
    LarsGrouping clean = LarsGrouping.CLEAN;
    assertTrue(clean.excludes("bn1.weight"));
    assertTrue(clean.excludes("layer2.0.downsample.1.weight"));
    assertTrue(clean.excludes("predictor.net.1.weight"));
    assertFalse(clean.excludes("layer2.0.downsample.0.weight"));
    assertFalse(clean.excludes("predictor.net.3.weight"));
  }

}

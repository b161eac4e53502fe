package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.optim.LarsGrouping;

/**
 * The bottleneck ResNet (ResNet-50 width 4) SCRL step against a float64 golden, and the BYOL
 * (pooled) path on ResNet-18.
 */
class StepVerifierBottleneckTest {
  private static final Map<String, NpyArray> CASE = Npz.read(org.scrl4j.GraphTesting.trainGolden("r50w4_case.npz"));
  private static final Map<String, NpyArray> R18 = Npz.read(org.scrl4j.GraphTesting.trainGolden("r18w8_case.npz"));

  @Test
  void resnet50ScrlMatchesGolden() {
    Map<String, NpyArray> golden = Npz.read(org.scrl4j.GraphTesting.trainGolden("r50w4_reference.npz"));
    Map<String, NpyArray> ours = StepVerifier.run(CASE,
        new StepVerifier.Options(PretrainStep.Method.SCRL, LarsGrouping.REFERENCE, 0.45, 1e-6, 0.97));
    // 169 online tensors: grads and after_step; 164 target (no predictor) after_ema; BN buffers
    // of 55 online and 54 target batch norms
    assertEquals(1 + 2 + 8 + 169 + 169 + 164 + 2 * (55 + 54), GoldenComparison.assertMatches(golden, ours, CASE));
  }

  @Test
  void byolUsesPooledFeatures() {
    Map<String, NpyArray> golden = Npz.read(org.scrl4j.GraphTesting.trainGolden("r18w8_byol.npz"));
    Map<String, NpyArray> ours = StepVerifier.run(R18,
        new StepVerifier.Options(PretrainStep.Method.BYOL, LarsGrouping.REFERENCE, 0.45, 1e-6, 0.97));
    GoldenComparison.assertMatches(golden, ours, R18);
  }
}

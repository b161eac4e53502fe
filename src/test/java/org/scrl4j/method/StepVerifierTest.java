package org.scrl4j.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.optim.LarsGrouping;

/**
 * One full SCRL step (ResNet-18 width 8, separate target, 64 px) against golden.py: forward, loss,
 * every gradient, BN running stats, the LARS step and the EMA, in both LARS quirk modes.
 */
class StepVerifierTest {
  private static final Map<String, NpyArray> CASE = Npz.read(org.scrl4j.GraphTesting.trainGolden("r18w8_case.npz"));

  @Test
  void referenceQuirksMatchGolden() {
    Map<String, NpyArray> golden = Npz.read(org.scrl4j.GraphTesting.trainGolden("r18w8_reference.npz"));
    Map<String, NpyArray> ours = StepVerifier.run(CASE, new StepVerifier.Options(
        PretrainStep.Method.SCRL, LarsGrouping.REFERENCE, 0.45, 1e-6, 0.97));
    // loss, 2 terms, 8 activations, 70 grads, 70 after_step, 65 after_ema, 2 x (22 online + 21 target) BN buffers
    assertEquals(1 + 2 + 8 + 70 + 70 + 65 + 86, GoldenComparison.assertMatches(golden, ours, CASE));
  }

  @Test
  void cleanQuirksMatchGolden() {
    Map<String, NpyArray> golden = new HashMap<>(Npz.read(org.scrl4j.GraphTesting.trainGolden("r18w8_clean.npz")));
    Map<String, NpyArray> ours = StepVerifier.run(CASE, new StepVerifier.Options(
        PretrainStep.Method.SCRL, LarsGrouping.CLEAN, 0.45, 1e-6, 0.97));
    assertEquals(70, GoldenComparison.assertMatches(golden, ours, CASE));
  }
}

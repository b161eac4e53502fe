package org.scrl4j.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.optim.LarsGrouping;

/** The bottleneck ResNet (ResNet-50 width 4, hidden 32) SCRL step against a float64 golden. */
class StepVerifierBottleneckTest {
  private static final Map<String, NpyArray> CASE = Npz.read(org.scrl4j.GraphTesting.trainGolden("r50w4_case.npz"));

  @Test
  void resnet50ScrlMatchesGolden() {
    Map<String, NpyArray> golden = Npz.read(org.scrl4j.GraphTesting.trainGolden("r50w4_reference.npz"));
    Map<String, NpyArray> ours = StepVerifier.run(CASE,
        new StepVerifier.Options(PretrainStep.Method.SCRL, LarsGrouping.REFERENCE, 0.45, 1e-6, 0.97));
    // 169 online tensors: grads and after_step; 164 target (no predictor) after_ema; BN buffers
    // of 55 online and 54 target batch norms.
    // Tolerances measured against the float64 golden: torch fp32 reaches 7e-5 on online/pred, we
    // 2.3e-4 (our fp32 trunk is ~2x less accurate than torch's, the heads' batch norm over 40 RoI
    // rows amplifies it 3-4x); after_ema inherits the fp32 gradient error through lr^2 * g of the
    // excluded biases (1.5e-4 on bn1.bias). Gradients and steps keep the 1e-3 norm test.
    assertEquals(1 + 2 + 8 + 169 + 169 + 164 + 2 * (55 + 54),
        GoldenComparison.assertMatches(golden, ours, CASE, 5e-4, 3e-4));
  }
}

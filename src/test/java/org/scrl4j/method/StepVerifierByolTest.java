package org.scrl4j.method;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.optim.LarsGrouping;

/** The BYOL path (pooled features, no boxes) on the ResNet-18 case. */
class StepVerifierByolTest {
  private static final Map<String, NpyArray> R18 = Npz.read(org.scrl4j.GraphTesting.trainGolden("r18w8_case.npz"));

  @Test
  void byolUsesPooledFeatures() {
    Map<String, NpyArray> golden = Npz.read(org.scrl4j.GraphTesting.trainGolden("r18w8_byol.npz"));
    Map<String, NpyArray> ours = StepVerifier.run(R18,
        new StepVerifier.Options(PretrainStep.Method.BYOL, LarsGrouping.REFERENCE, 0.45, 1e-6, 0.97));
    GoldenComparison.assertMatches(golden, ours, R18);
  }
}

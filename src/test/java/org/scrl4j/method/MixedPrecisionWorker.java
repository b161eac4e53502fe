package org.scrl4j.method;

import java.nio.file.Path;
import java.util.Map;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.model.Precision;
import org.scrl4j.optim.LarsGrouping;

/**
 * Child JVM of {@link MixedPrecisionStepTest}: one verify-step in mixed_bfloat16, which needs
 * oneDNN, and TF_ENABLE_ONEDNN_OPTS is read once when TensorFlow loads (the test JVM runs without).
 * Args: CASE.npz OUT.npz.
 */
public final class MixedPrecisionWorker {
  private MixedPrecisionWorker() {}

  public static void main(String[] args) {
    Precision.MIXED_BFLOAT16.checkSupported("CPU");
    Map<String, NpyArray> out = StepVerifier.run(Npz.read(Path.of(args[0])), new StepVerifier.Options(
        PretrainStep.Method.SCRL, LarsGrouping.REFERENCE, 0.45, 1e-6, 0.97, Precision.MIXED_BFLOAT16));
    Npz.write(Path.of(args[1]), out);
  }
}

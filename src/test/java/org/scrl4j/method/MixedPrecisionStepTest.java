package org.scrl4j.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.scrl4j.GraphTesting;
import org.scrl4j.common.CpuFeatures;
import org.scrl4j.common.Json;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

/**
 * One SCRL step in mixed_bfloat16 against the goldens of StepVerifierTest, judged by torch's own
 * autocast bfloat16 on the same case (tools/torch_autocast_step.py; its distances are in
 * golden/train/autocast_bf16.jsonl, written by make_goldens.sh; torch gives the same bits every run
 * there, 1 or 2 threads).
 *
 * <p>One step at random initialisation is a hard case for bfloat16, for torch too: a random deep
 * ResNet amplifies rounding layer by layer and its pooled features are nearly the same for every
 * image, so the gradients' cosine to the golden is 0.90 (ResNet-18 width 8) and 0.45 (ResNet-50
 * width 4) for torch autocast, not 0.99; on full ResNet-50 cases 0.03-0.24 (README, "Mixed
 * precision"). So the yardstick is torch's distance on the same case: ours (1 - cosine of all
 * gradients concatenated, and the relative loss error) at most 1.1x torch's. Measured with the
 * fused batch-norm kernel: r18w8 cosine 0.9013 against 0.9020 (distance 1.01x), loss 1.9e-3
 * against 2.0e-3; r50w4 0.4796 against 0.4544 (0.95x), loss 1.31e-2 against 1.28e-2 (1.02x). The
 * plain-op batch norm rewritten to bfloat16 measured 1.13x (r18w8 cosine) and 1.42x (r50w4 loss):
 * the bound sits between the two. On r18w8 the loss is also within 1e-2 relative, as the issue asks.
 */
class MixedPrecisionStepTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"r18w8", "r50w4"})
  void bfloat16StepIsAsCloseToTheGoldenAsTorchAutocast(String name) throws Exception {
    assumeTrue(CpuFeatures.local().hasBfloat16(), "this CPU has no native bfloat16 (avx512_bf16/amx_bf16)");
    Path out = dir.resolve(name + "_bf16.npz");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx2g", "-XX:+UseSerialGC", "-cp",
        System.getProperty("java.class.path"), MixedPrecisionWorker.class.getName(),
        GraphTesting.trainGolden(name + "_case.npz").toString(), out.toString());
    pb.environment().put("TF_ENABLE_ONEDNN_OPTS", "1");
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("worker.log").toFile());
    Process p = pb.start();
    try {
      assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the bfloat16 step did not finish in 300 s");
    } finally {
      p.destroyForcibly();
    }
    assertEquals(0, p.exitValue(), () -> log());
    Map<String, NpyArray> golden = Npz.read(GraphTesting.trainGolden(name + "_reference.npz"));
    Map<String, NpyArray> ours = Npz.read(out);
    Map<String, Object> torch = torchAutocast(name);

    double loss = ours.get("loss").toFloats()[0];
    double lossGolden = golden.get("loss").toFloats()[0];
    double lossRel = Math.abs(loss - lossGolden) / Math.abs(lossGolden);
    double torchLossRel = ((Number) torch.get("loss_rel")).doubleValue();
    assertTrue(lossRel <= 1.1 * torchLossRel, name + ": loss " + loss + " is " + lossRel
        + " from the golden, torch autocast's " + torchLossRel);
    if (name.equals("r18w8")) {
      assertTrue(lossRel <= 1e-2, "loss within 1e-2 relative: " + lossRel);
    }
    double cos = gradientCosine(golden, ours);
    double torchCos = ((Number) torch.get("grad_cosine_all")).doubleValue();
    assertTrue(1 - cos <= 1.1 * (1 - torchCos), name + ": gradient cosine " + cos + ", torch autocast's " + torchCos);
    assertTrue(cos > 0.3, "the bfloat16 gradients must still point the golden's way: " + cos);
  }

  /** Cosine of all gradients concatenated (torch layout in both files), in double. */
  static double gradientCosine(Map<String, NpyArray> golden, Map<String, NpyArray> ours) {
    double dot = 0;
    double gg = 0;
    double oo = 0;
    int keys = 0;
    for (var e : golden.entrySet()) {
      if (!e.getKey().startsWith("grad/")) {
        continue;
      }
      float[] a = e.getValue().toFloats();
      float[] b = ours.get(e.getKey()).toFloats();
      assertEquals(a.length, b.length, e.getKey());
      for (int i = 0; i < a.length; i++) {
        dot += (double) a[i] * b[i];
        gg += (double) a[i] * a[i];
        oo += (double) b[i] * b[i];
      }
      keys++;
    }
    assertTrue(keys > 60, "gradients in the golden: " + keys);
    return dot / Math.sqrt(gg * oo);
  }

  private static Map<String, Object> torchAutocast(String name) throws Exception {
    Map<String, Object> found = new HashMap<>();
    for (String line : Files.readAllLines(GraphTesting.trainGolden("autocast_bf16.jsonl"))) {
      Map<String, Object> m = Json.readObject(line);
      if (name.equals(m.get("name"))) {
        found = m;
      }
    }
    assertTrue(found.containsKey("grad_cosine_all"), "no torch autocast line for " + name);
    return found;
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("worker.log"));
    } catch (Exception e) {
      return e.toString();
    }
  }
}

package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.Json;

/**
 * The demo config's first epochs stay inside the band README "Demo" publishes: the per-epoch mean
 * training loss of four full demo runs (seeds 0-3, {@code tools/demo_band.py} over their
 * TensorBoard scalars, golden/demo/band.json). A fifth seed, not among them, runs the first two
 * epochs of the same config ({@code train/stop_at_epoch=2}, so the schedules are the 30-epoch
 * ones) and must land within mean +- 3 sd of the four seeds at each epoch. A broken augmentation,
 * learning rate or loss moves epoch 1 far outside (an untrained network sits near 3.7, a collapsed
 * one near 0), while seed-to-seed noise is 0.08 at epoch 1 and 0.12 at epoch 2.
 */
class DemoBandTest {
  static final Path DEMO_CONFIG = Path.of("config/demo_fashion_mnist.yaml");
  static final int EPOCHS = 2;
  static final double SDS = 3.0;

  @Test
  void firstEpochsOfTheDemoConfigStayInsideThePublishedBand(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isDirectory(TrainerJob.FASHION), "needs " + TrainerJob.FASHION
        + " (apt-get install -y dataset-fashion-mnist)");
    Map<String, Object> band = Json.readObject(new String(
        DemoBandTest.class.getResourceAsStream("/golden/demo/band.json").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8));
    int stepsPerEpoch = ((Number) band.get("steps_per_epoch")).intValue();
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> perEpoch = (Map<String, Map<String, Object>>) band.get("epoch_mean_loss");

    Path run = dir.resolve("run");
    try (TrainerJob job = new TrainerJob(dir)) {
      Process p = job.launch("demo", 0, 1, 0, DEMO_CONFIG, "--dataset/root", TrainerJob.FASHION.toString(),
          "--dataset/format=idx", "--seed=4", "--train/stop_at_epoch=" + EPOCHS, "--eval/enabled=False",
          "--save_dir", run.toString());
      assertEquals(0, TrainerJob.await(p, 900), () -> job.log("demo"));
      String log = job.log("demo");
      assertTrue(log.contains("stopped after epoch " + EPOCHS + " of 30"), log);
      assertTrue(Files.isDirectory(run.resolve("checkpoint_last")), "no checkpoint_last\n" + log);
    }
    double[] means = epochMeans(TensorBoardScalars.read(run).series(ScalarTags.LOSS), stepsPerEpoch, EPOCHS);
    for (int e = 1; e <= EPOCHS; e++) {
      Map<String, Object> s = perEpoch.get(Integer.toString(e));
      double mean = ((Number) s.get("mean")).doubleValue();
      double sd = ((Number) s.get("sd")).doubleValue();
      double got = means[e - 1];
      int epoch = e;
      assertTrue(Math.abs(got - mean) <= SDS * sd, () -> String.format("epoch %d: mean training loss %.4f is"
          + " outside the demo band %.4f +- %.0f x %.4f (seeds 0-3)", epoch, got, mean, SDS, sd));
    }
  }

  /** The mean of every step's loss in each of the first {@code epochs} epochs (steps count from 1). */
  static double[] epochMeans(TensorBoardScalars.Series loss, int stepsPerEpoch, int epochs) {
    double[] sum = new double[epochs];
    int[] n = new int[epochs];
    for (int i = 0; i < loss.size(); i++) {
      int e = (int) ((loss.steps()[i] - 1) / stepsPerEpoch);
      if (e < epochs) {
        sum[e] += loss.values()[i];
        n[e]++;
      }
    }
    double[] out = new double[epochs];
    for (int e = 0; e < epochs; e++) {
      assertEquals(stepsPerEpoch, n[e], "epoch " + (e + 1) + " has " + n[e] + " loss scalars, not one per step");
      out[e] = sum[e] / n[e];
    }
    return out;
  }
}

package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.Json;

/**
 * The demo config's first epochs stay inside the band README "Demo" publishes: the per-epoch mean
 * training loss of the demo config's runs, full ones (seeds 0-3) and ones stopped after epoch 2
 * (seeds 5-12), from their TensorBoard scalars ({@code tools/demo_band.py}, golden/demo/band.json).
 * A seed not among them (4) runs the first two epochs of the same config ({@code
 * train/stop_at_epoch=2}, so the schedules are the 30-epoch ones) and must land in the 99 %
 * prediction interval of one more run at each epoch, mean +- t(0.995, n-1) sd sqrt(1 + 1/n): the
 * bound for a new run when the sd itself is estimated from n runs. A broken augmentation, learning
 * rate or loss moves epoch 1 far outside (an untrained network sits near 3.7, a collapsed one near 0).
 */
class DemoBandTest {
  static final Path DEMO_CONFIG = Path.of("config/demo_fashion_mnist.yaml");
  static final int EPOCHS = 2;

  @Test
  void firstEpochsOfTheDemoConfigStayInsideThePublishedBand(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isDirectory(TrainerJob.FASHION), "needs " + TrainerJob.FASHION
        + " (apt-get install -y dataset-fashion-mnist)");
    Map<String, Object> band = Json.readObject(new String(
        DemoBandTest.class.getResourceAsStream("/golden/demo/band.json").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8));
    int stepsPerEpoch = ((Number) band.get("steps_per_epoch")).intValue();
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> perEpoch = (Map<String, Map<String, Object>>) band.get("early_epoch_mean_loss");

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
      @SuppressWarnings("unchecked")
      List<Number> interval = (List<Number>) s.get("predict99");
      double lo = interval.get(0).doubleValue();
      double hi = interval.get(1).doubleValue();
      double got = means[e - 1];
      int epoch = e;
      int n = ((Number) s.get("n")).intValue();
      assertTrue(got >= lo && got <= hi, () -> String.format("epoch %d: mean training loss %.4f is outside the"
          + " demo band's 99 %% prediction interval [%.4f, %.4f] (%d runs)", epoch, got, lo, hi, n));
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

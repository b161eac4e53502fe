package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.checkpoint.CheckpointStore;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

/**
 * Linear evaluation alone ({@code --train/enabled=False}) on two ranks where only rank 0 can read
 * the checkpoint: rank 1's {@code --load_dir} does not exist, as on a machine without the shared
 * folder. Rank 1 must probe exactly the checkpoint's backbone (its digest against the one computed
 * here from weights.npz), and a rank 0 that cannot read its load_dir stops rank 1 too, in one line.
 */
class DistributedLinearEvaluationTest {
  private static final Pattern PROBED = Pattern.compile("rank (\\d): probed backbone sha256 ([0-9a-f]{64})");

  @TempDir Path dir;

  @Test
  void onlyRankZeroReadsTheCheckpointAndEveryRankProbesIt() throws Exception {
    Path pretrained = dir.resolve("pretrained");
    Path elsewhere = dir.resolve("not-on-this-machine");
    try (TrainerJob job = new TrainerJob(dir)) {
      Process pre = job.launch("pre", 0, 1, 0, job.tinyConfig("pre", 1, false), "--save_dir",
          pretrained.toString(), "--train/batch_size_train", "16", "--train/max_steps_per_epoch", "2");
      assertEquals(0, TrainerJob.await(pre, 300), () -> job.log("pre"));

      Path eval = job.tinyConfig("eval", 1, true);
      Path evalRun = dir.resolve("eval-run");
      int port = TrainerJob.freePort();
      Process r0 = job.launch("e0", 0, 2, port, eval, "--train/enabled=False", "--save_dir",
          evalRun.toString(), "--load_dir", pretrained.toString());
      Process r1 = job.launch("e1", 1, 2, port, eval, "--train/enabled=False", "--save_dir",
          evalRun.toString(), "--load_dir", elsewhere.toString());
      assertEquals(0, TrainerJob.await(r0, 300), () -> job.log("e0"));
      assertEquals(0, TrainerJob.await(r1, 60), () -> job.log("e1"));
      assertTrue(!Files.exists(elsewhere), "rank 1 must not need (or create) its load_dir");

      Map<String, NpyArray> backbone = new LinkedHashMap<>();
      CheckpointStore.requireLatest(pretrained).readWeights().forEach((k, v) -> {
        if (k.startsWith("online/backbone/")) {
          backbone.put(k, v);
        }
      });
      String expected = Npz.sha256(backbone);
      assertEquals(expected, probed(job.log("e0"), 0), "rank 0 probed another backbone");
      assertEquals(expected, probed(job.log("e1"), 1), "rank 1 probed another backbone");
      List<String> results = TinyRun.results(evalRun);
      assertEquals(1, results.size(), results.toString());
      assertTrue(results.get(0).startsWith("[linear evaluation] cached features, 2 epochs: top-1 last"),
          results.get(0));

      int port2 = TrainerJob.freePort();
      Process f0 = job.launch("f0", 0, 2, port2, eval, "--train/enabled=False", "--save_dir",
          dir.resolve("failed-run").toString(), "--load_dir", elsewhere.toString());
      Process f1 = job.launch("f1", 1, 2, port2, eval, "--train/enabled=False", "--save_dir",
          dir.resolve("failed-run").toString(), "--load_dir", pretrained.toString());
      assertEquals(2, TrainerJob.await(f0, 120), () -> job.log("f0"));
      assertEquals(2, TrainerJob.await(f1, 60), () -> job.log("f1"));
      assertTrue(job.log("f0").contains("scrl: error: load_dir " + elsewhere + " does not exist"),
          () -> job.log("f0"));
      assertTrue(job.log("f1").contains("scrl: error: rank 0 cannot read a checkpoint in its load_dir"),
          () -> job.log("f1"));
    }
  }

  private static String probed(String log, int rank) {
    Matcher m = PROBED.matcher(log);
    while (m.find()) {
      if (Integer.parseInt(m.group(1)) == rank) {
        return m.group(2);
      }
    }
    throw new AssertionError("rank " + rank + " logged no probed backbone\n" + log);
  }
}

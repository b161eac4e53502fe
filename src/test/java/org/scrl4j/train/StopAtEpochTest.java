package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train/stop_at_epoch} ends a run early without changing it: a 3-epoch run stopped after
 * epoch 1 and resumed by the same command without the flag ends with the same variables, bit for
 * bit, as the run that was never stopped; the stopped run has its checkpoint and no checkpoint
 * beyond it.
 */
class StopAtEpochTest {
  @Test
  void aRunStoppedAtAnEpochAndResumedEndsBitIdenticalToAnUnstoppedRun(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isDirectory(TrainerJob.FASHION), "needs " + TrainerJob.FASHION);
    try (TrainerJob job = new TrainerJob(dir)) {
      Path config = job.tinyConfig("tiny", 3, false);
      Path whole = dir.resolve("whole");
      Path sliced = dir.resolve("sliced");
      assertEquals(0, TrainerJob.await(job.launch("whole", 0, 1, 0, config, "--save_dir", whole.toString(), "--train/batch_size_train=32"), 600),
          () -> job.log("whole"));
      assertEquals(0, TrainerJob.await(job.launch("first", 0, 1, 0, config, "--save_dir", sliced.toString(),
          "--train/batch_size_train=32", "--train/stop_at_epoch=1"), 600), () -> job.log("first"));
      assertTrue(job.log("first").contains("stopped after epoch 1 of 3"), job.log("first"));
      assertTrue(Files.isDirectory(sliced.resolve("checkpoint_1")), job.log("first"));
      assertFalse(Files.exists(sliced.resolve("checkpoint_2")), job.log("first"));
      assertEquals(0, TrainerJob.await(job.launch("rest", 0, 1, 0, config, "--save_dir", sliced.toString(), "--train/batch_size_train=32"), 600),
          () -> job.log("rest"));
      assertEquals(job.fingerprint("whole"), job.fingerprint("rest"));
    }
  }

  @Test
  void aStopAfterTheLastEpochIsRefusedNamingTheBound(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isDirectory(TrainerJob.FASHION), "needs " + TrainerJob.FASHION);
    try (TrainerJob job = new TrainerJob(dir)) {
      Path config = job.tinyConfig("tiny", 3, false);
      int rc = TrainerJob.await(job.launch("late", 0, 1, 0, config, "--save_dir", dir.resolve("late").toString(),
          "--train/stop_at_epoch=4"), 120);
      assertEquals(2, rc, () -> job.log("late"));
      assertTrue(job.log("late").contains("train/stop_at_epoch (4) is after train/max_epochs (3)"), job.log("late"));
    }
  }
}

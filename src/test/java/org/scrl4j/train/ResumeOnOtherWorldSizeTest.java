package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.checkpoint.CheckpointState;
import org.scrl4j.checkpoint.CheckpointStore;

/**
 * A checkpoint resumes on another number of processes with the same global batch and the same data
 * position: 2 ranks are killed inside epoch 1, one process resumes and is killed inside epoch 2,
 * 2 ranks resume again and finish. Each resume is from a mid-epoch save (a save after every step),
 * and each is started with a per-process batch that would change the global batch (1 process at 8,
 * then 2 at 16): the run must take the checkpoint's global batch of 16 instead.
 *
 * <p>128 images at global batch 16 are 8 steps per epoch, so 2 epochs end at global step 16
 * exactly when every resume continued at its checkpoint's step. With the per-process batch taken
 * from the config instead, the one-process epoch has 16 steps and the data position (examples
 * seen / examples per step) lands elsewhere: the run would end at another step.
 */
class ResumeOnOtherWorldSizeTest {
  private static final int STEPS_PER_EPOCH = 8;

  @TempDir Path dir;

  @Test
  void twoToOneToTwoProcessesKeepTheGlobalBatchAndTheDataPosition() throws Exception {
    Path run = dir.resolve("run");
    try (TrainerJob job = new TrainerJob(dir)) {
      Path config = job.tinyConfig("tiny", 2, false);
      String[] common = {"--save_dir", run.toString(), "--train/checkpoint_minutes=1e-9"};

      int port = TrainerJob.freePort();
      Process a0 = job.launch("a0", 0, 2, port, config, concat(common, "--train/batch_size_train", "8"));
      Process a1 = job.launch("a1", 1, 2, port, config, concat(common, "--train/batch_size_train", "8"));
      CheckpointState first = killAtMidEpochSave(run, 0, a0, a1, job, "a0");
      assertEquals(2, first.worldSize());
      assertEquals(16, first.globalBatch());

      Process b = job.launch("b", 0, 1, 0, config, concat(common, "--train/batch_size_train", "8"));
      CheckpointState second = killAtMidEpochSave(run, 1, b, b, job, "b");
      assertTrue(job.log("b").contains("keeping it on 1 process(es) with 16 per process instead of the"
          + " config's 8"), () -> job.log("b"));
      assertTrue(job.log("b").contains("global batch 16,"), () -> job.log("b"));
      assertEquals(1, second.worldSize());
      assertEquals(16, second.globalBatch());

      int port2 = TrainerJob.freePort();
      Process c0 = job.launch("c0", 0, 2, port2, config, concat(common, "--train/batch_size_train", "16"));
      Process c1 = job.launch("c1", 1, 2, port2, config, concat(common, "--train/batch_size_train", "16"));
      assertEquals(0, TrainerJob.await(c0, 600), () -> job.log("c0"));
      assertEquals(0, TrainerJob.await(c1, 120), () -> job.log("c1"));
      assertTrue(job.log("c0").contains("keeping it on 2 process(es) with 8 per process instead of the"
          + " config's 16"), () -> job.log("c0"));
      assertTrue(job.log("c1").contains("global batch 16,"), () -> job.log("c1"));
      assertEquals(job.fingerprint("c0"), job.fingerprint("c1"), "rank 0 and rank 1 differ");
    }
    Checkpoint last = CheckpointStore.findLatest(run).orElseThrow();
    assertEquals(2, last.state().epoch());
    assertEquals(2L * STEPS_PER_EPOCH, last.state().globalStep(),
        "a resume took another number of steps than its checkpoint had left");
    assertEquals(2L * STEPS_PER_EPOCH, last.readWeights().get("global_step").longs()[0]);
    assertEquals(2, last.state().worldSize());
    assertEquals(16, last.state().globalBatch());
  }

  /**
   * Waits until checkpoint_last is a mid-epoch save of epoch {@code epochsDone + 1}, kills the
   * processes at once and returns the newest complete checkpoint's state, which must be mid-epoch
   * (a save follows every step, and 8 steps leave time to kill inside the epoch).
   */
  private static CheckpointState killAtMidEpochSave(Path run, int epochsDone, Process p, Process q,
      TrainerJob job, String name) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    while (System.nanoTime() < deadline && p.isAlive() && !midEpochOf(run, epochsDone)) {
      Thread.sleep(20);
    }
    p.destroyForcibly();
    q.destroyForcibly();
    p.waitFor();
    q.waitFor();
    CheckpointState s = CheckpointStore.findLatest(run).orElseThrow(
        () -> new AssertionError("no checkpoint\n" + job.log(name))).state();
    assertEquals(epochsDone, s.epoch(), () -> "killed too late?\n" + job.log(name));
    assertTrue(s.midEpoch(), () -> "the newest checkpoint is not mid-epoch: " + s);
    assertEquals(s.dataPosition(), (s.globalStep() - (long) epochsDone * STEPS_PER_EPOCH) * 16,
        "data position = steps into the epoch x global batch");
    return s;
  }

  private static boolean midEpochOf(Path run, int epochsDone) throws IOException {
    Path last = run.resolve(CheckpointStore.LAST);
    if (!Files.isSymbolicLink(last)) {
      return false;
    }
    String target = Files.readSymbolicLink(last).toString();
    if (!target.startsWith("checkpoint_resume_")) {
      return false;
    }
    long step = Long.parseLong(target.substring("checkpoint_resume_".length()));
    return step > (long) epochsDone * STEPS_PER_EPOCH;
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

package org.scrl4j.train;

import java.nio.file.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.checkpoint.CheckpointState;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigLoader;

/**
 * The per-process batch of a resumed pre-training: the one that keeps the checkpoint's global
 * batch on this run's number of processes.
 *
 * <p>Why the global batch and not the config's per-process batch: the learning rate scales with the
 * global batch, and steps per epoch (hence the schedule and the data position of a mid-epoch save)
 * count global batches. A 2-process checkpoint (128 per process) resumed by one process at 128
 * would silently halve the learning rate and double the steps left. With the global batch kept,
 * step s of an epoch reads the same images whatever the world size ({@code EpochPlan} deals
 * positions round-robin), so the resumed run continues the same data sequence.
 *
 * <p>A global batch the processes cannot share evenly is refused with the numbers that work.
 */
final class ResumeBatch {
  private static final Logger log = LogManager.getLogger(ResumeBatch.class);

  /** A checkpoint's batching: processes and images per step over all of them. */
  record Batching(int world, int globalBatch) {
    int perProcess() {
      return globalBatch / world;
    }
  }

  private ResumeBatch() {}

  /**
   * The batch per process for {@code world} processes resuming {@code state} (read from {@code
   * where}); {@code configBatch} when it already gives the checkpoint's global batch or when the
   * checkpoint does not say.
   *
   * @throws UserError when {@code world} does not divide the checkpoint's global batch
   */
  static int perProcess(CheckpointState state, Path where, int configBatch, int world) {
    Batching was = batching(state, where);
    if (was == null) {
      log.warn("{} does not record its global batch; resuming with {} per process on {} process(es)",
          where, configBatch, world);
      return configBatch;
    }
    int global = was.globalBatch();
    if ((long) configBatch * world == global) {
      return configBatch;
    }
    if (global % world != 0) {
      throw new UserError(where + " was trained with a global batch of " + global + " (" + was.perProcess()
          + " per process x " + was.world() + "), which " + world + " process(es) cannot share evenly:"
          + " resume on a number of processes that divides " + global + " (e.g. " + was.world()
          + " with --train/batch_size_train=" + was.perProcess() + "), or start a new run with another"
          + " --save_dir");
    }
    int b = global / world;
    log.info("{} was trained with a global batch of {} ({} per process x {}); keeping it on {}"
            + " process(es) with {} per process instead of the config's {} (same learning rate, steps"
            + " per epoch and data order; --train/batch_size_train={} says so explicitly)",
        where, global, was.perProcess(), was.world(), world, b, configBatch, b);
    return b;
  }

  /** The checkpoint's batching: recorded, else from the config it keeps; null when neither says. */
  static Batching batching(CheckpointState state, Path where) {
    if (state.worldSize() > 0 && state.globalBatch() > 0) {
      return new Batching(state.worldSize(), state.globalBatch());
    }
    try {
      // Earlier builds did not record it, but every process of a run has the config's batch.
      Config c = ConfigLoader.loadText(state.config(), where + "/state.json");
      return new Batching(c.worldSize(), c.train().batchSizeTrain() * c.worldSize());
    } catch (UserError | IllegalArgumentException e) {
      return null;
    }
  }

  /** {@code cfg} with {@code batch} images per process per pre-training step. */
  static Config withBatch(Config cfg, int batch) {
    if (cfg.train().batchSizeTrain() == batch) {
      return cfg;
    }
    return ConfigLoader.withOverrides(cfg, java.util.List.of(
        new ConfigLoader.Override("train/batch_size_train", Integer.toString(batch))));
  }
}

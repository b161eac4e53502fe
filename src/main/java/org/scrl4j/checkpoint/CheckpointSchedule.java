package org.scrl4j.checkpoint;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * When the training loop saves. Snapshot epochs ({@code epoch % snapshotInterval == 0} and the
 * last) become permanent {@code checkpoint_{epoch}}; every other epoch end gets a rolling save so a
 * restart never repeats more than one epoch; within an epoch a rolling save is due every
 * {@code midEpochMinutes} (0 = never) so a killed multi-hour ImageNet epoch loses little.
 */
public final class CheckpointSchedule {
  private final int snapshotInterval;
  private final int maxEpochs;
  private final long midEpochNanos;
  private final LongSupplier nanoClock;
  private long lastSaveNanos;

  public CheckpointSchedule(int snapshotInterval, int maxEpochs, double midEpochMinutes, LongSupplier nanoClock) {
    if (snapshotInterval <= 0 || maxEpochs <= 0 || midEpochMinutes < 0) {
      throw new IllegalArgumentException("snapshot_interval and max_epochs must be positive and the "
          + "mid-epoch interval >= 0, got " + snapshotInterval + ", " + maxEpochs + ", " + midEpochMinutes);
    }
    this.snapshotInterval = snapshotInterval;
    this.maxEpochs = maxEpochs;
    this.midEpochNanos = (long) (midEpochMinutes * TimeUnit.MINUTES.toNanos(1));
    this.nanoClock = nanoClock;
    this.lastSaveNanos = nanoClock.getAsLong();
  }

  /** Whether the end of {@code epoch} (1-based) is kept as {@code checkpoint_{epoch}}. */
  public boolean isSnapshot(int epoch) {
    return epoch % snapshotInterval == 0 || epoch == maxEpochs;
  }

  /** Whether a mid-epoch rolling save is due now (call after each step, not after the last). */
  public boolean midEpochSaveDue() {
    return midEpochNanos > 0 && nanoClock.getAsLong() - lastSaveNanos >= midEpochNanos;
  }

  /** Call after every save, so the mid-epoch interval restarts. */
  public void saved() {
    lastSaveNanos = nanoClock.getAsLong();
  }
}

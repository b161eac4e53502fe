package org.scrl4j.train;

import java.nio.file.Path;
import org.scrl4j.UserError;

/**
 * Training diverged: the loss became NaN or infinite. Stops the run before the poisoned weights
 * reach a checkpoint, so the last good checkpoint stays the one a resume picks up.
 */
public final class NonFiniteLossError extends UserError {
  /** Distinct from bad-input errors (2), so scripts can tell a diverged run apart. */
  public static final int EXIT_CODE = 3;

  private final long step;

  private NonFiniteLossError(String message, long step) {
    super(message, EXIT_CODE);
    this.step = step;
  }

  /** The global step whose loss was not finite. */
  public long step() {
    return step;
  }

  /**
   * Throws when {@code loss} is NaN or infinite; call with every step's fetched loss, before any
   * checkpoint of that step is saved.
   *
   * @param lastGoodCheckpoint the newest checkpoint on disk, or null when none was written yet
   */
  public static void check(double loss, long globalStep, int epoch, Path lastGoodCheckpoint) {
    if (Double.isFinite(loss)) {
      return;
    }
    String kept = lastGoodCheckpoint == null
        ? "no checkpoint was written yet"
        : "the last good checkpoint " + lastGoodCheckpoint + " is kept and a restart resumes from it";
    throw new NonFiniteLossError("loss became " + loss + " at step " + globalStep + " (epoch " + epoch
        + "); training stopped, " + kept + "; lower train/optim/lr or check the input data", globalStep);
  }
}

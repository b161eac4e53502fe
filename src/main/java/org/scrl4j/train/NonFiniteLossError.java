package org.scrl4j.train;

import java.nio.file.Path;
import java.util.Map;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;

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

  private static String kept(Path lastGoodCheckpoint) {
    return lastGoodCheckpoint == null
        ? "no checkpoint was written yet"
        : "the last good checkpoint " + lastGoodCheckpoint + " is kept and a restart resumes from it";
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
    throw new NonFiniteLossError("loss became " + loss + " at step " + globalStep + " (epoch " + epoch
        + "); training stopped, " + kept(lastGoodCheckpoint) + "; lower train/optim/lr or check the input data",
        globalStep);
  }

  /**
   * Throws when a float variable about to be checkpointed holds NaN or infinity: a step's loss is
   * computed before its update, so a non-finite gradient shows up first in the weights, and saving
   * them would make checkpoint_last a checkpoint that can only diverge again.
   *
   * @param values the variables to save, by name
   */
  public static void checkWeights(Map<String, NpyArray> values, long globalStep, int epoch,
      Path lastGoodCheckpoint) {
    for (Map.Entry<String, NpyArray> e : values.entrySet()) {
      if (e.getValue().dtype() != NpyArray.Dtype.F4) {
        continue;
      }
      for (float v : e.getValue().floats()) {
        if (!Float.isFinite(v)) {
          throw new NonFiniteLossError("weights became " + v + " at step " + globalStep + " (epoch "
              + epoch + ", " + e.getKey() + "); training stopped before saving them, "
              + kept(lastGoodCheckpoint) + "; lower train/optim/lr or check the input data", globalStep);
        }
      }
    }
  }
}

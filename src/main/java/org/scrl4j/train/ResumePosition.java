package org.scrl4j.train;

import org.scrl4j.checkpoint.CheckpointState;

/**
 * Where pre-training resumes: epochs done, the global step, examples of the next epoch already
 * consumed (summed over all replicas), and the online evaluator's best top-1 so far and its epoch.
 * Rank 0 reads it from its checkpoint; every other rank receives rank 0's ({@link #toVector}).
 */
record ResumePosition(int epochsDone, long globalStep, long examplesSeen, double bestScore,
    int bestEpoch) {

  /** A fresh start. */
  static final ResumePosition FRESH = new ResumePosition(0, 0, 0, 0, 0);

  /** Number of fields on the wire. */
  static final int FIELDS = 5;

  static ResumePosition of(CheckpointState state) {
    return new ResumePosition(state.epoch(), state.globalStep(), state.dataPosition(),
        state.bestScore(), state.bestEpoch());
  }

  /**
   * The fields as float64 for the cross-replica sum (rank 0 sends its position, the others zeros):
   * counts stay exact below 2^53.
   */
  double[] toVector() {
    return new double[] {epochsDone, globalStep, examplesSeen, bestScore, bestEpoch};
  }

  static ResumePosition fromVector(double[] v) {
    if (v.length != FIELDS) {
      throw new IllegalArgumentException("a resume position has " + FIELDS + " fields, got " + v.length);
    }
    return new ResumePosition((int) v[0], (long) v[1], (long) v[2], v[3], (int) v[4]);
  }

  /** Steps of the resumed epoch already taken, at {@code examplesPerStep} over all replicas. */
  long stepInEpoch(long examplesPerStep) {
    return examplesSeen / examplesPerStep;
  }

  boolean isFresh() {
    return epochsDone + globalStep == 0;
  }
}

package org.scrl4j.train;

/**
 * The TensorBoard tags of pre-training's curves: {@link Pretraining} writes its scalars under these
 * names and {@link CurvesChart} reads them back from the event files, so curves.png and TensorBoard
 * show the same values, recorded once.
 */
final class ScalarTags {
  /** Total loss (regression + the online evaluator's cross-entropy): the progress line's loss. */
  static final String LOSS = "train/loss";
  /** The BYOL/SCRL regression loss alone. */
  static final String REGRESSION_LOSS = "train/regression_loss";
  /** The online evaluator's cross-entropy on the training batch (online eval on). */
  static final String EVALUATOR_LOSS = "train/evaluator_loss";
  static final String LR = "train/lr";
  /** EMA momentum of the target network. */
  static final String M = "train/m";
  /** The online evaluator's top-1 (%) on the training batch (online eval on). */
  static final String ONLINE_TOP1_BATCH = "train/online_top1_batch";
  /** The online evaluator's top-1 (%) on the validation split, at validation epochs. */
  static final String ONLINE_TOP1 = "eval/online_top1";
  /** Images per second over all replicas, as the progress line shows it (mean since the epoch's first step). */
  static final String IMAGES_PER_SEC = "train/images_per_sec";

  private ScalarTags() {}
}

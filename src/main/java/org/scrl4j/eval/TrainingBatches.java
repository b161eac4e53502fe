package org.scrl4j.eval;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * How the probe's training batches arrive: cached centre-crop features fed from the host
 * ({@link CachedBatches}), or augmented images read by a pipeline through the frozen features
 * ({@link AugmentedBatches}). Either way every replica runs the same number of steps.
 */
sealed interface TrainingBatches permits CachedBatches, AugmentedBatches {
  /** One batch's features [batch, dim] and labels [batch], as the probe's inputs. */
  Operand<TFloat32> features();

  Operand<TInt64> labels();

  /** Optimiser steps per epoch (at least 1). */
  long stepsPerEpoch();

  /** Before an epoch's first step (epochs count from 1). */
  void startEpoch(Session session, int epoch);

  /** Feeds step {@code step}'s batch into {@code runner}; the caller closes the returned tensors. */
  List<Tensor> feed(Session.Runner runner, long step);

  /** After an epoch's last step. */
  void endEpoch(Session session);

  /** A step's failure, named by the images that caused it where they are the cause. */
  RuntimeException explain(Session session, RuntimeException error);
}

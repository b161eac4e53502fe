package org.scrl4j.loss;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TNumber;

/**
 * Softmax cross-entropy of the online linear evaluator. Uses the dense op with one-hot labels:
 * TensorFlow Java has no gradient for the sparse one.
 */
public final class EvaluatorLoss {
  private EvaluatorLoss() {}

  /** Mean cross-entropy and top-1 accuracy (fraction in [0, 1]) of a batch. */
  public record Result(Operand<TFloat32> loss, Operand<TFloat32> accuracy) {}

  /**
   * @param logits [B, classes]
   * @param labels [B] class indices (int32 or int64)
   * @param classes number of classes (the one-hot depth)
   */
  public static Result of(Ops tf, Operand<TFloat32> logits, Operand<? extends TNumber> labels,
      int classes) {
    Operand<TInt32> ids = tf.dtypes.cast(labels, TInt32.class);
    Operand<TFloat32> oneHot =
        tf.oneHot(ids, tf.constant(classes), tf.constant(1f), tf.constant(0f));
    Operand<TFloat32> perRow = tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss();
    Operand<TFloat32> loss = tf.math.mean(perRow, tf.constant(0));
    Operand<TInt64> predicted = tf.math.argMax(logits, tf.constant(1));
    Operand<TFloat32> hit = tf.dtypes.cast(
        tf.math.equal(predicted, tf.dtypes.cast(ids, TInt64.class)), TFloat32.class);
    return new Result(loss, tf.math.mean(hit, tf.constant(0)));
  }

  /**
   * The loss of a two-view batch: logits of all view-1 rows then all view-2 rows, so the labels
   * are repeated once (the original's {@code torch.cat((labels,) * 2)}).
   *
   * @param logits [2N, classes], computed from stop-gradient features
   * @param labels [N]
   */
  public static Result twoViews(Ops tf, Operand<TFloat32> logits, Operand<? extends TNumber> labels,
      int classes) {
    Operand<TInt32> ids = tf.dtypes.cast(labels, TInt32.class);
    return of(tf, logits, tf.concat(java.util.List.of(ids, ids), tf.constant(0)), classes);
  }
}

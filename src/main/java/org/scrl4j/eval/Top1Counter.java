package org.scrl4j.eval;

import org.scrl4j.dist.Collectives;
import org.scrl4j.dist.DistContext;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Top-1 accuracy over every replica's validation shard. Replicas count their own shard and add the
 * counts once at the end, so shards of unequal length never leave a collective waiting.
 */
final class Top1Counter {
  private final Placeholder<TFloat32> localCounts;
  /** Null with one replica: nothing to add up (and TF refuses to fetch a fed placeholder). */
  private final Operand<TFloat32> globalCounts;

  Top1Counter(Ops tf, Collectives collectives) {
    localCounts = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2)));
    globalCounts = collectives == null ? null : collectives.allReduceSum(localCounts);
  }

  /** Number of rows whose arg-max logit is the label, as a float scalar. */
  static Operand<TFloat32> correct(Ops tf, Operand<TFloat32> logits, Operand<TInt64> labels) {
    Operand<TInt64> predicted = tf.math.argMax(logits, tf.constant(1), TInt64.class);
    return tf.reduceSum(tf.dtypes.cast(tf.math.equal(predicted, labels), TFloat32.class),
        tf.constant(0));
  }

  /** Top-1 in percent of all replicas' (correct, total); NaN when no replica saw an image. */
  double top1(Session session, DistContext dist, float correct, float total) {
    if (globalCounts == null) {
      return total == 0 ? Double.NaN : 100.0 * correct / total;
    }
    try (TFloat32 local = TFloat32.vectorOf(correct, total);
        Result r = dist.run(() -> session.runner().feed(localCounts, local).fetch(globalCounts).run())) {
      TFloat32 g = (TFloat32) r.get(0);
      return g.getFloat(1) == 0 ? Double.NaN : 100.0 * g.getFloat(0) / g.getFloat(1);
    }
  }
}

package org.scrl4j.optim;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The BYOL target update {@code target = m * target + (1 - m) * online}, parameters only (batch-norm
 * running statistics are not averaged, as in the original).
 */
public final class Ema {
  private Ema() {}

  /** A target variable and the online value it follows. */
  public record Pair(Variable<TFloat32> target, Operand<TFloat32> targetValue,
      Operand<TFloat32> online) {}

  /** {@code target * m + online * (1 - m)}. */
  public static Operand<TFloat32> blend(Ops tf, Operand<TFloat32> target, Operand<TFloat32> online,
      Operand<TFloat32> m) {
    return tf.math.add(tf.math.mul(target, m), tf.math.mul(online, tf.math.sub(tf.constant(1f), m)));
  }

  /** One op assigning every target its blend with the online value. */
  public static Op update(Ops tf, List<Pair> pairs, Operand<TFloat32> m) {
    List<Op> assigns = new ArrayList<>();
    for (Pair p : pairs) {
      assigns.add(tf.assign(p.target(), blend(tf, p.targetValue(), p.online(), m)));
    }
    return tf.withControlDependencies(assigns).noOp();
  }
}

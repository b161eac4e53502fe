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

  /** The assigns of one EMA update and the blended values (in pair order). */
  public record Update(Op op, List<Operand<TFloat32>> newValues) {}

  /** Assigns every target its blend with the online value; one op runs them all. */
  public static Update update(Ops tf, List<Pair> pairs, Operand<TFloat32> m) {
    List<Op> assigns = new ArrayList<>();
    List<Operand<TFloat32>> values = new ArrayList<>();
    for (Pair p : pairs) {
      Operand<TFloat32> v = blend(tf, p.targetValue(), p.online(), m);
      values.add(v);
      assigns.add(tf.assign(p.target(), v));
    }
    return new Update(tf.withControlDependencies(assigns).withName("ema_update").noOp(), values);
  }
}

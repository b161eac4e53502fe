package org.scrl4j.optim;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Symbolic gradients with a value for every input, also those the loss does not depend on. */
public final class Gradients {
  private Gradients() {}

  /**
   * d loss / d x for each x. TensorFlow's C API answers "no path" with a null operation (the Java
   * wrapper then throws on first use); those become zeros of x's shape.
   *
   * @param prefix unique name prefix of the gradient ops (null: automatic)
   */
  public static List<Operand<TFloat32>> of(Ops tf, String prefix, Operand<TFloat32> loss,
      List<? extends Operand<TFloat32>> xs) {
    Graph g = (Graph) tf.scope().env();
    Output<?>[] x = new Output<?>[xs.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = xs.get(i).asOutput();
    }
    Output<?>[] dy = g.addGradients(prefix, new Output<?>[] {loss.asOutput()}, x, null);
    List<Operand<TFloat32>> out = new ArrayList<>(dy.length);
    for (int i = 0; i < dy.length; i++) {
      out.add(isMissing(dy[i]) ? tf.zerosLike(xs.get(i)) : dy[i].expect(TFloat32.class));
    }
    return out;
  }

  /** True when the gradient output is the C API's null "no dependency" marker. */
  static boolean isMissing(Output<?> grad) {
    try {
      grad.op().name();
      return false;
    } catch (IllegalStateException nullOperation) {
      return true;
    }
  }
}

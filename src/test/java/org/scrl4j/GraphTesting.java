package org.scrl4j;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Small helpers for tests that evaluate graph values. */
public final class GraphTesting {
  private GraphTesting() {}

  /** The values of a float tensor, copied out (a closed Result's memory must not be read). */
  public static float[] floats(TFloat32 t) {
    float[] out = new float[(int) t.size()];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** Runs {@code x} in a fresh session of {@code g} and returns its values. */
  public static float[] eval(Graph g, Operand<TFloat32> x) {
    try (Session s = new Session(g); Result r = s.runner().fetch(x).run()) {
      return floats((TFloat32) r.get(0));
    }
  }
}

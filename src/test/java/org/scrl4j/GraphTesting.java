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

  /** A committed golden file of the optim/train tests (src/test/resources/golden/train). */
  public static java.nio.file.Path trainGolden(String name) {
    try {
      return java.nio.file.Path.of(GraphTesting.class.getResource("/golden/train/" + name).toURI());
    } catch (java.net.URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing test resource golden/train/" + name, e);
    }
  }

  /** Runs {@code x} in a fresh session of {@code g} and returns its values. */
  public static float[] eval(Graph g, Operand<TFloat32> x) {
    try (Session s = new Session(g); Result r = s.runner().fetch(x).run()) {
      return floats((TFloat32) r.get(0));
    }
  }
}

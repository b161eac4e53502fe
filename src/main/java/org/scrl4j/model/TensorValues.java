package org.scrl4j.model;

import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Copies between Java arrays and float32 tensors (values must be copied out before a Result closes). */
public final class TensorValues {
  private TensorValues() {}

  /** A new float32 tensor holding {@code data} in row-major order; the caller closes it. */
  public static TFloat32 tensor(float[] data, long... shape) {
    Shape s = Shape.of(shape);
    if (s.size() != data.length) {
      throw new IllegalArgumentException(data.length + " values do not fill shape " + s);
    }
    return TFloat32.tensorOf(s, DataBuffers.of(data, true, false));
  }

  /** A copy of a float32 tensor's values, row-major. */
  public static float[] floats(Tensor t) {
    if (!(t instanceof TFloat32 f)) {
      throw new IllegalArgumentException("expected a float32 tensor, got " + t.dataType());
    }
    float[] out = new float[(int) f.shape().size()];
    f.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** A float32 scalar or single-element tensor's value. */
  public static float scalar(Tensor t) {
    float[] v = floats(t);
    if (v.length != 1) {
      throw new IllegalArgumentException("expected one value, got " + v.length);
    }
    return v[0];
  }
}

package org.scrl4j.export;

import java.util.Arrays;

/**
 * A dense float32 array on the host, row-major (C order), with its shape. The exporters move
 * weights between frameworks as these: plain data, no TensorFlow handle to close.
 */
public record FloatArray(long[] shape, float[] data) {
  public FloatArray {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
    }
  }

  public int rank() {
    return shape.length;
  }

  /**
   * Permutes the axes: output axis i is input axis {@code perm[i]} (numpy's transpose). Used for
   * the conv layout change HWIO <-> OIHW and the linear [in,out] <-> [out,in].
   */
  public FloatArray transpose(int... perm) {
    int r = shape.length;
    if (perm.length != r) {
      throw new IllegalArgumentException("permutation " + Arrays.toString(perm) + " for rank " + r);
    }
    long[] outShape = new long[r];
    for (int i = 0; i < r; i++) {
      outShape[i] = shape[perm[i]];
    }
    long[] inStride = strides(shape);
    // Stride in the input of a unit step along each output axis.
    long[] step = new long[r];
    for (int i = 0; i < r; i++) {
      step[i] = inStride[perm[i]];
    }
    float[] out = new float[data.length];
    int[] idx = new int[r];
    long src = 0;
    for (int o = 0; o < out.length; o++) {
      out[o] = data[(int) src];
      for (int ax = r - 1; ax >= 0; ax--) {
        idx[ax]++;
        src += step[ax];
        if (idx[ax] < outShape[ax]) {
          break;
        }
        src -= step[ax] * idx[ax];
        idx[ax] = 0;
      }
    }
    return new FloatArray(outShape, out);
  }

  /** TF conv kernel [kh,kw,in,out] to torch [out,in,kh,kw]. */
  public FloatArray hwioToOihw() {
    return transpose(3, 2, 0, 1);
  }

  /** torch conv kernel [out,in,kh,kw] to TF [kh,kw,in,out]. */
  public FloatArray oihwToHwio() {
    return transpose(2, 3, 1, 0);
  }

  private static long[] strides(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatArray f && Arrays.equals(shape, f.shape) && Arrays.equals(data, f.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "FloatArray" + Arrays.toString(shape);
  }
}

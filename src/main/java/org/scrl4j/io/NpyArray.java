package org.scrl4j.io;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One array of an .npy/.npz file: its dtype, its shape and its row-major data. The data is a
 * primitive Java array matching the dtype ({@code float[]} for F4, {@code double[]} for F8,
 * {@code long[]} for I8, {@code int[]} for I4, {@code boolean[]} for B1, {@code byte[]} for U1) or
 * a {@code String} for a 0-d unicode array.
 */
public record NpyArray(Dtype dtype, long[] shape, Object data) {

  /** The supported numpy dtypes, with their .npy {@code descr} strings. */
  public enum Dtype {
    F4("<f4", 4), F8("<f8", 8), I8("<i8", 8), I4("<i4", 4), B1("|b1", 1), U1("|u1", 1),
    /** 0-d unicode string, {@code <U<n>}, UTF-32LE, n code points. */
    UNICODE("<U", 4);

    final String descr;
    final int itemSize;

    Dtype(String descr, int itemSize) {
      this.descr = descr;
      this.itemSize = itemSize;
    }

    public String descr() {
      return descr;
    }
  }

  public NpyArray {
    shape = shape.clone();
    long n = elementCount(shape);
    int length = switch (dtype) {
      case F4 -> ((float[]) data).length;
      case F8 -> ((double[]) data).length;
      case I8 -> ((long[]) data).length;
      case I4 -> ((int[]) data).length;
      case B1 -> ((boolean[]) data).length;
      case U1 -> ((byte[]) data).length;
      case UNICODE -> {
        if (shape.length != 0) {
          throw new IllegalArgumentException("only 0-d unicode arrays are supported, shape " + Arrays.toString(shape));
        }
        yield 1;
      }
    };
    if (length != n) {
      throw new IllegalArgumentException(
          "data has " + length + " elements but shape " + Arrays.toString(shape) + " needs " + n);
    }
  }

  public static NpyArray of(float[] data, long... shape) {
    return new NpyArray(Dtype.F4, shape, data);
  }

  public static NpyArray of(double[] data, long... shape) {
    return new NpyArray(Dtype.F8, shape, data);
  }

  public static NpyArray of(long[] data, long... shape) {
    return new NpyArray(Dtype.I8, shape, data);
  }

  public static NpyArray of(int[] data, long... shape) {
    return new NpyArray(Dtype.I4, shape, data);
  }

  public static NpyArray of(boolean[] data, long... shape) {
    return new NpyArray(Dtype.B1, shape, data);
  }

  public static NpyArray ofBytes(byte[] data, long... shape) {
    return new NpyArray(Dtype.U1, shape, data);
  }

  /** A 0-d unicode array, as numpy stores {@code np.array("text")}. */
  public static NpyArray of(String text) {
    return new NpyArray(Dtype.UNICODE, new long[0], text);
  }

  /** A scalar float32 (0-d). */
  public static NpyArray scalar(float value) {
    return of(new float[] {value});
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The shape of every array, by name, in the map's order. */
  public static Map<String, long[]> shapes(Map<String, ? extends NpyArray> arrays) {
    Map<String, long[]> out = new LinkedHashMap<>();
    arrays.forEach((k, a) -> out.put(k, a.shape()));
    return out;
  }

  public int rank() {
    return shape.length;
  }

  public long size() {
    return elementCount(shape);
  }

  public float[] floats() {
    return (float[]) requireDtype(Dtype.F4);
  }

  public double[] doubles() {
    return (double[]) requireDtype(Dtype.F8);
  }

  public long[] longs() {
    return (long[]) requireDtype(Dtype.I8);
  }

  public int[] ints() {
    return (int[]) requireDtype(Dtype.I4);
  }

  public boolean[] booleans() {
    return (boolean[]) requireDtype(Dtype.B1);
  }

  public byte[] bytes() {
    return (byte[]) requireDtype(Dtype.U1);
  }

  public String string() {
    return (String) requireDtype(Dtype.UNICODE);
  }

  /** The values as float32, converting from any numeric dtype (f8 rounds). */
  public float[] toFloats() {
    return switch (dtype) {
      case F4 -> ((float[]) data).clone();
      case F8 -> {
        double[] d = (double[]) data;
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
          f[i] = (float) d[i];
        }
        yield f;
      }
      case I8 -> {
        long[] d = (long[]) data;
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
          f[i] = d[i];
        }
        yield f;
      }
      case I4 -> {
        int[] d = (int[]) data;
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
          f[i] = d[i];
        }
        yield f;
      }
      case U1 -> {
        byte[] d = (byte[]) data;
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
          f[i] = d[i] & 0xff;
        }
        yield f;
      }
      case B1 -> {
        boolean[] d = (boolean[]) data;
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
          f[i] = d[i] ? 1f : 0f;
        }
        yield f;
      }
      case UNICODE -> throw new IllegalStateException("a unicode array has no numeric values");
    };
  }

  private Object requireDtype(Dtype wanted) {
    if (dtype != wanted) {
      throw new IllegalStateException("array has dtype " + dtype.descr + ", not " + wanted.descr);
    }
    return data;
  }

  static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof NpyArray other) || other.dtype != dtype || !Arrays.equals(other.shape, shape)) {
      return false;
    }
    return Arrays.deepEquals(new Object[] {data}, new Object[] {other.data});
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(new Object[] {dtype, shape, data});
  }

  @Override
  public String toString() {
    return "NpyArray[" + dtype.descr + " " + Arrays.toString(shape) + "]";
  }
}

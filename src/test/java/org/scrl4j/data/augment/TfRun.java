package org.scrl4j.data.augment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/** Test support: build a graph, run it once, copy the fetched tensors out as Java arrays. */
public final class TfRun {
  private TfRun() {}

  /** One fetched tensor, copied out (as double) before the Result closes. */
  public record Value(long[] shape, double[] data) {
    public double get(int i) {
      return data[i];
    }

    public float[] floats() {
      float[] f = new float[data.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) data[i];
      }
      return f;
    }
  }

  /** Builds the fetches with {@code build} and evaluates them. */
  public static List<Value> run(Function<Ops, List<Operand<?>>> build) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Operand<?>> fetches = build.apply(tf);
      Session.Runner runner = s.runner();
      fetches.forEach(runner::fetch);
      List<Value> out = new ArrayList<>();
      try (Result r = runner.run()) {
        for (int i = 0; i < fetches.size(); i++) {
          out.add(copy(r.get(i)));
        }
      }
      return out;
    }
  }

  /**
   * Builds the fetches once from an int64 [2] seed placeholder and evaluates them for the seeds
   * (7, 0), (7, 1), ..., (7, n - 1): result[i] holds the fetches of seed i.
   */
  public static List<List<Value>> runSeeds(
      int n, java.util.function.BiFunction<Ops, Operand<TInt64>, List<Operand<?>>> build) {
    return runSeeds(n, null, build);
  }

  /** {@link #runSeeds(int, java.util.function.BiFunction)} in a session with these options. */
  public static List<List<Value>> runSeeds(int n, org.tensorflow.proto.ConfigProto options,
      java.util.function.BiFunction<Ops, Operand<TInt64>, List<Operand<?>>> build) {
    try (Graph g = new Graph(); Session s = options == null ? new Session(g) : new Session(g, options)) {
      Ops tf = Ops.create(g);
      Operand<TInt64> seed = tf.placeholder(TInt64.class,
          org.tensorflow.op.core.Placeholder.shape(Shape.of(2)));
      List<Operand<?>> fetches = build.apply(tf, seed);
      List<List<Value>> all = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        try (TInt64 seedValue = TInt64.vectorOf(7, k)) {
          Session.Runner runner = s.runner().feed(seed, seedValue);
          fetches.forEach(runner::fetch);
          List<Value> out = new ArrayList<>();
          try (Result r = runner.run()) {
            for (int i = 0; i < fetches.size(); i++) {
              out.add(copy(r.get(i)));
            }
          }
          all.add(out);
        }
      }
      return all;
    }
  }

  public static Value copy(Tensor t) {
    Shape shape = t.shape();
    int n = (int) shape.size();
    double[] d = new double[n];
    if (t instanceof TFloat32 f) {
      float[] a = new float[n];
      f.copyTo(DataBuffers.of(a, false, false));
      for (int i = 0; i < n; i++) d[i] = a[i];
    } else if (t instanceof TFloat64 f) {
      f.copyTo(DataBuffers.of(d, false, false));
    } else if (t instanceof TInt32 f) {
      int[] a = new int[n];
      f.copyTo(DataBuffers.of(a, false, false));
      for (int i = 0; i < n; i++) d[i] = a[i];
    } else if (t instanceof TInt64 f) {
      long[] a = new long[n];
      f.copyTo(DataBuffers.of(a, false, false));
      for (int i = 0; i < n; i++) d[i] = a[i];
    } else if (t instanceof TBool f) {
      boolean[] a = new boolean[n];
      f.copyTo(DataBuffers.of(a, false, false));
      for (int i = 0; i < n; i++) d[i] = a[i] ? 1 : 0;
    } else if (t instanceof TUint8 f) {
      byte[] a = new byte[n];
      f.copyTo(DataBuffers.of(a, false, false));
      for (int i = 0; i < n; i++) d[i] = a[i] & 0xff;
    } else {
      throw new IllegalArgumentException("unsupported " + t.dataType());
    }
    return new Value(shape.asArray(), d);
  }

  /** The deterministic uint8 HWC pattern of make_goldens.py's {@code pixels}. */
  public static byte[] pixels(int h, int w, int salt) {
    byte[] b = new byte[h * w * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          b[(y * w + x) * 3 + c] =
              (byte) ((x * 37 + y * 91 + c * 53 + salt * 17 + (x * y) % 7 * 29) % 256);
        }
      }
    }
    return b;
  }

  public static Operand<TUint8> image(Ops tf, int h, int w, int salt) {
    return tf.constant(Shape.of(h, w, 3), DataBuffers.of(pixels(h, w, salt), true, false));
  }

  public static Operand<TFloat32> unitImage(Ops tf, int h, int w, int salt) {
    return ColorOps.toUnit(tf, image(tf, h, w, salt));
  }

  /** A golden file from src/test/resources/golden/augment/. */
  public static Value golden(String name) {
    String path = "/golden/augment/" + name + ".txt";
    try (InputStream in = TfRun.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing golden " + path);
      }
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      long[] shape = Arrays.stream(lines[0].trim().split(" ")).mapToLong(Long::parseLong).toArray();
      double[] data = Arrays.stream(lines[1].trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
      return new Value(shape, data);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static double maxAbsDiff(Value a, Value b) {
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new AssertionError("shape " + Arrays.toString(a.shape()) + " vs " + Arrays.toString(b.shape()));
    }
    double m = 0;
    for (int i = 0; i < a.data().length; i++) {
      m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
    }
    return m;
  }
}

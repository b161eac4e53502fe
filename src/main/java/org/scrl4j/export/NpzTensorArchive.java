package org.scrl4j.export;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.scrl4j.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.train.TensorArchive;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A checkpoint's weights.npz as a {@link TensorArchive} (float32, int64, int32 tensors by full TF
 * name), plus {@link #readPrefix}, which loads only the entries an exporter needs instead of the
 * whole checkpoint (target network, heads and optimizer state are most of its bytes).
 */
final class NpzTensorArchive implements TensorArchive {
  @Override
  public void write(Path file, Map<String, ? extends Tensor> tensors) {
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    tensors.forEach((name, t) -> arrays.put(name, toNpy(name, t)));
    Npz.write(file, arrays);
  }

  @Override
  public Map<String, Tensor> read(Path file) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    Npz.read(file).forEach((name, a) -> out.put(name, toTensor(name, a)));
    return out;
  }

  /** The arrays whose names start with {@code prefix}, keyed by full name, in file order. */
  static Map<String, NpyArray> readPrefix(Path file, String prefix) {
    Map<String, NpyArray> out = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
        ZipEntry e = en.nextElement();
        String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
        if (name.startsWith(prefix)) {
          try (InputStream in = zip.getInputStream(e)) {
            out.put(name, Npz.parseNpy(in.readAllBytes(), file + ":" + e.getName()));
          }
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static NpyArray toNpy(String name, Tensor t) {
    long[] shape = t.shape().asArray();
    int n = (int) t.shape().size();
    if (t instanceof TFloat32 f) {
      float[] v = new float[n];
      f.copyTo(DataBuffers.of(v, false, false));
      return NpyArray.of(v, shape);
    } else if (t instanceof TInt64 l) {
      long[] v = new long[n];
      l.copyTo(DataBuffers.of(v, false, false));
      return NpyArray.of(v, shape);
    } else if (t instanceof TInt32 i) {
      int[] v = new int[n];
      i.copyTo(DataBuffers.of(v, false, false));
      return NpyArray.of(v, shape);
    }
    throw new IllegalArgumentException("tensor " + name + " has unsupported type " + t.dataType());
  }

  private static Tensor toTensor(String name, NpyArray a) {
    Shape s = Shape.of(a.shape());
    return switch (a.dtype()) {
      case F4 -> TFloat32.tensorOf(s, DataBuffers.of(a.floats(), true, false));
      case I8 -> TInt64.tensorOf(s, DataBuffers.of(a.longs(), true, false));
      case I4 -> TInt32.tensorOf(s, DataBuffers.of(a.ints(), true, false));
      default -> throw new UserError("weights entry " + name + " has dtype " + a.dtype().descr()
          + ", which checkpoints do not hold");
    };
  }
}

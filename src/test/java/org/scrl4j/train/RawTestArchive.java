package org.scrl4j.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** A trivial raw-bytes archive so the store's file protocol is tested independently of .npz. */
final class RawTestArchive implements TensorArchive {
  @Override
  public void write(Path file, Map<String, ? extends Tensor> tensors) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
      out.writeInt(tensors.size());
      for (Map.Entry<String, ? extends Tensor> e : tensors.entrySet()) {
        Tensor t = e.getValue();
        out.writeUTF(e.getKey());
        out.writeBoolean(t instanceof TFloat32);
        long[] dims = t.shape().asArray();
        out.writeInt(dims.length);
        for (long d : dims) {
          out.writeLong(d);
        }
        byte[] bytes = new byte[(int) t.numBytes()];
        t.asRawTensor().data().read(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    }
  }

  @Override
  public Map<String, Tensor> read(Path file) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        boolean f32 = in.readBoolean();
        long[] dims = new long[in.readInt()];
        for (int d = 0; d < dims.length; d++) {
          dims[d] = in.readLong();
        }
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        var raw = DataBuffers.of(bytes, true, false);
        out.put(name, f32 ? Tensor.of(TFloat32.class, Shape.of(dims), raw) : Tensor.of(TInt64.class, Shape.of(dims), raw));
      }
    }
    return out;
  }
}

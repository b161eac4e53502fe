package org.scrl4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Tensor;

/** The file format of a checkpoint's tensors (weights.npz): named tensors in, named tensors out. */
public interface TensorArchive {
  /** Writes every tensor under its name; the file need not be durable yet (the caller fsyncs). */
  void write(Path file, Map<String, ? extends Tensor> tensors) throws IOException;

  /** Reads every tensor back, bit-identical and in the stored dtype; the caller closes them. */
  Map<String, Tensor> read(Path file) throws IOException;
}

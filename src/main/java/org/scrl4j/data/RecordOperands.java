package org.scrl4j.data;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * Where one record lies, as the scalars of the pipeline's map function: {@code length} bytes at
 * {@code offset} of the file {@code path}, {@code bytesAfter} bytes before its end, and the label
 * its {@link RecordIndex} knows ({@code indexLabel}, -1 when the record carries its own). An
 * {@link ImageSource} reads and decodes it in the form it wrote ({@link ImageSource#decode}).
 */
public record RecordOperands(Operand<TString> path, Operand<TInt64> offset, Operand<TInt64> length,
    Operand<TInt64> bytesAfter, Operand<TInt64> indexLabel) {

  /**
   * The payload of the TFRecord whose data starts at {@code offset} (after its 12-byte length and
   * length-CRC header): a one-record TFRecordDatasetV2 started at the record's byte offset, which
   * seeks there (RandomAccessInputStream skips without reading) and checks both CRCs.
   *
   * <p>Not FixedLengthRecordDataset (as before): it skips its header bytes by reading them
   * through its buffer, so every image read the whole shard before it (strace on the demo: 160
   * shard opens and 8,000 reads of 256 KB a second, a quarter of the process's CPU in the
   * kernel's page-cache copy; with ImageNet's 140 MB shards, 70 MB per image).
   */
  public Operand<TString> tfRecord(Ops tf) {
    Operand<TInt64> start = tf.reshape(tf.math.sub(offset, tf.constant(12L)), tf.constant(new long[] {1}));
    // one buffer fill holds the whole record: header 12 + payload + data CRC 4
    Operand<TInt64> buffer = tf.math.add(length, tf.constant(16L));
    Operand<? extends TType> records = tf.data.tfRecordDataset(tf.reshape(path, tf.constant(new long[] {1})),
        tf.constant(""), buffer, start);
    Operand<? extends TType> one = tf.data.takeDataset(records, tf.constant(1L), List.of(TString.class),
        List.of(Shape.scalar()));
    @SuppressWarnings("unchecked")
    Operand<TString> bytes = (Operand<TString>) tf.data.datasetToSingleElement(one,
        List.of(TString.class), List.of(Shape.scalar())).components().get(0);
    return bytes;
  }

  /** The whole file (a folder source's image file). */
  public Operand<TString> wholeFile(Ops tf) {
    return tf.io.readFile(path);
  }
}

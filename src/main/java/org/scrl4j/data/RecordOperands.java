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
   * The record's bytes: a one-record FixedLengthRecordDataset reads exactly this payload, random
   * access into a shard without reading the records before it.
   */
  public Operand<TString> payload(Ops tf) {
    Operand<? extends TType> one = tf.data.fixedLengthRecordDataset(path, offset, length,
        bytesAfter, tf.constant(256L * 1024), tf.constant(""));
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

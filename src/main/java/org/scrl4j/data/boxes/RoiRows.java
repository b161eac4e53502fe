package org.scrl4j.data.boxes;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Batched box pairs to the RoIAlign input rows of the shared convention. */
public final class RoiRows {
  private RoiRows() {}

  /**
   * @param boxes1 float32 [N, B, 4] view-1 boxes (x1, y1, x2, y2)
   * @param boxes2 float32 [N, B, 4] matched view-2 boxes
   * @param valid bool [N]; images without boxes are skipped
   * @return float32 [K, 5] = (batch_idx, x1, y1, x2, y2), K = 2 B (number of valid images): first
   *     every view-1 box (batch_idx b, image-major), then row i + K/2 its view-2 partner (b + N)
   */
  public static Operand<TFloat32> of(
      Ops tf, Operand<TFloat32> boxes1, Operand<TFloat32> boxes2, Operand<TBool> valid) {
    Operand<TInt64> kept = tf.reshape(tf.where(valid), tf.constant(new long[] {-1})); // [M]
    Operand<TFloat32> n =
        tf.dtypes.cast(
            tf.gather(tf.shape(boxes1, TInt64.class), tf.constant(0), tf.constant(0)), TFloat32.class);
    Operand<TFloat32> kept1 = tf.gather(boxes1, kept, tf.constant(0)); // [M, B, 4]
    Operand<TFloat32> kept2 = tf.gather(boxes2, kept, tf.constant(0));
    // batch index of every box: kept[m] repeated B times, as a column
    Operand<TFloat32> ones = tf.onesLike(tf.gather(kept1, tf.constant(0), tf.constant(2))); // [M, B]
    Operand<TFloat32> index =
        tf.reshape(
            tf.math.mul(tf.expandDims(tf.dtypes.cast(kept, TFloat32.class), tf.constant(1)), ones),
            tf.constant(new long[] {-1, 1}));
    Operand<TFloat32> rows1 = rows(tf, index, kept1);
    Operand<TFloat32> rows2 = rows(tf, tf.math.add(index, n), kept2);
    return tf.concat(Arrays.asList(rows1, rows2), tf.constant(0));
  }

  private static Operand<TFloat32> rows(Ops tf, Operand<TFloat32> index, Operand<TFloat32> boxes) {
    Operand<TFloat32> flat = tf.reshape(boxes, tf.constant(new long[] {-1, 4}));
    return tf.concat(Arrays.asList(index, flat), tf.constant(1));
  }
}

package org.scrl4j.data.boxes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scrl4j.data.augment.TfRun;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;

class RoiRowsTest {
  @Test
  void validImagesGiveViewOneRowsThenTheirViewTwoPartners() {
    // N = 3 images, B = 2 boxes each; image 1 has no boxes.
    float[] b1 = new float[3 * 2 * 4];
    float[] b2 = new float[3 * 2 * 4];
    for (int i = 0; i < b1.length; i++) {
      b1[i] = i;
      b2[i] = 100 + i;
    }
    TfRun.Value rows = TfRun.run(tf -> List.of(RoiRows.of(tf,
        tf.constant(Shape.of(3, 2, 4), DataBuffers.of(b1, true, false)),
        tf.constant(Shape.of(3, 2, 4), DataBuffers.of(b2, true, false)),
        tf.constant(new boolean[] {true, false, true})))).get(0);
    assertArrayEquals(new long[] {8, 5}, rows.shape());
    double[] expected = {
        0, 0, 1, 2, 3,
        0, 4, 5, 6, 7,
        2, 16, 17, 18, 19,
        2, 20, 21, 22, 23,
        3, 100, 101, 102, 103,
        3, 104, 105, 106, 107,
        5, 116, 117, 118, 119,
        5, 120, 121, 122, 123};
    assertArrayEquals(expected, rows.data());
  }
}

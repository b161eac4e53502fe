package org.scrl4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scrl4j.model.TensorValues;
import org.tensorflow.types.TFloat32;

class FeatureSetTest {
  /** Rows (1, 2, 5), (3, 2, -1): mean (2, 2, 2), population std (1, 0, 3). */
  private static FeatureSet twoRows() {
    return FeatureSet.concat(List.of(new float[] {1, 2, 5, 3, 2, -1}), List.of(new long[] {4, 7}), 3);
  }

  private static float[] all(FeatureSet s) {
    try (TFloat32 t = s.features(new int[] {0, 1})) {
      return TensorValues.floats(t);
    }
  }

  @Test
  void standardizesEachDimensionAndZeroesConstantOnes() {
    FeatureSet s = twoRows();
    FeatureSet.Standardizer z = s.standardizer(v -> v);
    assertArrayEquals(new double[] {2, 2, 2}, z.mean(), 1e-12);
    assertArrayEquals(new double[] {1, 0, 1 / 3.0}, z.scale(), 1e-12);
    assertArrayEquals(new float[] {-1, 0, 1, 1, 0, -1}, all(z.apply(s)), 1e-6f);
    // the map fitted on the training set moves any other set by the same affine map
    FeatureSet other = FeatureSet.concat(List.of(new float[] {2, 9, 8}), List.of(new long[] {1}), 3);
    assertArrayEquals(new float[] {0, 0, 2}, all1(z.apply(other)), 1e-6f);
    assertEquals(7L, z.apply(s).labels(new int[] {1}).getLong(0));
  }

  /**
   * Two replicas each holding one of the rows must get the statistics of both: the cross-replica
   * sum here adds the other replica's vector, as the all-reduce would.
   */
  @Test
  void statisticsCoverEveryReplica() {
    FeatureSet mine = FeatureSet.concat(List.of(new float[] {1, 2, 5}), List.of(new long[] {0}), 3);
    FeatureSet theirs = FeatureSet.concat(List.of(new float[] {3, 2, -1}), List.of(new long[] {0}), 3);
    FeatureSet.Standardizer peer = theirs.standardizer(v -> v);
    // first call: sums and count; second: squared deviations from the global mean
    double[][] theirVectors = {{3, 2, -1, 1}, {1, 0, 9}};
    int[] call = {0};
    FeatureSet.Standardizer z = mine.standardizer(v -> {
      double[] o = theirVectors[call[0]++];
      double[] r = v.clone();
      for (int i = 0; i < r.length; i++) {
        r[i] += o[i];
      }
      return r;
    });
    assertEquals(2, call[0]);
    assertArrayEquals(new double[] {2, 2, 2}, z.mean(), 1e-12);
    assertArrayEquals(new double[] {1, 0, 1 / 3.0}, z.scale(), 1e-12);
    assertArrayEquals(new double[] {3, 2, -1}, peer.mean(), 1e-12); // alone it sees only its row
  }

  private static float[] all1(FeatureSet s) {
    try (TFloat32 t = s.features(new int[] {0})) {
      return TensorValues.floats(t);
    }
  }
}

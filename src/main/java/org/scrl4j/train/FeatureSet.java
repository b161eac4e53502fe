package org.scrl4j.train;

import java.util.List;
import org.scrl4j.model.TensorValues;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Pooled features and labels of a split, kept on the host for the cached linear protocol. */
final class FeatureSet {
  private final float[] features;
  private final long[] labels;
  private final int dim;

  FeatureSet(float[] features, long[] labels, int dim) {
    this.features = features;
    this.labels = labels;
    this.dim = dim;
  }

  static FeatureSet concat(List<float[]> featureBatches, List<long[]> labelBatches, int dim) {
    int n = labelBatches.stream().mapToInt(l -> l.length).sum();
    float[] f = new float[n * dim];
    long[] l = new long[n];
    int row = 0;
    for (int b = 0; b < labelBatches.size(); b++) {
      long[] lb = labelBatches.get(b);
      System.arraycopy(featureBatches.get(b), 0, f, row * dim, lb.length * dim);
      System.arraycopy(lb, 0, l, row, lb.length);
      row += lb.length;
    }
    return new FeatureSet(f, l, dim);
  }

  int size() {
    return labels.length;
  }

  TFloat32 features(int[] rows) {
    float[] out = new float[rows.length * dim];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(features, rows[i] * dim, out, i * dim, dim);
    }
    return TensorValues.tensor(out, rows.length, dim);
  }

  TInt64 labels(int[] rows) {
    TInt64 t = TInt64.tensorOf(Shape.of(rows.length));
    for (int i = 0; i < rows.length; i++) {
      t.setLong(labels[rows[i]], i);
    }
    return t;
  }
}

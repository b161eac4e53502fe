package org.scrl4j.eval;

import java.util.List;
import java.util.function.UnaryOperator;
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

  /**
   * Per-dimension mean and standard deviation over the rows of every replica's set: {@code
   * acrossReplicas} adds a vector over replicas (identity with one). Two passes, so no
   * E[x^2] - E[x]^2 cancellation; host sums in double.
   */
  Standardizer standardizer(UnaryOperator<double[]> acrossReplicas) {
    int n = size();
    double[] sums = new double[dim + 1];
    for (int r = 0; r < n; r++) {
      for (int d = 0; d < dim; d++) {
        sums[d] += features[r * dim + d];
      }
    }
    sums[dim] = n;
    sums = acrossReplicas.apply(sums);
    double total = sums[dim];
    double[] mean = new double[dim];
    for (int d = 0; d < dim; d++) {
      mean[d] = sums[d] / total;
    }
    double[] sq = new double[dim];
    for (int r = 0; r < n; r++) {
      for (int d = 0; d < dim; d++) {
        double x = features[r * dim + d] - mean[d];
        sq[d] += x * x;
      }
    }
    sq = acrossReplicas.apply(sq);
    double[] scale = new double[dim];
    for (int d = 0; d < dim; d++) {
      // a constant dimension (e.g. a dead ReLU channel) maps to 0 instead of dividing by 0
      double std = Math.sqrt(sq[d] / total);
      scale[d] = std > 1e-12 ? 1.0 / std : 0.0;
    }
    return new Standardizer(mean, scale);
  }

  /** The affine map x -> (x - mean) * scale per dimension, fitted on one set, applied to any. */
  record Standardizer(double[] mean, double[] scale) {
    FeatureSet apply(FeatureSet s) {
      float[] out = new float[s.features.length];
      for (int i = 0; i < out.length; i++) {
        int d = i % s.dim;
        out[i] = (float) ((s.features[i] - mean[d]) * scale[d]);
      }
      return new FeatureSet(out, s.labels, s.dim);
    }
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

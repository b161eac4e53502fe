package org.scrl4j.eval;

import java.util.List;
import java.util.Random;
import org.scrl4j.data.EpochPlan;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The cached protocol: the training split's centre-crop features, computed once by
 * {@link #source()} ({@link FeatureCache}) and handed over with {@link #use}, fed batch by batch from
 * a permutation drawn per epoch (seeded by the run seed and rank). No augmentation; many times
 * faster on a CPU.
 */
final class CachedBatches implements TrainingBatches {
  private final FeatureCache.Pass source;
  private final Placeholder<TFloat32> features;
  private final Placeholder<TInt64> labels;
  private final int batch;
  private final long steps;
  private final Random order;
  /** The rows, known only once the session has computed them; see {@link #use}. */
  private FeatureSet rows;
  private int[] perm;

  /**
   * @param source the centre-crop pass over the training split whose features are cached
   * @param trainImages images of the whole training split (every replica's share)
   * @param world replicas; each step takes {@code batch} rows on each of them
   */
  CachedBatches(Ops tf, FeatureCache.Pass source, long dim, int batch, int trainImages, int world,
      long seed, int rank) {
    this.source = source;
    this.features = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, dim)));
    this.labels = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1)));
    this.batch = batch;
    this.steps = Math.max(1, (long) Math.ceil(trainImages / (double) (batch * world)));
    this.order = new Random(seed * 31 + rank);
  }

  /** The pass whose features {@link #use} receives. */
  FeatureCache.Pass source() {
    return source;
  }

  /** The (standardised) training rows to feed; before the first epoch. */
  void use(FeatureSet trainRows) {
    this.rows = trainRows;
  }

  @Override
  public Operand<TFloat32> features() {
    return features;
  }

  @Override
  public Operand<TInt64> labels() {
    return labels;
  }

  @Override
  public long stepsPerEpoch() {
    return steps;
  }

  @Override
  public void startEpoch(Session session, int epoch) {
    if (rows == null) {
      throw new IllegalStateException("no cached training features: call use() first");
    }
    perm = EpochPlan.permutation(rows.size(), order::nextInt);
  }

  @Override
  public List<Tensor> feed(Session.Runner runner, long step) {
    int[] window = window(perm, step * batch, batch);
    TFloat32 f = rows.features(window);
    TInt64 l = rows.labels(window);
    runner.feed(features, f).feed(labels, l);
    return List.of(f, l);
  }

  @Override
  public void endEpoch(Session session) {
    // nothing read from a pipeline
  }

  @Override
  public RuntimeException explain(Session session, RuntimeException error) {
    return error; // the rows are in memory: no image to blame
  }

  /** {@code count} rows from {@code start}, wrapping around (every replica runs the same steps). */
  static int[] window(int[] perm, long start, int count) {
    int n = Math.min(count, perm.length);
    int[] rows = new int[n];
    for (int j = 0; j < n; j++) {
      rows[j] = perm[(int) ((start + j) % perm.length)];
    }
    return rows;
  }
}

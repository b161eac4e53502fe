package org.scrl4j.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.scrl4j.common.Progress;
import org.scrl4j.data.InputErrors;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.data.SingleViewTransform;
import org.scrl4j.dist.Collectives;
import org.scrl4j.dist.DistContext;
import org.scrl4j.model.ForwardContext;
import org.scrl4j.model.TensorValues;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Features of whole splits kept on the host ({@link FeatureSet}): each split runs once through the
 * frozen {@link ProbeFeatures}, and the probe then trains and validates on the rows. Also fits the
 * standardisation on every replica's training rows, so all replicas z-score alike.
 */
final class FeatureCache {
  /** One split's pass: its evaluation pipeline and the features and labels of each batch. */
  record Pass(InputPipeline pipeline, Operand<TFloat32> features, Operand<TInt64> labels) {
    static Pass of(Ops tf, InputPipeline pipeline, ProbeFeatures probe, ForwardContext inference) {
      return new Pass(pipeline, probe.of(tf, inference, pipeline.output(SingleViewTransform.IMAGE)),
          pipeline.output(InputPipeline.LABEL));
    }
  }

  private final DistContext dist;
  private final int dim;
  /** The all-reduce of the standardisation sums; null with one replica (nothing to add up). */
  private final Placeholder<TFloat32> localSums;
  private final Operand<TFloat32> globalSums;

  FeatureCache(Ops tf, DistContext dist, Collectives collectives, long dim, boolean standardize) {
    this.dist = dist;
    this.dim = (int) dim;
    if (collectives != null && standardize) {
      localSums = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(dim + 1)));
      globalSums = collectives.allReduceSum(localSums);
    } else {
      localSums = null;
      globalSums = null;
    }
  }

  /** Runs the pass's split once and keeps its features on the host. */
  FeatureSet collect(Session session, Pass pass, String what) {
    InputPipeline p = pass.pipeline();
    p.startEpoch(session, 0, 0);
    long steps = p.stepsPerEpoch();
    Progress progress = Progress.forEpoch("features of " + what, Math.max(1, steps),
        p.options().batchSize(), 0);
    List<float[]> rows = new ArrayList<>();
    List<long[]> labelRows = new ArrayList<>();
    for (long i = 0; i < steps; i++) {
      try (Result r = dist.run(() -> session.runner().fetch(pass.features()).fetch(pass.labels())
          .run())) {
        rows.add(TensorValues.floats(r.get(0)));
        TInt64 l = (TInt64) r.get(1);
        long[] ls = new long[(int) l.shape().size(0)];
        for (int j = 0; j < ls.length; j++) {
          ls[j] = l.getLong(j);
        }
        labelRows.add(ls);
      } catch (RuntimeException e) {
        throw InputErrors.explain(p, session, e);
      }
      progress.update(i + 1, Map.of());
    }
    progress.close();
    p.endEpoch(session);
    return FeatureSet.concat(rows, labelRows, dim);
  }

  /** The z-scoring fitted on the training rows of every replica. */
  FeatureSet.Standardizer standardizer(Session session, FeatureSet train) {
    return train.standardizer(v -> sumAcrossReplicas(session, v));
  }

  /** Adds a host vector of length dim + 1 over replicas (float32 on the wire). */
  private double[] sumAcrossReplicas(Session session, double[] v) {
    if (globalSums == null) {
      return v;
    }
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    try (TFloat32 local = TensorValues.tensor(f, v.length);
        Result r = dist.run(() -> session.runner().feed(localSums, local).fetch(globalSums).run())) {
      float[] g = TensorValues.floats(r.get(0));
      double[] out = new double[g.length];
      for (int i = 0; i < g.length; i++) {
        out[i] = g[i];
      }
      return out;
    }
  }
}

package org.scrl4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.scrl4j.dist.DistContext;
import org.scrl4j.model.LinearClassifier;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNet;
import org.scrl4j.model.ResNetSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Times the gradient all-reduce of one training step: the mean over replicas of tensors shaped
 * like ResNet-50's 161 trainable parameters (25.56M floats), in buckets.
 */
public final class AllReduceBenchmark {
  private AllReduceBenchmark() {}

  /**
   * The shapes of torchvision ResNet-50's trainable tensors (convs HWIO, BN gamma/beta, fc), in
   * the model's creation order: read off the model's own variables in a graph that is never run,
   * so the benchmark reduces exactly what a step would and no second table of ResNet-50 exists.
   */
  public static List<long[]> resnet50Shapes() {
    ResNetSpec spec = ResNetSpec.of("resnet50");
    try (Graph g = new Graph()) {
      ParamStore store = new ParamStore(Ops.create(g));
      ResNet.create(store, "backbone", spec);
      LinearClassifier.create(store, "fc", spec.featureDim(), 1000);
      return store.all().stream().filter(ParamStore.Param::trainable).map(ParamStore.Param::dims).toList();
    }
  }

  /**
   * Runs {@code reps} bucketed all-reduces and returns the wall time of each in milliseconds (the
   * first includes TensorFlow's one-time group set-up).
   */
  public static double[] run(DistContext ctx, List<long[]> shapes, long bucketBytes, int reps) {
    try (Graph g = new Graph()) {
      Ops tf = ctx.place(Ops.create(g));
      List<Operand<TFloat32>> grads = new ArrayList<>();
      Random rnd = new Random(ctx.rank());
      for (long[] dims : shapes) {
        // Variables, so a timed run costs the reduction (plus a read), not producing the values.
        grads.add(tf.identity(tf.variable(tf.fill(tf.constant(dims), tf.constant(rnd.nextFloat())))));
      }
      List<Operand<TFloat32>> mean = ctx.collectives(tf).withBucketBytes(bucketBytes).allReduceMean(grads);
      Op all = tf.withControlDependencies(mean.stream().map(a -> (Op) a).toList()).noOp();
      double[] millis = new double[reps];
      try (Session s = ctx.newSession(g)) {
        s.initialize();
        for (int i = 0; i < reps; i++) {
          long t0 = System.nanoTime();
          ctx.run(() -> {
            s.runner().addTarget(all).run().close();
            return null;
          });
          millis[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      return millis;
    }
  }

  /** Number of floats in {@code shapes}. */
  public static long floats(List<long[]> shapes) {
    return shapes.stream().mapToLong(d -> Shape.of(d).size()).sum();
  }
}

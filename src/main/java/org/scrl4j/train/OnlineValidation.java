package org.scrl4j.train;

import java.util.List;
import org.scrl4j.config.Config;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.data.PipelineOptions;
import org.scrl4j.data.SingleViewTransform;
import org.scrl4j.dist.Collectives;
import org.scrl4j.dist.DistContext;
import org.scrl4j.model.ForwardContext;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The online evaluator's top-1 on centre-cropped validation images, backbone in inference mode
 * (running BN statistics), sharing the training graph's variables. Replicas count their own shard
 * and add the counts once at the end, so shards of unequal length never leave a collective waiting.
 */
final class OnlineValidation {
  private final InputPipeline input;
  private final Operand<TFloat32> correct;
  private final Operand<TFloat32> count;
  private final DistContext dist;
  private final Placeholder<TFloat32> localCounts;
  private final Operand<TFloat32> globalCounts;

  OnlineValidation(Ops tf, ImageSource val, PretrainStep step, Config cfg, DistContext dist,
      Collectives collectives) {
    this.dist = dist;
    int size = cfg.augment().inputSize();
    input = InputPipeline.build(tf.withSubScope("input"), val, SingleViewTransform.evaluation(size),
        PipelineOptions.evaluation(cfg.train().batchSizeEval(), dist.rank(), dist.world())
            .withSkipCorrupt(cfg.dataset().skipCorrupt())
            .withParallelCalls(ExperimentSpec.parallelCalls(cfg.train().numWorkers())));
    ForwardContext ctx = ForwardContext.inference(tf);
    Operand<TFloat32> images = input.output(SingleViewTransform.IMAGE);
    Operand<TFloat32> pooled = step.onlineNetwork().backbone().apply(ctx.in("backbone"), images).pooled();
    Operand<TFloat32> logits = step.evaluator().apply(ctx.in("evaluator"), pooled);
    Operand<TInt64> predicted = tf.math.argMax(logits, tf.constant(1), TInt64.class);
    Operand<TInt64> labels = input.output(InputPipeline.LABEL);
    correct = tf.reduceSum(tf.dtypes.cast(tf.math.equal(predicted, labels), TFloat32.class),
        tf.constant(0));
    count = tf.dtypes.cast(tf.size(labels), TFloat32.class);
    localCounts = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2)));
    // One process has nothing to add up (and TF refuses to fetch a fed placeholder).
    globalCounts = collectives == null ? null : collectives.allReduceSum(localCounts);
  }

  /** Top-1 in percent over the whole validation split. */
  double top1(Session session) {
    input.startEpoch(session, 0, 0);
    float[] totals = new float[2];
    for (long i = 0; i < input.stepsPerEpoch(); i++) {
      try (Result r = dist.run(() -> session.runner().fetch(correct).fetch(count).run())) {
        totals[0] += ((TFloat32) r.get(0)).getFloat();
        totals[1] += ((TFloat32) r.get(1)).getFloat();
      } catch (RuntimeException e) {
        throw InputErrors.explain(input, session, e);
      }
    }
    input.endEpoch(session);
    if (globalCounts == null) {
      return totals[1] == 0 ? Double.NaN : 100.0 * totals[0] / totals[1];
    }
    try (TFloat32 local = TFloat32.vectorOf(totals);
        Result r = dist.run(() -> session.runner().feed(localCounts, local).fetch(globalCounts).run())) {
      TFloat32 g = (TFloat32) r.get(0);
      float correctAll = g.getFloat(0);
      float total = g.getFloat(1);
      return total == 0 ? Double.NaN : 100.0 * correctAll / total;
    }
  }

}

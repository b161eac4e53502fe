package org.scrl4j.eval;

import java.util.List;
import org.scrl4j.config.Config;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.InputErrors;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.data.Pipelines;
import org.scrl4j.data.SingleViewTransform;
import org.scrl4j.dist.Collectives;
import org.scrl4j.dist.DistContext;
import org.scrl4j.method.ExperimentSpec;
import org.scrl4j.method.PretrainStep;
import org.scrl4j.model.ForwardContext;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The online evaluator's top-1 on centre-cropped validation images, backbone in inference mode
 * (running BN statistics), sharing the training graph's variables. Replicas count their own shard
 * and add the counts once at the end, so shards of unequal length never leave a collective waiting.
 */
public final class OnlineValidation {
  private final InputPipeline input;
  private final Operand<TFloat32> correct;
  private final Operand<TFloat32> count;
  private final DistContext dist;
  private final Top1Counter counter;

  public OnlineValidation(Ops tf, ImageSource val, PretrainStep step, Config cfg, DistContext dist,
      Collectives collectives) {
    this.dist = dist;
    int size = cfg.augment().inputSize();
    input = Pipelines.evaluation(tf.withSubScope("input"), val, size, cfg.augment().centerCropPad(),
        ExperimentSpec.evaluationReads(cfg, cfg.train().batchSizeEval(), cfg.train().numWorkers(),
            dist.rank(), dist.world()));
    ForwardContext ctx = ForwardContext.inference(tf);
    Operand<TFloat32> images = input.output(SingleViewTransform.IMAGE);
    Operand<TFloat32> pooled = step.onlineNetwork().backbone().apply(ctx.in("backbone"), images).pooled();
    Operand<TFloat32> logits = step.evaluator().apply(ctx.in("evaluator"), pooled);
    Operand<TInt64> labels = input.output(InputPipeline.LABEL);
    correct = Top1Counter.correct(tf, logits, labels);
    count = tf.dtypes.cast(tf.size(labels), TFloat32.class);
    counter = new Top1Counter(tf, collectives);
  }

  /** Top-1 in percent over the whole validation split. */
  public double top1(Session session) {
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
    return counter.top1(session, dist, totals[0], totals[1]);
  }

}

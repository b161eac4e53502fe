package org.scrl4j.eval;

import java.util.List;
import org.scrl4j.data.InputErrors;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.data.SingleViewTransform;
import org.scrl4j.model.ForwardContext;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The original's protocol: random resized crops and flips of the training split, reshuffled per
 * epoch, through the frozen features (no gradient reaches them) in the graph.
 */
final class AugmentedBatches implements TrainingBatches {
  private final InputPipeline pipeline;
  private final Operand<TFloat32> features;
  private final Operand<TInt64> labels;

  /** {@code pipeline} is a linear-eval training pipeline ({@code Pipelines.linearEvalTraining}). */
  AugmentedBatches(Ops tf, InputPipeline pipeline, ProbeFeatures probe, ForwardContext inference) {
    this.pipeline = pipeline;
    this.features = tf.stopGradient(
        probe.of(tf, inference, pipeline.output(SingleViewTransform.IMAGE)));
    this.labels = pipeline.output(InputPipeline.LABEL);
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
    return Math.max(1, pipeline.stepsPerEpoch());
  }

  @Override
  public void startEpoch(Session session, int epoch) {
    pipeline.startEpoch(session, epoch, 0);
  }

  @Override
  public List<Tensor> feed(Session.Runner runner, long step) {
    return List.of(); // the pipeline is wired into the graph
  }

  @Override
  public void endEpoch(Session session) {
    pipeline.endEpoch(session);
  }

  @Override
  public RuntimeException explain(Session session, RuntimeException error) {
    return InputErrors.explain(pipeline, session, error);
  }
}

package org.scrl4j.data;

import java.util.List;
import org.scrl4j.data.boxes.RoiRows;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** The three input pipelines of scrl4j, built into the training graph. */
public final class Pipelines {
  private Pipelines() {}

  /**
   * Pre-training input: per image two views, crops, flips and SCRL boxes. Training reading
   * ({@link PipelineOptions#training}): reshuffled per epoch from the options' seed, full batches.
   */
  public static InputPipeline pretraining(Ops tf, ImageSource source,
      PretrainAugmentation augmentation, PipelineOptions options) {
    return InputPipeline.build(tf, source, new PretrainTransform(augmentation),
        requireTraining(options, true));
  }

  /**
   * Evaluation input (resize the shorter side to size + centerCropPad, centre crop size x size),
   * evaluation reading ({@link PipelineOptions#evaluation}): every image once, the last batch
   * partial.
   */
  public static InputPipeline evaluation(Ops tf, ImageSource source, int inputSize,
      int centerCropPad, PipelineOptions options) {
    return InputPipeline.build(tf, source, SingleViewTransform.evaluation(inputSize, centerCropPad),
        requireTraining(options, false));
  }

  /** Linear-eval training input (random resized crop (0.08, 1), flip), training reading. */
  public static InputPipeline linearEvalTraining(Ops tf, ImageSource source, int inputSize,
      PipelineOptions options) {
    return InputPipeline.build(tf, source, SingleViewTransform.linearEvalTraining(inputSize),
        requireTraining(options, true));
  }

  /** Each pipeline has one way of reading: a mismatch is a caller's bug, not a setting. */
  private static PipelineOptions requireTraining(PipelineOptions options, boolean training) {
    if (options.training() != training) {
      throw new IllegalArgumentException("this pipeline needs "
          + (training ? "PipelineOptions.training" : "PipelineOptions.evaluation") + ", got " + options);
    }
    return options;
  }

  /** The batch tensors a pre-training step consumes, in the shared conventions. */
  public record PretrainBatch(Operand<TFloat32> images, Operand<TFloat32> rois,
      Operand<TInt64> labels) {}

  /**
   * Pre-training batch in the shared layout: {@code images} float32 [2N, S, S, 3] (all view-1 rows,
   * then all view-2 rows), {@code rois} float32 [K, 5] (batch index, x1, y1, x2, y2; view-2 boxes
   * carry b + N), {@code labels} int64 [N] (-1 unlabelled).
   */
  public static PretrainBatch pretrainBatch(Ops tf, InputPipeline pipeline) {
    Operand<TFloat32> v1 = pipeline.output("view1");
    Operand<TFloat32> v2 = pipeline.output("view2");
    Operand<TFloat32> b1 = pipeline.output("boxes1");
    Operand<TFloat32> b2 = pipeline.output("boxes2");
    Operand<TBool> valid = pipeline.output("box_valid");
    return new PretrainBatch(tf.concat(List.of(v1, v2), tf.constant(0)),
        RoiRows.of(tf, b1, b2, valid), pipeline.output(InputPipeline.LABEL));
  }
}

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
   * Pre-training input: per image two views, crops, flips and SCRL boxes. Reshuffled per epoch
   * from {@code seed}; full batches of {@code batchSize} images.
   */
  public static InputPipeline pretraining(Ops tf, ImageSource source,
      PretrainAugmentation augmentation, int batchSize, int rank, int world, long seed,
      boolean skipCorrupt) {
    return InputPipeline.build(tf, source, new PretrainTransform(augmentation),
        PipelineOptions.training(batchSize, rank, world, seed).withSkipCorrupt(skipCorrupt));
  }

  /** Evaluation input (resize 256, centre crop 224): every image once, the last batch partial. */
  public static InputPipeline evaluation(Ops tf, ImageSource source, int inputSize, int batchSize,
      int rank, int world, boolean skipCorrupt) {
    return InputPipeline.build(tf, source, SingleViewTransform.evaluation(inputSize),
        PipelineOptions.evaluation(batchSize, rank, world).withSkipCorrupt(skipCorrupt));
  }

  /** Linear-eval training input (random resized crop (0.08, 1), flip), reshuffled per epoch. */
  public static InputPipeline linearEvalTraining(Ops tf, ImageSource source, int inputSize,
      int batchSize, int rank, int world, long seed, boolean skipCorrupt) {
    return InputPipeline.build(tf, source, SingleViewTransform.linearEvalTraining(inputSize),
        PipelineOptions.training(batchSize, rank, world, seed).withSkipCorrupt(skipCorrupt));
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

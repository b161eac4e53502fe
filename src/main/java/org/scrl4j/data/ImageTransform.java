package org.scrl4j.data;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * The per-image part of an input pipeline, built into the tf.data map function: it receives one
 * decoded image and returns named per-example tensors, which the pipeline then batches.
 * Implementations: the SCRL two-view augmentation, the evaluation centre crop, the linear-eval
 * random resized crop (package org.scrl4j.data.augment).
 */
public interface ImageTransform {
  /**
   * The outputs, in order, with static per-example shapes (batching needs them). The names
   * {@code label}, {@code index} and {@code position} are reserved for the pipeline.
   */
  List<TensorSpec> outputs();

  /**
   * Builds the transform of one image.
   *
   * @param tf ops of the map function's graph
   * @param image decoded image, uint8 [height, width, 3]
   * @param seed int64 [2], unique per (run seed, epoch, global image index): the seed of every
   *     stateless random op of this image (derive sub-seeds from it, never use stateful randoms)
   * @return one operand per {@link #outputs()} entry, keyed by name
   */
  Map<String, Operand<?>> apply(Ops tf, Operand<TUint8> image, Operand<TInt64> seed);

  /**
   * The batch's final tensors from the batched per-example outputs (each [batch, ...]), built into
   * a second map function that runs on each batch. For per-image work that is many tiny ops: in
   * the per-image map each op costs its overhead per image, here once per batch. The default
   * returns the batch unchanged. The pipeline's own {@code label}, {@code index} and {@code
   * position} pass through and must be kept (the same operands).
   */
  default Map<String, Operand<?>> finishBatch(Ops tf, Map<String, Operand<?>> batch) {
    return batch;
  }
}

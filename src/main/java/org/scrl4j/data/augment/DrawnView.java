package org.scrl4j.data.augment;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One view as the per-image part of the augmentation leaves it: cropped, resized and flipped, and
 * either finished or with the draws of its photometric half still to apply to a batch.
 *
 * @param pixels float32 [S, S, 3]: in [0, 1] when {@code draws} is set, else the finished view
 * @param crop int32 [4] = (top, left, height, width) in original-image pixels
 * @param flipped bool scalar
 * @param draws the decisions of {@link PhotometricAugment}, or null when {@code pixels} is final
 */
public record DrawnView(Operand<TFloat32> pixels, Operand<TInt32> crop, Operand<TBool> flipped,
    PhotometricAugment.Draws draws) {

  /** The finished view of this one image: its photometric half applied image by image. */
  public AugmentedView finish(Ops tf, AugmentParams p, int view) {
    if (draws == null) {
      return new AugmentedView(pixels, crop, flipped);
    }
    Operand<TFloat32> out = PhotometricAugment.apply(tf, pixels, draws, p, view);
    Shape shape = pixels.shape();
    return new AugmentedView(shape.hasUnknownDimension() ? out : tf.ensureShape(out, shape),
        crop, flipped);
  }
}

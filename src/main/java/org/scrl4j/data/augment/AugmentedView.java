package org.scrl4j.data.augment;

import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One augmented view of an image.
 *
 * @param image float32 [S, S, 3], ImageNet-normalised
 * @param crop int32 [4] = (top, left, height, width) of the crop in original-image pixels
 * @param flipped bool scalar, true when the view was mirrored horizontally
 */
public record AugmentedView(Operand<TFloat32> image, Operand<TInt32> crop, Operand<TBool> flipped) {}

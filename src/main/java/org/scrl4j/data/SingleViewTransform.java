package org.scrl4j.data;

import java.util.List;
import java.util.Map;
import org.scrl4j.data.augment.ViewTransforms;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * One normalised view per image, output {@code image} float32 [S, S, 3]: the evaluation transform
 * (resize 256, centre crop 224, or as {@code augment.center_crop_pad} says) or the linear-eval training transform (random resized crop with
 * area (0.08, 1), flip).
 */
public final class SingleViewTransform implements ImageTransform {
  public static final String IMAGE = "image";
  private final int size;
  private final boolean random;
  private final int centerCropPad;

  private SingleViewTransform(int size, boolean random, int centerCropPad) {
    this.size = size;
    this.random = random;
    this.centerCropPad = centerCropPad;
  }

  /** The original's evaluation transform: resize the shorter side to S + 32, centre crop S x S. */
  public static SingleViewTransform evaluation(int size) {
    return evaluation(size, ViewTransforms.EVAL_PAD);
  }

  /** Resize the shorter side to S + pad, centre crop S x S (pad 0: the whole image, resized). */
  public static SingleViewTransform evaluation(int size, int centerCropPad) {
    return new SingleViewTransform(size, false, centerCropPad);
  }

  /** Random resized crop S x S with area (0.08, 1), horizontal flip p = 0.5. */
  public static SingleViewTransform linearEvalTraining(int size) {
    return new SingleViewTransform(size, true, ViewTransforms.EVAL_PAD);
  }

  @Override
  public List<TensorSpec> outputs() {
    return List.of(new TensorSpec(IMAGE, TFloat32.class, Shape.of(size, size, 3)));
  }

  @Override
  public Map<String, Operand<?>> apply(Ops tf, Operand<TUint8> image, Operand<TInt64> seed) {
    Operand<TFloat32> view = random ? ViewTransforms.linearEvalTrain(tf, image, seed, size)
        : ViewTransforms.center(tf, image, size, centerCropPad).image();
    return Map.of(IMAGE, tf.ensureShape(view, Shape.of(size, size, 3)));
  }
}

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
 * (resize 256, centre crop 224) or the linear-eval training transform (random resized crop with
 * area (0.08, 1), flip).
 */
public final class SingleViewTransform implements ImageTransform {
  public static final String IMAGE = "image";
  private final int size;
  private final boolean random;

  private SingleViewTransform(int size, boolean random) {
    this.size = size;
    this.random = random;
  }

  /** Resize the shorter side to round(S * 256 / 224), centre crop S x S. */
  public static SingleViewTransform evaluation(int size) {
    return new SingleViewTransform(size, false);
  }

  /** Random resized crop S x S with area (0.08, 1), horizontal flip p = 0.5. */
  public static SingleViewTransform linearEvalTraining(int size) {
    return new SingleViewTransform(size, true);
  }

  @Override
  public List<TensorSpec> outputs() {
    return List.of(new TensorSpec(IMAGE, TFloat32.class, Shape.of(size, size, 3)));
  }

  @Override
  public Map<String, Operand<?>> apply(Ops tf, Operand<TUint8> image, Operand<TInt64> seed) {
    Operand<TFloat32> view = random ? ViewTransforms.linearEvalTrain(tf, image, seed, size)
        : ViewTransforms.center(tf, image, size).image();
    return Map.of(IMAGE, tf.ensureShape(view, Shape.of(size, size, 3)));
  }
}

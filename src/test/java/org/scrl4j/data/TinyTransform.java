package org.scrl4j.data;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * Test-only transform: the image's mean colour (so decoded images can be matched to their source),
 * its size, and one stateless random number drawn from the element seed.
 */
final class TinyTransform implements ImageTransform {
  @Override
  public List<TensorSpec> outputs() {
    return List.of(new TensorSpec("mean", TFloat32.class, Shape.of(3)),
        new TensorSpec("size", TInt32.class, Shape.of(2)),
        new TensorSpec("random", TFloat32.class, Shape.scalar()));
  }

  @Override
  public Map<String, Operand<?>> apply(Ops tf, Operand<TUint8> image, Operand<TInt64> seed) {
    Operand<TFloat32> f = tf.dtypes.cast(image, TFloat32.class);
    Operand<TFloat32> mean = tf.math.mean(f, tf.constant(new int[] {0, 1}));
    Operand<TInt32> size = tf.slice(tf.shape(image), tf.constant(new int[] {0}),
        tf.constant(new int[] {2}));
    Operand<TFloat32> r = tf.reshape(tf.random.statelessRandomUniform(
        tf.constant(new int[] {1}), seed), tf.constant(new int[0]));
    return Map.of("mean", mean, "size", size, "random", r);
  }
}

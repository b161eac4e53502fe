package org.scrl4j.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * The pre-training example of one image: two augmented views, their crops and flips, and the
 * matched SCRL boxes ({@link PretrainAugmentation}), under the names of {@link PretrainSample#NAMES}.
 */
public final class PretrainTransform implements ImageTransform {
  private final PretrainAugmentation augmentation;

  public PretrainTransform(PretrainAugmentation augmentation) {
    this.augmentation = augmentation;
  }

  @Override
  public List<TensorSpec> outputs() {
    int s = augmentation.augmentParams().inputSize();
    int b = augmentation.boxParams().boxesPerImage();
    Shape view = Shape.of(s, s, 3);
    Shape boxes = Shape.of(b, 4);
    return List.of(new TensorSpec("view1", TFloat32.class, view),
        new TensorSpec("view2", TFloat32.class, view),
        new TensorSpec("crop1", TInt32.class, Shape.of(4)),
        new TensorSpec("crop2", TInt32.class, Shape.of(4)),
        new TensorSpec("flip1", TBool.class, Shape.scalar()),
        new TensorSpec("flip2", TBool.class, Shape.scalar()),
        new TensorSpec("boxes1", TFloat32.class, boxes),
        new TensorSpec("boxes2", TFloat32.class, boxes),
        new TensorSpec("box_valid", TBool.class, Shape.scalar()));
  }

  @Override
  public Map<String, Operand<?>> apply(Ops tf, Operand<TUint8> image, Operand<TInt64> seed) {
    PretrainSample sample = augmentation.apply(tf, image, seed);
    Map<String, Operand<?>> out = new LinkedHashMap<>();
    List<Operand<?>> values = sample.outputs();
    List<TensorSpec> specs = outputs();
    for (int i = 0; i < values.size(); i++) {
      // Static shapes let the batch op stack the views; the augmentation's ops may lose them.
      out.put(PretrainSample.NAMES.get(i), tf.ensureShape(values.get(i), specs.get(i).shape()));
    }
    return out;
  }
}

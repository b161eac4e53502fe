package org.scrl4j.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.scrl4j.data.boxes.BoxGenerator;
import org.scrl4j.data.boxes.BoxPair;
import org.scrl4j.data.boxes.BoxParams;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * The pre-training example of one image: two augmented views, their crops and flips, and the
 * matched SCRL boxes ({@link PretrainAugmentation}), under the names of {@link PretrainSample#NAMES}.
 * The boxes are made per batch ({@link #finishBatch}) from draws each image makes in the map.
 */
public final class PretrainTransform implements ImageTransform {
  /** The per-example output the batch's boxes are made from (float64 [boxes, tries, draws]). */
  static final String BOX_DRAWS = "box_draws";

  private final PretrainAugmentation augmentation;

  public PretrainTransform(PretrainAugmentation augmentation) {
    this.augmentation = augmentation;
  }

  /** Per example: the views, crops and flips, and the draws its boxes are made from. */
  @Override
  public List<TensorSpec> outputs() {
    int s = augmentation.augmentParams().inputSize();
    BoxParams b = augmentation.boxParams();
    Shape view = Shape.of(s, s, 3);
    return List.of(new TensorSpec("view1", TFloat32.class, view),
        new TensorSpec("view2", TFloat32.class, view),
        new TensorSpec("crop1", TInt32.class, Shape.of(4)),
        new TensorSpec("crop2", TInt32.class, Shape.of(4)),
        new TensorSpec("flip1", TBool.class, Shape.scalar()),
        new TensorSpec("flip2", TBool.class, Shape.scalar()),
        new TensorSpec(BOX_DRAWS, TFloat64.class,
            Shape.of(b.boxesPerImage(), b.tries(), BoxGenerator.DRAWS)));
  }

  @Override
  public Map<String, Operand<?>> apply(Ops tf, Operand<TUint8> image, Operand<TInt64> seed) {
    PretrainAugmentation.Views v = augmentation.views(tf, image, seed);
    List<Operand<?>> values = List.of(v.view1().image(), v.view2().image(), v.view1().crop(),
        v.view2().crop(), v.view1().flipped(), v.view2().flipped(), v.boxDraws());
    Map<String, Operand<?>> out = new LinkedHashMap<>();
    List<TensorSpec> specs = outputs();
    for (int i = 0; i < values.size(); i++) {
      // Static shapes let the batch op stack the views; the augmentation's ops may lose them.
      out.put(specs.get(i).name(), tf.ensureShape(values.get(i), specs.get(i).shape()));
    }
    return out;
  }

  /** The SCRL boxes of the whole batch from its crops, flips and draws; the draws are dropped. */
  @Override
  @SuppressWarnings("unchecked")
  public Map<String, Operand<?>> finishBatch(Ops tf, Map<String, Operand<?>> batch) {
    BoxPair pair = BoxGenerator.fromBatchDraws(tf, augmentation.boxParams(),
        (Operand<TInt32>) batch.get("crop1"), (Operand<TBool>) batch.get("flip1"),
        (Operand<TInt32>) batch.get("crop2"), (Operand<TBool>) batch.get("flip2"),
        (Operand<TFloat64>) batch.get(BOX_DRAWS));
    Map<String, Operand<?>> out = new LinkedHashMap<>(batch);
    out.remove(BOX_DRAWS);
    out.put("boxes1", pair.boxes1());
    out.put("boxes2", pair.boxes2());
    out.put("box_valid", pair.valid());
    return out;
  }
}

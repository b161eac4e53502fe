package org.scrl4j.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.scrl4j.data.augment.AugmentParams;
import org.scrl4j.data.augment.AugmentType;
import org.scrl4j.data.augment.PhotometricAugment;
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

  /**
   * Per example: the views, crops and flips, the draws its boxes are made from, and for small simclr
   * views the draws of each view's photometric half (the views are then still in [0, 1]).
   */
  @Override
  public List<TensorSpec> outputs() {
    int s = augmentation.augmentParams().inputSize();
    BoxParams b = augmentation.boxParams();
    Shape viewShape = Shape.of(s, s, 3);
    List<TensorSpec> specs = new ArrayList<>(List.of(new TensorSpec("view1", TFloat32.class, viewShape),
        new TensorSpec("view2", TFloat32.class, viewShape),
        new TensorSpec("crop1", TInt32.class, Shape.of(4)),
        new TensorSpec("crop2", TInt32.class, Shape.of(4)),
        new TensorSpec("flip1", TBool.class, Shape.scalar()),
        new TensorSpec("flip2", TBool.class, Shape.scalar()),
        new TensorSpec(BOX_DRAWS, TFloat64.class,
            Shape.of(b.boxesPerImage(), b.tries(), BoxGenerator.DRAWS))));
    if (photometricPerBatch()) {
      for (int view = 1; view <= 2; view++) {
        for (int k = 0; k < PhotometricAugment.Draws.NAMES.size(); k++) {
          specs.add(new TensorSpec(drawName(view, k), PhotometricAugment.Draws.TYPES.get(k),
              PhotometricAugment.Draws.SHAPES.get(k)));
        }
      }
    }
    return specs;
  }

  @Override
  public Map<String, Operand<?>> apply(Ops tf, Operand<TUint8> image, Operand<TInt64> seed) {
    PretrainAugmentation.Views v = augmentation.views(tf, image, seed);
    boolean perBatch = photometricPerBatch();
    AugmentParams p = augmentation.augmentParams();
    // Small simclr views leave the map in [0, 1] with their draws; the rest are finished here.
    List<Operand<?>> values = new ArrayList<>(List.of(
        perBatch ? v.view1().pixels() : v.view1().finish(tf, p, 1).image(),
        perBatch ? v.view2().pixels() : v.view2().finish(tf, p, 2).image(),
        v.view1().crop(), v.view2().crop(), v.view1().flipped(), v.view2().flipped(),
        v.boxDraws()));
    if (perBatch) {
      values.addAll(v.view1().draws().tensors());
      values.addAll(v.view2().draws().tensors());
    }
    Map<String, Operand<?>> out = new LinkedHashMap<>();
    List<TensorSpec> specs = outputs();
    for (int i = 0; i < values.size(); i++) {
      // Static shapes let the batch op stack the views; the augmentation's ops may lose them.
      out.put(specs.get(i).name(), tf.ensureShape(values.get(i), specs.get(i).shape()));
    }
    return out;
  }

  /**
   * The SCRL boxes of the whole batch from its crops, flips and draws, and for small simclr views
   * their photometric half; the draws are dropped.
   */
  @Override
  @SuppressWarnings("unchecked")
  public Map<String, Operand<?>> finishBatch(Ops tf, Map<String, Operand<?>> batch) {
    BoxPair pair = BoxGenerator.fromBatchDraws(tf, augmentation.boxParams(),
        (Operand<TInt32>) batch.get("crop1"), (Operand<TBool>) batch.get("flip1"),
        (Operand<TInt32>) batch.get("crop2"), (Operand<TBool>) batch.get("flip2"),
        (Operand<TFloat64>) batch.get(BOX_DRAWS));
    Map<String, Operand<?>> out = new LinkedHashMap<>(batch);
    out.remove(BOX_DRAWS);
    if (photometricPerBatch()) {
      for (int view = 1; view <= 2; view++) {
        List<Operand<?>> draws = new ArrayList<>();
        for (int k = 0; k < PhotometricAugment.Draws.NAMES.size(); k++) {
          draws.add(out.remove(drawName(view, k)));
        }
        out.put("view" + view, PhotometricAugment.apply(tf.withSubScope("view" + view),
            (Operand<TFloat32>) batch.get("view" + view), PhotometricAugment.Draws.of(draws),
            augmentation.augmentParams(), view));
      }
    }
    out.put("boxes1", pair.boxes1());
    out.put("boxes2", pair.boxes2());
    out.put("box_valid", pair.valid());
    return out;
  }

  /** Small simclr views are finished a batch at a time ({@link PhotometricAugment#PER_BATCH_MAX_SIZE}). */
  private boolean photometricPerBatch() {
    AugmentParams p = augmentation.augmentParams();
    return p.type() == AugmentType.SIMCLR && p.inputSize() <= PhotometricAugment.PER_BATCH_MAX_SIZE;
  }

  private static String drawName(int view, int k) {
    return "view" + view + "_" + PhotometricAugment.Draws.NAMES.get(k);
  }
}

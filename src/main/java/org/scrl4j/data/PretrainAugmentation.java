package org.scrl4j.data;

import org.scrl4j.data.augment.AugmentParams;
import org.scrl4j.data.augment.AugmentedView;
import org.scrl4j.data.augment.DrawnView;
import org.scrl4j.data.augment.PhotometricAugment;
import org.scrl4j.data.augment.RandomStreams;
import org.scrl4j.data.augment.ViewTransforms;
import org.scrl4j.data.boxes.BoxGenerator;
import org.scrl4j.data.boxes.BoxPair;
import org.scrl4j.data.boxes.BoxParams;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * The two pre-training views of one image and their matched SCRL boxes, per {@code augment.type}.
 * Pure graph ops on one element, safe inside a tf.data map function.
 */
public final class PretrainAugmentation {
  private final AugmentParams augment;
  private final BoxParams boxes;

  public PretrainAugmentation(AugmentParams augment, BoxParams boxes) {
    if (augment.inputSize() != boxes.inputSize()) {
      throw new IllegalArgumentException("box input size " + boxes.inputSize()
          + " differs from augment input size " + augment.inputSize());
    }
    this.augment = augment;
    this.boxes = boxes;
  }

  /** The paper setting (SPEC defaults). */
  public static PretrainAugmentation defaults() {
    return new PretrainAugmentation(AugmentParams.defaults(), BoxParams.defaults());
  }

  public AugmentParams augmentParams() {
    return augment;
  }

  public BoxParams boxParams() {
    return boxes;
  }

  /**
   * Both views of one image as the per-image part leaves them (for the simclr type still to be
   * finished on a batch, {@link DrawnView}) and the random numbers its boxes are made from.
   */
  public record Views(DrawnView view1, DrawnView view2, Operand<TFloat64> boxDraws) {}

  /**
   * @param image uint8 [h, w, 3], any h, w >= 1
   * @param seed int64 [2], distinct per element (e.g. (run seed, epoch * dataset size + index))
   */
  public PretrainSample apply(Ops tf, Operand<TUint8> image, Operand<TInt64> seed) {
    Views v = views(tf, image, seed);
    AugmentedView v1 = v.view1().finish(tf, augment, 1);
    AugmentedView v2 = v.view2().finish(tf, augment, 2);
    BoxPair pair = BoxGenerator.fromDraws(tf, boxes, v1.crop(), v1.flipped(),
        v2.crop(), v2.flipped(), v.boxDraws());
    return new PretrainSample(v1.image(), v2.image(), v1.crop(), v2.crop(), v1.flipped(),
        v2.flipped(), pair.boxes1(), pair.boxes2(), pair.valid());
  }

  /**
   * The views and the box draws of {@link #apply}, without the boxes and the views' photometric
   * half: a pipeline does those for a whole batch at once ({@link BoxGenerator#fromBatchDraws},
   * {@link PhotometricAugment#apply}), from the same draws.
   */
  public Views views(Ops tf, Operand<TUint8> image, Operand<TInt64> seed) {
    RandomStreams streams = new RandomStreams(tf, seed, 3);
    Operand<TInt64> seed1 = streams.nextSeed();
    Operand<TInt64> seed2 = streams.nextSeed();
    Operand<TInt64> boxSeed = streams.nextSeed();
    int s = augment.inputSize();
    DrawnView v1;
    DrawnView v2;
    switch (augment.type()) {
      case SIMCLR -> {
        v1 = ViewTransforms.simclrDrawn(tf, image, seed1, augment, 1);
        v2 = ViewTransforms.simclrDrawn(tf, image, seed2, augment, 2);
      }
      case SIMPLE -> {
        v1 = finished(ViewTransforms.simple(tf, image, seed1, s, augment.cropScaleMin(),
            augment.cropScaleMax(), augment.flipProb()));
        v2 = finished(ViewTransforms.simple(tf, image, seed2, s, augment.cropScaleMin(),
            augment.cropScaleMax(), augment.flipProb()));
      }
      case NONE -> {
        v1 = finished(ViewTransforms.center(tf, image, s));
        v2 = v1;
      }
      default -> throw new IllegalStateException(augment.type().toString());
    }
    return new Views(v1, v2, BoxGenerator.draws(tf, boxes, boxSeed));
  }

  private static DrawnView finished(AugmentedView v) {
    return new DrawnView(v.image(), v.crop(), v.flipped(), null);
  }
}

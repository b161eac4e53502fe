package org.scrl4j.data.boxes;

import org.scrl4j.common.UserError;

/**
 * Settings of the SCRL box generator ({@code network.scrl.*} and {@code augment.input_size}).
 *
 * @param inputSize view side S in pixels
 * @param minSize smallest box side (in the coarser view's pixels)
 * @param boxesPerImage boxes per image pair
 * @param iouThreshold a new box is accepted when its IoU with every earlier box is below this
 * @param gridBased grid-level generation (paper configs) instead of uniform boxes
 * @param tries attempts per box before the last attempt is kept regardless of IoU
 * @param boxJittering move each side of the view-2 box by up to jitteringRatio of its size (off in
 *     the paper configs; as in the original only view 2 is jittered, after the IoU test)
 * @param jitteringRatio maximum relative move of a side when jittering
 */
public record BoxParams(
    int inputSize, int minSize, int boxesPerImage, double iouThreshold, boolean gridBased, int tries,
    boolean boxJittering, double jitteringRatio) {

  public BoxParams {
    if (minSize < 1 || minSize >= inputSize) {
      throw new UserError("network.scrl.min_size " + minSize + " must be in [1, "
          + (inputSize - 1) + "], e.g. " + Math.max(1, inputSize / 7) + " (32 for 224 px crops)");
    }
    if (boxesPerImage < 1) {
      throw new UserError("network.scrl.num_patches_per_image " + boxesPerImage
          + " must be at least 1, e.g. 10");
    }
    if (!(iouThreshold > 0 && iouThreshold <= 1)) {
      throw new UserError("network.scrl.iou_threshold " + iouThreshold + " must be in (0, 1], e.g. 0.5");
    }
    if (jitteringRatio < 0 || jitteringRatio >= 1) {
      throw new UserError("network.scrl.jittering_ratio " + jitteringRatio + " must be in [0, 1), e.g. 0.1");
    }
    if (tries < 1) {
      throw new IllegalArgumentException("tries must be >= 1");
    }
  }

  /** The paper setting: 224, min size 32, 10 boxes, IoU 0.5, grid mode, 50 tries, no jitter. */
  public static BoxParams defaults() {
    return new BoxParams(224, 32, 10, 0.5, true, 50, false, 0.1);
  }

  public BoxParams withInputSize(int size) {
    return new BoxParams(size, minSize, boxesPerImage, iouThreshold, gridBased, tries, boxJittering, jitteringRatio);
  }

  public BoxParams withMinSize(int size) {
    return new BoxParams(inputSize, size, boxesPerImage, iouThreshold, gridBased, tries, boxJittering, jitteringRatio);
  }

  public BoxParams withJittering(boolean on, double ratio) {
    return new BoxParams(inputSize, minSize, boxesPerImage, iouThreshold, gridBased, tries, on, ratio);
  }

  public BoxParams withGridBased(boolean grid) {
    return new BoxParams(inputSize, minSize, boxesPerImage, iouThreshold, grid, tries, boxJittering, jitteringRatio);
  }
}

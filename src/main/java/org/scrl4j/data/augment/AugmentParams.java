package org.scrl4j.data.augment;

import org.scrl4j.common.UserError;

/**
 * Everything the augmentation chain reads; {@link #defaults()} is the paper setting (SPEC
 * "Augmentation"). View-specific probabilities follow BYOL's asymmetric views: view 1 is always
 * blurred and never solarized, view 2 rarely blurred and sometimes solarized.
 */
public record AugmentParams(
    AugmentType type,
    int inputSize,
    double cropScaleMin,
    double cropScaleMax,
    double flipProb,
    double jitterProb,
    double brightness,
    double contrast,
    double saturation,
    double hue,
    double grayscaleProb,
    double blurProbView1,
    double blurProbView2,
    double solarizeProbView1,
    double solarizeProbView2) {

  public AugmentParams {
    if (inputSize < 8) {
      throw new UserError("augment.input_size " + inputSize + " is too small; use e.g. 224");
    }
    if (!(cropScaleMin > 0 && cropScaleMin <= cropScaleMax && cropScaleMax <= 1)) {
      throw new UserError("augment.crop_scale [" + cropScaleMin + ", " + cropScaleMax
          + "] must satisfy 0 < min <= max <= 1, e.g. [0.2, 1.0]");
    }
    double[] probabilities = {flipProb, jitterProb, grayscaleProb, blurProbView1, blurProbView2,
        solarizeProbView1, solarizeProbView2};
    for (double q : probabilities) {
      if (!(q >= 0 && q <= 1)) {
        throw new UserError("augmentation probability " + q + " must be in [0, 1]");
      }
    }
    if (brightness < 0 || contrast < 0 || saturation < 0) {
      throw new UserError("colour-jitter strengths (" + brightness + ", " + contrast + ", "
          + saturation + ") must be >= 0, e.g. 0.4, 0.4, 0.2");
    }
    if (hue < 0 || hue > 0.5) {
      throw new UserError("colour-jitter hue " + hue + " must be in [0, 0.5]");
    }
  }

  /** The paper configs: simclr, 224, crop scale (0.2, 1.0). */
  public static AugmentParams defaults() {
    return new AugmentParams(
        AugmentType.SIMCLR, 224, 0.2, 1.0, 0.5, 0.8, 0.4, 0.4, 0.2, 0.1, 0.2, 1.0, 0.1, 0.0, 0.2);
  }

  public AugmentParams withType(AugmentType t) {
    return new AugmentParams(t, inputSize, cropScaleMin, cropScaleMax, flipProb, jitterProb,
        brightness, contrast, saturation, hue, grayscaleProb, blurProbView1, blurProbView2,
        solarizeProbView1, solarizeProbView2);
  }

  public AugmentParams withInputSize(int size) {
    return new AugmentParams(type, size, cropScaleMin, cropScaleMax, flipProb, jitterProb,
        brightness, contrast, saturation, hue, grayscaleProb, blurProbView1, blurProbView2,
        solarizeProbView1, solarizeProbView2);
  }

  public AugmentParams withCropScale(double min, double max) {
    return new AugmentParams(type, inputSize, min, max, flipProb, jitterProb,
        brightness, contrast, saturation, hue, grayscaleProb, blurProbView1, blurProbView2,
        solarizeProbView1, solarizeProbView2);
  }

  /** Blur probability of view 1 or 2. */
  public double blurProb(int view) {
    return view == 1 ? blurProbView1 : blurProbView2;
  }

  /** Solarize probability of view 1 or 2. */
  public double solarizeProb(int view) {
    return view == 1 ? solarizeProbView1 : solarizeProbView2;
  }
}
